#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace kefu::cli {

// Draws "\r客户 [#####     ] 1200/2000" on a terminal; on a pipe or file, one line per quarter.
class ProgressBar {
 public:
  void Update(std::string_view stage, int64_t done, int64_t total) {
    if (total <= 0) {
      return;
    }
    int width = 30;
    int filled = static_cast<int>(width * done / total);
    if (isatty(fileno(stderr))) {
      std::fprintf(stderr, "\r%-10.*s [%s%s] %lld/%lld", static_cast<int>(stage.size()),
                   stage.data(), std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<long long>(done),
                   static_cast<long long>(total));
      if (done >= total) {
        std::fprintf(stderr, "\n");
      }
    } else if (done >= total || done * 4 / total != last_quarter_) {
      std::fprintf(stderr, "%.*s: %lld/%lld\n", static_cast<int>(stage.size()), stage.data(),
                   static_cast<long long>(done), static_cast<long long>(total));
    }
    last_quarter_ = done * 4 / total;
  }

 private:
  int64_t last_quarter_ = -1;
};

}  // namespace kefu::cli
