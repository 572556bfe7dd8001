#include "kefu/core/pii.h"

#include <sodium.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "kefu/core/check.h"
#include "kefu/core/text.h"

namespace kefu::pii {
namespace {

constexpr std::string_view kIdField = "id_number";
constexpr std::string_view kCardField = "card_number";
constexpr std::string_view kMobileField = "mobile";
constexpr std::string_view kEmailField = "email";

// Messages never repeat the value: they end up in logs and API responses.
Status Invalid(std::string_view field, std::string message) {
  return InvalidArgumentError(std::move(message), std::string(field));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) {
      return false;
    }
  }
  return true;
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && IsAsciiSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// Valid UTF-8 with full-width forms and the ideographic space made ASCII, so that "１３８"
// typed with a Chinese input method reads as "138".
Result<std::string> HalfWidth(std::string_view raw, std::string_view field) {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, field));
  return text::ToHalfWidth(raw);
}

// Removes whitespace and dashes anywhere: "6222 0212-3456" → "622202123456".
std::string StripSeparators(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (!IsAsciiSpace(c) && c != '-') {
      out.push_back(c);
    }
  }
  return out;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

int ParseDigits(std::string_view digits) {
  int value = 0;
  for (char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

// One '*' per character. The mask functions fall back to it when handed something that is not
// a normalised value: hide it all rather than guess which part is safe to show.
std::string MaskAll(std::string_view s) { return std::string(text::CodePointCount(s), '*'); }

}  // namespace

// ---- Resident ID ----

Result<std::string> NormalizeIdNumber(std::string_view raw) {
  KEFU_ASSIGN_OR_RETURN(std::string half, HalfWidth(raw, kIdField));
  std::string id(TrimAscii(half));
  const size_t length = text::CodePointCount(id);
  if (length != 18) {
    return Invalid(kIdField, "ID number must have 18 characters, got " + std::to_string(length));
  }
  if (id.size() != 18) {
    return Invalid(kIdField, "ID number may contain only digits and a final X");
  }
  if (id[17] == 'x') {
    id[17] = 'X';
  }
  for (size_t i = 0; i < 17; ++i) {
    if (!IsDigit(id[i])) {
      return Invalid(kIdField, "ID number character " + std::to_string(i + 1) + " must be a digit");
    }
  }
  if (!IsDigit(id[17]) && id[17] != 'X') {
    return Invalid(kIdField, "ID number character 18 must be a digit or X");
  }
  const int year = ParseDigits(std::string_view(id).substr(6, 4));
  const int month = ParseDigits(std::string_view(id).substr(10, 2));
  const int day = ParseDigits(std::string_view(id).substr(12, 2));
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) {
    return Invalid(kIdField, "ID number has an invalid birth date (characters 7 to 14)");
  }
  if (IdNumberCheckChar(std::string_view(id).substr(0, 17)) != id[17]) {
    return Invalid(kIdField, "ID number check digit does not match (mistyped digit?)");
  }
  return id;
}

char IdNumberCheckChar(std::string_view first17) {
  KEFU_DCHECK(first17.size() == 17 && AllDigits(first17)) << "not 17 digits";
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                                   3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr std::string_view kCheckChars = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < kWeights.size() && i < first17.size(); ++i) {
    sum += (first17[i] - '0') * kWeights[i];
  }
  // Non-negative even if the precondition is broken in a release build.
  return kCheckChars[((sum % 11) + 11) % 11];
}

std::string MaskIdNumber(std::string_view id_number) {
  if (id_number.size() != 18 || text::CodePointCount(id_number) != 18) {
    return MaskAll(id_number);
  }
  std::string masked(id_number.substr(0, 3));
  masked.append(11, '*');
  masked.append(id_number.substr(14));
  return masked;
}

// ---- Bank card ----

Result<std::string> NormalizeCardNumber(std::string_view raw) {
  KEFU_ASSIGN_OR_RETURN(std::string half, HalfWidth(raw, kCardField));
  std::string card = StripSeparators(half);
  if (!AllDigits(card)) {
    return Invalid(kCardField, "card number may contain only digits, spaces and dashes");
  }
  if (card.size() < 12 || card.size() > 19) {
    return Invalid(kCardField,
                   "card number must have 12 to 19 digits, got " + std::to_string(card.size()));
  }
  if (!LuhnValid(card)) {
    return Invalid(kCardField, "card number check digit does not match (mistyped digit?)");
  }
  return card;
}

bool LuhnValid(std::string_view digits) {
  if (digits.size() < 2 || !AllDigits(digits)) {
    return false;
  }
  return LuhnCheckDigit(digits.substr(0, digits.size() - 1)) == digits.back();
}

char LuhnCheckDigit(std::string_view digits_without_check) {
  KEFU_DCHECK(AllDigits(digits_without_check)) << "not digits";
  // Counting from the right of the payload, the first digit (next to the check digit) doubles.
  int sum = 0;
  bool doubled = true;
  for (auto it = digits_without_check.rbegin(); it != digits_without_check.rend(); ++it) {
    int d = *it - '0';
    if (doubled) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    doubled = !doubled;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string MaskCardNumber(std::string_view card_number, CardMask mode) {
  const size_t n = card_number.size();
  if (n < 12 || !AllDigits(card_number)) {
    return MaskAll(card_number);
  }
  const size_t shown_head = mode == CardMask::kFirst6Last4 ? 6 : 0;
  std::string masked(card_number.substr(0, shown_head));
  masked.append(n - shown_head - 4, '*');
  masked.append(card_number.substr(n - 4));
  return masked;
}

// ---- Mainland mobile ----

Result<std::string> NormalizeMobile(std::string_view raw) {
  KEFU_ASSIGN_OR_RETURN(std::string half, HalfWidth(raw, kMobileField));
  std::string mobile = StripSeparators(half);
  // The country code is dropped only when 11 digits follow it, so a local number that happens
  // to start with 86 is never cut short.
  for (std::string_view prefix : {"+86", "0086", "86"}) {
    if (mobile.size() == prefix.size() + 11 && mobile.starts_with(prefix)) {
      mobile.erase(0, prefix.size());
      break;
    }
  }
  if (!AllDigits(mobile)) {
    return Invalid(kMobileField,
                   "mobile number may contain only digits, spaces, dashes and a +86 prefix");
  }
  if (mobile.size() != 11) {
    return Invalid(kMobileField,
                   "mobile number must have 11 digits, got " + std::to_string(mobile.size()));
  }
  if (mobile[0] != '1' || mobile[1] < '3') {
    return Invalid(kMobileField, "mobile number must start with 13 to 19");
  }
  return mobile;
}

std::string MaskMobile(std::string_view mobile) {
  if (mobile.size() != 11 || !AllDigits(mobile)) {
    return MaskAll(mobile);
  }
  std::string masked(mobile.substr(0, 3));
  masked.append(4, '*');
  masked.append(mobile.substr(7));
  return masked;
}

// ---- E-mail ----

Result<std::string> NormalizeEmail(std::string_view raw) {
  KEFU_RETURN_IF_ERROR(text::ValidateUtf8(raw, kEmailField));
  std::string email(TrimAscii(raw));
  if (email.empty()) {
    return Invalid(kEmailField, "e-mail address is empty");
  }
  // RFC 5321 limits: 64 bytes of local part, 254 bytes for the whole path.
  if (email.size() > 254) {
    return Invalid(kEmailField, "e-mail address is longer than 254 characters");
  }
  for (char c : email) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) {
      return Invalid(kEmailField, "e-mail address must not contain spaces or control characters");
    }
  }
  const size_t at = email.find('@');
  if (at == std::string::npos || email.find('@', at + 1) != std::string::npos) {
    return Invalid(kEmailField, "e-mail address must contain exactly one @");
  }
  if (at == 0) {
    return Invalid(kEmailField, "e-mail address has nothing before the @");
  }
  if (at > 64) {
    return Invalid(kEmailField, "e-mail address has more than 64 characters before the @");
  }
  const std::string_view domain = std::string_view(email).substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return Invalid(kEmailField, "e-mail domain must look like example.com");
  }
  for (size_t i = at + 1; i < email.size(); ++i) {
    if (email[i] >= 'A' && email[i] <= 'Z') {
      email[i] = static_cast<char>(email[i] - 'A' + 'a');
    }
  }
  return email;
}

std::string MaskEmail(std::string_view email) {
  const size_t at = email.find('@');
  if (at == 0 || at == std::string_view::npos || !text::IsValidUtf8(email)) {
    return MaskAll(email);
  }
  // Keep the whole first character, not its first byte, so a non-ASCII local part stays valid.
  size_t first = 1;
  while (first < at && (static_cast<unsigned char>(email[first]) & 0xC0) == 0x80) {
    ++first;
  }
  std::string masked(email.substr(0, first));
  masked.append("***");
  masked.append(email.substr(at));
  return masked;
}

// ---- Keyed hashing ----

std::string KeyedHash(std::string_view key, std::string_view value) {
  // An empty key would make the hash a plain SHA-256 anyone can recompute from a guessed ID.
  KEFU_CHECK(!key.empty()) << "KeyedHash needs a key";
  // The key's inner and outer pads are hashed once per thread (libsodium's HMAC state is a
  // plain struct, copied per call): a bulk import hashes millions of values under one key,
  // and OpenSSL 3's one-shot HMAC looks the algorithm up on every call.
  thread_local std::string cached_key;
  thread_local crypto_auth_hmacsha256_state keyed;
  if (cached_key != key) {
    crypto_auth_hmacsha256_init(&keyed, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    cached_key.assign(key);
  }
  crypto_auth_hmacsha256_state state = keyed;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(value.data()),
                                value.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * mac.size());
  for (unsigned char b : mac) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0x0F]);
  }
  return hex;
}

}  // namespace kefu::pii
