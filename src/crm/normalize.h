#pragma once

#include <string>
#include <string_view>

#include "kefu/core/result.h"

namespace kefu::crm {

// A mobile number as customer_keys stores it: mainland numbers normalised by pii
// ("13812345678"), Hong Kong and Macau ("+85291234567", 8 digits) and Taiwan ("+886912345678")
// with their country code. kInvalidArgument (field "mobile") otherwise.
Result<std::string> NormalizeAnyMobile(std::string_view raw);

// Stars all but the last four characters: for stored values the pii masks cannot take (a
// passport number, a legacy landline, an account number).
std::string MaskTail(std::string_view value);

// A stored mobile as agents see it: 138****5678, or MaskTail for other forms.
std::string MaskStoredMobile(std::string_view mobile);

// SHA-256 as 64 lowercase hex characters (file fingerprints, idempotency request hashes).
std::string Sha256Hex(std::string_view bytes);

}  // namespace kefu::crm
