#pragma once

#include <string>
#include <string_view>

#include "kefu/core/result.h"

// Personal data (ARCHITECTURE.md data rules): validation, normalisation and masking of
// mainland resident ID numbers, bank card numbers, mainland mobile numbers and e-mail
// addresses, and keyed hashing so a customer can be found by ID number without keeping it in
// clear. All functions are pure and thread-safe.
namespace kefu::pii {

// ---- Resident ID (居民身份证号码, GB 11643-1999) ----
// Normalises (trims, full-width → half-width, lowercase x → X) and validates: 18 characters,
// 17 digits then a digit or X, a real calendar birth date (1900-01-01 .. today is not checked,
// only that the date exists and the year is >= 1900), and the ISO 7064 MOD 11-2 check digit.
// Returns the normalised number, or kInvalidArgument saying what is wrong (length, character,
// date, check digit) with `field` set to "id_number".
Result<std::string> NormalizeIdNumber(std::string_view raw);
// The check character ('0'..'9' or 'X') for the first 17 digits. REQUIRES: 17 ASCII digits.
char IdNumberCheckChar(std::string_view first17);
// "110105199001011234" → "110***********1234". REQUIRES: a normalised number.
std::string MaskIdNumber(std::string_view id_number);

// ---- Bank card (银行卡号) ----
// Normalises (strips spaces and dashes, full-width digits) and validates: 12–19 digits and the
// Luhn check. kInvalidArgument with `field` "card_number" otherwise.
Result<std::string> NormalizeCardNumber(std::string_view raw);
bool LuhnValid(std::string_view digits);
// The Luhn check digit to append to `digits_without_check`. REQUIRES: ASCII digits.
char LuhnCheckDigit(std::string_view digits_without_check);
enum class CardMask {
  kLast4,        // "************1234" (the default everywhere)
  kFirst6Last4,  // "622202******1234" (roles allowed to see the BIN)
};
// REQUIRES: a normalised number.
std::string MaskCardNumber(std::string_view card_number, CardMask mode = CardMask::kLast4);

// ---- Mainland mobile (手机号) ----
// Normalises (strips spaces, dashes, a leading +86 / 0086 / 86, full-width digits) and
// validates 11 digits starting 1[3-9]. kInvalidArgument with `field` "mobile" otherwise.
Result<std::string> NormalizeMobile(std::string_view raw);
// "13812345678" → "138****5678". REQUIRES: a normalised number.
std::string MaskMobile(std::string_view mobile);

// ---- E-mail ----
// Trims, lowercases the domain, validates local@domain.tld shape (no spaces, one @, a dot in
// the domain). kInvalidArgument with `field` "email" otherwise.
Result<std::string> NormalizeEmail(std::string_view raw);
// "zhangsan@example.com" → "z***@example.com". REQUIRES: a normalised address.
std::string MaskEmail(std::string_view email);

// ---- Keyed hashing ----
// HMAC-SHA256 of `value` under `key`, as 64 lowercase hex characters. Callers hash the
// normalised form so that "11010519900101123x" and "11010519900101123X" find the same row.
// REQUIRES: key is not empty.
std::string KeyedHash(std::string_view key, std::string_view value);

}  // namespace kefu::pii
