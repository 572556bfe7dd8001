#pragma once

#include <string>
#include <string_view>

#include "kefu/core/result.h"

namespace kefu::crm {

// A mobile number as customer_keys stores it: mainland numbers normalised by pii
// ("13812345678"), Hong Kong and Macau ("+85291234567", 8 digits) and Taiwan ("+886912345678")
// with their country code. kInvalidArgument (field "mobile") otherwise.
Result<std::string> NormalizeAnyMobile(std::string_view raw);

}  // namespace kefu::crm
