#pragma once

// Private to the kb module: calendar arithmetic in Asia/Shanghai (UTC+8 all year: China has
// had no daylight saving time since 1991).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kefu/core/civil_date.h"

namespace kefu::kb::internal {

inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr int64_t kShanghaiOffsetMs = 8 * 3'600'000;

using kefu::CivilDate;
using kefu::CivilFromDays;
using kefu::DaysFromCivil;

// Midnight Asia/Shanghai of that date, as UTC ms. Month and day may overflow (month 13 is
// January of the next year).
int64_t LocalMidnightMs(int year, int month, int day);
// The Asia/Shanghai date of a UTC instant.
CivilDate LocalDate(int64_t utc_ms);
// "2026-11-01" (Asia/Shanghai) of a UTC instant.
std::string FormatLocalDate(int64_t utc_ms);
// Parses "YYYY-MM-DD" (also YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日) to that date's midnight in
// Asia/Shanghai, UTC ms. std::nullopt when it is not such a date.
std::optional<int64_t> ParseLocalDate(std::string_view text);

}  // namespace kefu::kb::internal
