#pragma once

#include <sstream>
#include <string_view>

// Bugs, not errors (STYLE.md): KEFU_CHECK aborts in every build, KEFU_DCHECK in debug builds
// only. Never check user input with these. Both accept a streamed message:
//   KEFU_CHECK(n > 0) << "n=" << n;

namespace kefu::internal {

// Collects the streamed message and aborts in its destructor.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  std::ostringstream stream_;
};

// Swallows the stream when the check passes, so the message is not evaluated.
struct Voidify {
  void operator&(const CheckFailure&) {}
};

}  // namespace kefu::internal

#define KEFU_CHECK(cond) \
  (cond) ? (void)0       \
         : ::kefu::internal::Voidify() & ::kefu::internal::CheckFailure(__FILE__, __LINE__, #cond)

#ifdef NDEBUG
#define KEFU_DCHECK(cond) \
  true ? (void)0 : ::kefu::internal::Voidify() & ::kefu::internal::CheckFailure(__FILE__, __LINE__, #cond)
#else
#define KEFU_DCHECK(cond) KEFU_CHECK(cond)
#endif
