#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kefu/core/status.h"

namespace kefu::routing {

using CalendarId = int32_t;

// Local minutes since midnight, [start_minute, end_minute); 0 <= start < end <= 1440.
struct TimeRange {
  int start_minute = 0;
  int end_minute = 0;
};

// An exception for one local date (yyyymmdd, e.g. 20251001): closed when `open` is empty
// (a public holiday), otherwise open during `open` whatever the weekday (a make-up working
// day, 调休, on a weekend).
struct DateException {
  int date = 0;
  std::vector<TimeRange> open;
};

// Business hours of a queue: a weekly schedule plus exceptions by date, evaluated at a fixed
// UTC offset (Asia/Shanghai = +480 minutes; no DST), so the engine stays pure. Value type;
// not thread-safe to mutate.
struct BusinessCalendar {
  int utc_offset_minutes = 480;
  // [0] = Monday … [6] = Sunday. An empty day is closed.
  std::array<std::vector<TimeRange>, 7> weekly;
  std::vector<DateException> exceptions;  // at most one per date

  // InvalidArgument for bad ranges, dates, offsets or duplicate dates.
  Status Validate() const;

  // REQUIRES: Validate() is OK.
  bool IsOpen(int64_t utc_ms) const;

  // A calendar open Monday to Friday during `open`, closed on weekends.
  static BusinessCalendar Weekdays(TimeRange open, int utc_offset_minutes = 480);
};

// Civil-date helpers on a proleptic Gregorian calendar.
// Local date (yyyymmdd) and weekday (0 = Monday) of a UTC time at a fixed offset.
int LocalDate(int64_t utc_ms, int utc_offset_minutes);
int LocalWeekday(int64_t utc_ms, int utc_offset_minutes);
// UTC milliseconds of local `yyyymmdd` `hh:mm` at the offset.
int64_t LocalToUtcMs(int yyyymmdd, int hour, int minute, int utc_offset_minutes);

}  // namespace kefu::routing
