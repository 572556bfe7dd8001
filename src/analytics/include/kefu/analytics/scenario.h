#pragma once

#include <string>
#include <string_view>

#include "kefu/analytics/sim.h"
#include "kefu/core/result.h"

// Scenario files for `kefu simulate` (issue #5), in JSON or TOML with the same keys; the
// documented example is examples/scenarios/retail_bank.toml (and .json). Clock times in a
// scenario ("2026-01-05T08:00", "12:30") are local times in UTC+8 (Asia/Shanghai).

namespace kefu::analytics {

enum class ScenarioFormat { kJson, kToml };

// The UTC offset of clock times in scenarios and reports: UTC+8.
inline constexpr int64_t kLocalOffsetMs = 8LL * 3'600'000;

// Parses scenario text. `source` names the file in error messages. Errors are
// InvalidArgument: "<source>: <key path>: <what is wrong>", e.g.
// "day.toml: queues[0].handle.mean_s: expected a number > 0", or the parser's message with
// line and column for a syntax error.
Result<Scenario> ParseScenario(std::string_view text, ScenarioFormat format,
                               std::string_view source);

// Reads a file; the format follows the extension (.toml, otherwise JSON). NotFound when the
// file cannot be read.
Result<Scenario> LoadScenario(const std::string& path);

// "2026-01-05T08:00" / "2026-01-05 08:00:00" / "2026-01-05" in UTC+8 → UTC ms.
Result<int64_t> ParseLocalDateTime(std::string_view text);
// "08:30" → ms since midnight (hours up to 48 for overnight ends).
Result<int64_t> ParseClockTime(std::string_view text);
// UTC ms → "2026-01-05 08:30" in UTC+8.
std::string FormatLocalTime(int64_t utc_ms);

}  // namespace kefu::analytics
