#include "kefu/routing/calendar.h"

#include <algorithm>
#include <string>

#include "kefu/core/civil_date.h"
#include "kefu/core/result.h"

namespace kefu::routing {
namespace {

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMsPerDay = 86'400'000;

// A date as the yyyymmdd number the calendars use (core's civil-date arithmetic).
int YyyymmddFromDays(int64_t days) {
  const CivilDate c = kefu::CivilFromDays(days);
  return c.year * 10000 + c.month * 100 + c.day;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool ValidDate(int yyyymmdd) {
  int y = yyyymmdd / 10000;
  int m = (yyyymmdd / 100) % 100;
  int d = yyyymmdd % 100;
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1) {
    return false;
  }
  int64_t days = DaysFromCivil(y, m, d);
  return YyyymmddFromDays(days) == yyyymmdd;
}

Status ValidateRanges(const std::vector<TimeRange>& ranges, const std::string& where) {
  for (const TimeRange& r : ranges) {
    if (r.start_minute < 0 || r.end_minute > 1440 || r.start_minute >= r.end_minute) {
      return InvalidArgumentError(
          "bad time range " + std::to_string(r.start_minute) + "-" + std::to_string(r.end_minute),
          where);
    }
  }
  return OkStatus();
}

bool InRanges(const std::vector<TimeRange>& ranges, int minute) {
  for (const TimeRange& r : ranges) {
    if (minute >= r.start_minute && minute < r.end_minute) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status BusinessCalendar::Validate() const {
  if (utc_offset_minutes < -14 * 60 || utc_offset_minutes > 14 * 60) {
    return InvalidArgumentError("UTC offset out of range", "utc_offset_minutes");
  }
  for (int d = 0; d < 7; ++d) {
    KEFU_RETURN_IF_ERROR(ValidateRanges(weekly[d], "weekly[" + std::to_string(d) + "]"));
  }
  std::vector<int> dates;
  for (const DateException& e : exceptions) {
    if (!ValidDate(e.date)) {
      return InvalidArgumentError("bad date " + std::to_string(e.date), "exceptions");
    }
    KEFU_RETURN_IF_ERROR(ValidateRanges(e.open, "exceptions[" + std::to_string(e.date) + "]"));
    dates.push_back(e.date);
  }
  std::sort(dates.begin(), dates.end());
  if (std::adjacent_find(dates.begin(), dates.end()) != dates.end()) {
    return InvalidArgumentError("a date appears twice", "exceptions");
  }
  return OkStatus();
}

bool BusinessCalendar::IsOpen(int64_t utc_ms) const {
  const int64_t local_ms = utc_ms + utc_offset_minutes * kMsPerMinute;
  const int64_t days = FloorDiv(local_ms, kMsPerDay);
  const int minute = static_cast<int>((local_ms - days * kMsPerDay) / kMsPerMinute);
  if (!exceptions.empty()) {
    const int date = YyyymmddFromDays(days);
    for (const DateException& e : exceptions) {
      if (e.date == date) {
        return InRanges(e.open, minute);
      }
    }
  }
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  const int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);
  return InRanges(weekly[weekday], minute);
}

BusinessCalendar BusinessCalendar::Weekdays(TimeRange open, int utc_offset_minutes) {
  BusinessCalendar c;
  c.utc_offset_minutes = utc_offset_minutes;
  for (int d = 0; d < 5; ++d) {
    c.weekly[d] = {open};
  }
  return c;
}

int LocalDate(int64_t utc_ms, int utc_offset_minutes) {
  return YyyymmddFromDays(FloorDiv(utc_ms + utc_offset_minutes * kMsPerMinute, kMsPerDay));
}

int LocalWeekday(int64_t utc_ms, int utc_offset_minutes) {
  const int64_t days = FloorDiv(utc_ms + utc_offset_minutes * kMsPerMinute, kMsPerDay);
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

int64_t LocalToUtcMs(int yyyymmdd, int hour, int minute, int utc_offset_minutes) {
  const int64_t days = DaysFromCivil(yyyymmdd / 10000, (yyyymmdd / 100) % 100, yyyymmdd % 100);
  return days * kMsPerDay + (hour * 60 + minute - utc_offset_minutes) * kMsPerMinute;
}

}  // namespace kefu::routing
