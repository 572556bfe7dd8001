#include "kefu/core/clock.h"

#include <chrono>

namespace kefu {

int64_t SystemClock::NowMs() const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

SystemClock* SystemClock::Get() {
  static SystemClock clock;  // trivially destructible state; safe as a function-local static
  return &clock;
}

}  // namespace kefu
