#pragma once

// Private to the kb module: small text helpers.

#include <string>
#include <string_view>

namespace kefu::kb::internal {

// The first `max_code_points` code points of UTF-8 `s`, with "…" when it was cut.
std::string Utf8Prefix(std::string_view s, size_t max_code_points);

}  // namespace kefu::kb::internal
