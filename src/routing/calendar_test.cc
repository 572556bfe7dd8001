#include "kefu/routing/calendar.h"

#include <gtest/gtest.h>

#include "kefu/core/check.h"

namespace kefu::routing {
namespace {

constexpr int kShanghai = 480;

TEST(CalendarTest, LocalDatesAtAFixedOffset) {
  // 2025-12-31T16:00Z is midnight of 2026-01-01 in Shanghai.
  const int64_t t = LocalToUtcMs(20260101, 0, 0, kShanghai);
  EXPECT_EQ(t, 1'767'225'600'000 - 8 * 3'600'000);
  EXPECT_EQ(LocalDate(t, kShanghai), 20260101);
  EXPECT_EQ(LocalDate(t - 1, kShanghai), 20251231);
  EXPECT_EQ(LocalDate(t, 0), 20251231);
  EXPECT_EQ(LocalWeekday(t, kShanghai), 3);  // Thursday
  EXPECT_EQ(LocalDate(LocalToUtcMs(20240229, 12, 0, kShanghai), kShanghai), 20240229);
  EXPECT_EQ(LocalDate(LocalToUtcMs(19700101, 0, 0, kShanghai), kShanghai), 19700101);
}

TEST(CalendarTest, WeeklyHours) {
  BusinessCalendar cal = BusinessCalendar::Weekdays({9 * 60, 18 * 60});
  cal.weekly[5] = {{9 * 60, 12 * 60}};  // Saturday morning
  KEFU_CHECK(cal.Validate().ok());
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20260105, 8, 59, kShanghai)));  // Monday
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20260105, 9, 0, kShanghai)));
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20260105, 17, 59, kShanghai)));
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20260105, 18, 0, kShanghai)));
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20260110, 11, 0, kShanghai)));  // Saturday
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20260110, 13, 0, kShanghai)));
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20260111, 11, 0, kShanghai)));  // Sunday
}

TEST(CalendarTest, HolidaysAndMakeUpWorkingDays) {
  // 2025 National Day: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
  BusinessCalendar cal = BusinessCalendar::Weekdays({9 * 60, 18 * 60});
  for (int d = 1; d <= 8; ++d) {
    cal.exceptions.push_back({20251000 + d, {}});
  }
  cal.exceptions.push_back({20250928, {{9 * 60, 18 * 60}}});
  cal.exceptions.push_back({20251011, {{9 * 60, 18 * 60}}});
  ASSERT_TRUE(cal.Validate().ok());
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20251001, 10, 0, kShanghai)));  // Wednesday holiday
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20251008, 10, 0, kShanghai)));
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20251009, 10, 0, kShanghai)));   // back to work
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20250928, 10, 0, kShanghai)));   // Sunday, 调休
  EXPECT_TRUE(cal.IsOpen(LocalToUtcMs(20251011, 10, 0, kShanghai)));   // Saturday, 调休
  EXPECT_FALSE(cal.IsOpen(LocalToUtcMs(20251012, 10, 0, kShanghai)));  // plain Sunday
}

TEST(CalendarTest, ValidationRejectsBadInput) {
  BusinessCalendar cal;
  cal.weekly[0] = {{600, 500}};
  EXPECT_EQ(cal.Validate().code(), StatusCode::kInvalidArgument);
  cal = {};
  cal.exceptions = {{20250230, {}}};
  EXPECT_EQ(cal.Validate().code(), StatusCode::kInvalidArgument);
  cal = {};
  cal.exceptions = {{20250101, {}}, {20250101, {}}};
  EXPECT_EQ(cal.Validate().code(), StatusCode::kInvalidArgument);
  cal = {};
  cal.utc_offset_minutes = 15 * 60;
  EXPECT_EQ(cal.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(BusinessCalendar{}.Validate().ok());
  EXPECT_FALSE(BusinessCalendar{}.IsOpen(0));  // no hours: always closed
}

}  // namespace
}  // namespace kefu::routing
