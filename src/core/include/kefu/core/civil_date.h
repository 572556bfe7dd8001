#pragma once

#include <cstdint>

// Calendar arithmetic on the proleptic Gregorian calendar (H. Hinnant's days_from_civil
// algorithms): one copy for the demo seed, the import's dates and the knowledge base.
namespace kefu {

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1–12
  int day = 1;    // 1–31
};

// Days since 1970-01-01 of y-m-d (m 1–12, d 1–31; no validation).
int64_t DaysFromCivil(int y, int m, int d);
CivilDate CivilFromDays(int64_t days);

}  // namespace kefu
