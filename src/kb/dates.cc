// Calendar arithmetic (internal/dates.h) and the relative periods of a query (FindDateWindow).

#include <array>
#include <charconv>
#include <cstdio>

#include "internal/dates.h"
#include "kefu/kb/knowledge_base.h"

namespace kefu::kb {
namespace internal {

int64_t LocalMidnightMs(int year, int month, int day) {
  // Normalise the month so callers can say "month + 1" or "month - 1".
  int m0 = month - 1;
  year += m0 >= 0 ? m0 / 12 : (m0 - 11) / 12;
  m0 = ((m0 % 12) + 12) % 12;
  return (DaysFromCivil(year, m0 + 1, 1) + day - 1) * kDayMs - kShanghaiOffsetMs;
}

CivilDate LocalDate(int64_t utc_ms) {
  int64_t local = utc_ms + kShanghaiOffsetMs;
  int64_t days = local >= 0 ? local / kDayMs : (local - kDayMs + 1) / kDayMs;
  return CivilFromDays(days);
}

std::string FormatLocalDate(int64_t utc_ms) {
  CivilDate d = LocalDate(utc_ms);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

std::optional<int64_t> ParseLocalDate(std::string_view text) {
  int parts[3] = {0, 0, 0};
  int n = 0;
  size_t i = 0;
  while (i < text.size() && n < 3) {
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
    }
    if (i == start) {
      return std::nullopt;
    }
    std::from_chars(text.data() + start, text.data() + i, parts[n++]);
    // Separators: - / . or the UTF-8 of 年 月 日 (3 bytes each).
    if (i < text.size() && (text[i] == '-' || text[i] == '/' || text[i] == '.')) {
      ++i;
    } else if (text.substr(i, 3) == "年" || text.substr(i, 3) == "月" ||
               text.substr(i, 3) == "日") {
      i += 3;
    } else if (i < text.size()) {
      return std::nullopt;
    }
  }
  if (n != 3 || i != text.size() || parts[0] < 1970 || parts[0] > 9999 || parts[1] < 1 ||
      parts[1] > 12 || parts[2] < 1 || parts[2] > 31) {
    return std::nullopt;
  }
  CivilDate back = CivilFromDays(DaysFromCivil(parts[0], parts[1], parts[2]));
  if (back.day != parts[2]) {
    return std::nullopt;  // 2026-02-30
  }
  return LocalMidnightMs(parts[0], parts[1], parts[2]);
}

}  // namespace internal

namespace {

using internal::CivilDate;
using internal::kDayMs;
using internal::LocalMidnightMs;

// Chinese month names, longest first so that 十一月 wins over 一月.
constexpr std::array<std::pair<std::string_view, int>, 12> kChineseMonths = {{
    {"十一月", 11}, {"十二月", 12}, {"一月", 1}, {"二月", 2}, {"三月", 3}, {"四月", 4},
    {"五月", 5},    {"六月", 6},    {"七月", 7}, {"八月", 8}, {"九月", 9}, {"十月", 10},
}};

}  // namespace

std::optional<DateWindow> FindDateWindow(std::string_view text, int64_t now_ms) {
  const CivilDate today = internal::LocalDate(now_ms);
  const int64_t today_ms = LocalMidnightMs(today.year, today.month, today.day);
  // Monday = 0: 1970-01-01 was a Thursday.
  const int64_t days = (today_ms + internal::kShanghaiOffsetMs) / kDayMs;
  const int weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);
  const int64_t monday_ms = today_ms - weekday * kDayMs;
  const int64_t month_ms = LocalMidnightMs(today.year, today.month, 1);

  struct Rule {
    std::string_view phrase;
    int64_t from_ms;
    int64_t to_ms;
  };
  const Rule rules[] = {
      {"上上个月", LocalMidnightMs(today.year, today.month - 2, 1),
       LocalMidnightMs(today.year, today.month - 1, 1)},
      {"上个月", LocalMidnightMs(today.year, today.month - 1, 1), month_ms},
      {"上月", LocalMidnightMs(today.year, today.month - 1, 1), month_ms},
      {"这个月", month_ms, LocalMidnightMs(today.year, today.month + 1, 1)},
      {"本月", month_ms, LocalMidnightMs(today.year, today.month + 1, 1)},
      {"这月", month_ms, LocalMidnightMs(today.year, today.month + 1, 1)},
      {"上个星期", monday_ms - 7 * kDayMs, monday_ms},
      {"上星期", monday_ms - 7 * kDayMs, monday_ms},
      {"上周", monday_ms - 7 * kDayMs, monday_ms},
      {"这个星期", monday_ms, monday_ms + 7 * kDayMs},
      {"这周", monday_ms, monday_ms + 7 * kDayMs},
      {"本周", monday_ms, monday_ms + 7 * kDayMs},
      {"去年", LocalMidnightMs(today.year - 1, 1, 1), LocalMidnightMs(today.year, 1, 1)},
      {"今年", LocalMidnightMs(today.year, 1, 1), LocalMidnightMs(today.year + 1, 1, 1)},
      {"前天", today_ms - 2 * kDayMs, today_ms - kDayMs},
      {"昨天", today_ms - kDayMs, today_ms},
      {"今天", today_ms, today_ms + kDayMs},
      {"前几天", today_ms - 7 * kDayMs, today_ms + kDayMs},
      {"这几天", today_ms - 7 * kDayMs, today_ms + kDayMs},
      {"最近", today_ms - 30 * kDayMs, today_ms + kDayMs},
      {"近期", today_ms - 30 * kDayMs, today_ms + kDayMs},
  };
  for (const Rule& r : rules) {
    if (text.find(r.phrase) != std::string_view::npos) {
      return DateWindow{std::string(r.phrase), r.from_ms, r.to_ms};
    }
  }
  // "10月", "10月份", "十月": that month of this year, or of last year when it is still ahead.
  auto month_window = [&](int month, std::string phrase) {
    int year = month > today.month ? today.year - 1 : today.year;
    return DateWindow{std::move(phrase), LocalMidnightMs(year, month, 1),
                      LocalMidnightMs(year, month + 1, 1)};
  };
  for (size_t pos = text.find("月"); pos != std::string_view::npos;
       pos = text.find("月", pos + 1)) {
    size_t start = pos;
    while (start > 0 && text[start - 1] >= '0' && text[start - 1] <= '9' && pos - start < 2) {
      --start;
    }
    if (start < pos) {
      int month = 0;
      std::from_chars(text.data() + start, text.data() + pos, month);
      // "3个月" is a length, "12月31日" a day: only a bare month counts.
      bool day_follows = pos + 3 < text.size() && text[pos + 3] >= '0' && text[pos + 3] <= '9';
      if (month >= 1 && month <= 12 && !day_follows) {
        return month_window(month, std::string(text.substr(start, pos + 3 - start)));
      }
    }
  }
  for (const auto& [name, month] : kChineseMonths) {
    size_t pos = text.find(name);
    if (pos != std::string_view::npos) {
      // 十一月 must not be read inside 二十一月 (not a month); good enough for queries.
      return month_window(month, std::string(name));
    }
  }
  return std::nullopt;
}

}  // namespace kefu::kb
