#include "kefu/analytics/scenario.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "kefu/core/civil_date.h"

namespace kefu::analytics {
namespace {

namespace json = boost::json;

bool ParseInt(std::string_view s, int& out) {
  if (s.empty() || s.size() > 9) {
    return false;
  }
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Walks a JSON document keeping the key path for error messages.
class Decoder {
 public:
  explicit Decoder(std::string source) : source_(std::move(source)) {}

  Status Error(const std::string& path, const std::string& what) const {
    return InvalidArgumentError(fmt::format("{}: {}: {}", source_, path, what), path);
  }

  Result<const json::object*> Object(const json::value& v, const std::string& path) const {
    if (!v.is_object()) {
      return Error(path, "expected a table/object");
    }
    return &v.get_object();
  }

  Result<const json::array*> Array(const json::value& v, const std::string& path) const {
    if (!v.is_array()) {
      return Error(path, "expected an array");
    }
    return &v.get_array();
  }

  Result<double> Number(const json::value& v, const std::string& path) const {
    if (v.is_double()) {
      return v.get_double();
    }
    if (v.is_int64()) {
      return static_cast<double>(v.get_int64());
    }
    if (v.is_uint64()) {
      return static_cast<double>(v.get_uint64());
    }
    return Error(path, "expected a number");
  }

  Result<int64_t> Int(const json::value& v, const std::string& path) const {
    if (v.is_int64()) {
      return v.get_int64();
    }
    if (v.is_uint64() && v.get_uint64() < (1ULL << 62)) {
      return static_cast<int64_t>(v.get_uint64());
    }
    if (v.is_double() && std::floor(v.get_double()) == v.get_double() &&
        std::abs(v.get_double()) < 1e15) {
      return static_cast<int64_t>(v.get_double());
    }
    return Error(path, "expected an integer");
  }

  Result<std::string> String(const json::value& v, const std::string& path) const {
    if (!v.is_string()) {
      return Error(path, "expected a string");
    }
    return std::string(v.get_string());
  }

  Result<bool> Bool(const json::value& v, const std::string& path) const {
    if (!v.is_bool()) {
      return Error(path, "expected true or false");
    }
    return v.get_bool();
  }

  // Rejects keys the format does not know, so a typo is not silently ignored.
  Status Keys(const json::object& o, const std::string& path,
              std::initializer_list<std::string_view> known) const {
    for (const auto& kv : o) {
      bool ok = false;
      for (std::string_view k : known) {
        ok = ok || kv.key() == k;
      }
      if (!ok) {
        std::string list;
        for (std::string_view k : known) {
          list += list.empty() ? "" : ", ";
          list += k;
        }
        return Error(Join(path, kv.key()), "unknown key (known here: " + list + ")");
      }
    }
    return OkStatus();
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

class ScenarioDecoder {
 public:
  explicit ScenarioDecoder(std::string source) : d_(std::move(source)) {}

  Result<Scenario> Decode(const json::value& root) {
    Scenario s;
    KEFU_ASSIGN_OR_RETURN(const json::object* o, d_.Object(root, "(top level)"));
    KEFU_RETURN_IF_ERROR(d_.Keys(*o, "",
                                 {"name", "start", "hours", "interval_minutes", "warmup_minutes",
                                  "replications", "seed", "kpi", "queues", "agent_groups"}));
    if (const json::value* v = o->if_contains("name")) {
      KEFU_ASSIGN_OR_RETURN(s.name, d_.String(*v, "name"));
    }
    const json::value* start = o->if_contains("start");
    if (start == nullptr) {
      return d_.Error("start", "missing (e.g. \"2026-01-05T08:00\", UTC+8)");
    }
    KEFU_ASSIGN_OR_RETURN(std::string start_text, d_.String(*start, "start"));
    Result<int64_t> start_ms = ParseLocalDateTime(start_text);
    if (!start_ms.ok()) {
      return d_.Error("start", "expected \"YYYY-MM-DDTHH:MM\", got \"" + start_text + "\"");
    }
    s.start_ms = *start_ms;
    day_start_ms_ = s.start_ms - (s.start_ms + kLocalOffsetMs) % 86'400'000;
    if (const json::value* v = o->if_contains("interval_minutes")) {
      KEFU_ASSIGN_OR_RETURN(int64_t m, d_.Int(*v, "interval_minutes"));
      if (m != 15 && m != 30 && m != 60) {
        return d_.Error("interval_minutes", "must be 15, 30 or 60");
      }
      s.interval_minutes = static_cast<int>(m);
    }
    if ((s.start_ms % (int64_t{s.interval_minutes} * 60'000)) != 0) {
      return d_.Error("start", "must be aligned to interval_minutes (e.g. 08:00 or 08:30)");
    }
    const json::value* hours = o->if_contains("hours");
    if (hours == nullptr) {
      return d_.Error("hours", "missing (how long arrivals come, e.g. 12)");
    }
    KEFU_ASSIGN_OR_RETURN(double h, d_.Number(*hours, "hours"));
    if (!(h > 0 && h <= 24 * 31)) {
      return d_.Error("hours", "must be in (0, 744]");
    }
    s.duration_ms = std::llround(h * 3'600'000);
    intervals_ = static_cast<size_t>((s.duration_ms + s.interval_minutes * 60'000LL - 1) /
                                     (s.interval_minutes * 60'000LL));
    if (const json::value* v = o->if_contains("warmup_minutes")) {
      KEFU_ASSIGN_OR_RETURN(double m, d_.Number(*v, "warmup_minutes"));
      if (!(m >= 0 && m * 60'000 < static_cast<double>(s.duration_ms))) {
        return d_.Error("warmup_minutes", "must be >= 0 and shorter than hours");
      }
      s.warmup_ms = std::llround(m * 60'000);
    }
    if (const json::value* v = o->if_contains("replications")) {
      KEFU_ASSIGN_OR_RETURN(int64_t r, d_.Int(*v, "replications"));
      if (r < 1 || r > 10'000) {
        return d_.Error("replications", "must be in [1, 10000]");
      }
      s.replications = static_cast<int>(r);
    }
    if (const json::value* v = o->if_contains("seed")) {
      KEFU_ASSIGN_OR_RETURN(int64_t seed, d_.Int(*v, "seed"));
      s.seed = static_cast<uint64_t>(seed);
    }
    if (const json::value* v = o->if_contains("kpi")) {
      KEFU_RETURN_IF_ERROR(DecodeKpi(*v, s.kpi));
    }
    const json::value* queues = o->if_contains("queues");
    if (queues == nullptr) {
      return d_.Error("queues", "missing: at least one queue");
    }
    KEFU_ASSIGN_OR_RETURN(const json::array* qa, d_.Array(*queues, "queues"));
    if (qa->empty()) {
      return d_.Error("queues", "at least one queue is needed");
    }
    for (size_t i = 0; i < qa->size(); ++i) {
      KEFU_ASSIGN_OR_RETURN(SimQueue q, DecodeQueue((*qa)[i], fmt::format("queues[{}]", i), s));
      for (const SimQueue& other : s.queues) {
        if (other.name == q.name) {
          return d_.Error(fmt::format("queues[{}].name", i), "duplicate queue '" + q.name + "'");
        }
      }
      s.queues.push_back(std::move(q));
    }
    const json::value* groups = o->if_contains("agent_groups");
    if (groups == nullptr) {
      return d_.Error("agent_groups", "missing: at least one agent group");
    }
    KEFU_ASSIGN_OR_RETURN(const json::array* ga, d_.Array(*groups, "agent_groups"));
    for (size_t i = 0; i < ga->size(); ++i) {
      KEFU_ASSIGN_OR_RETURN(SimAgentGroup g,
                            DecodeGroup((*ga)[i], fmt::format("agent_groups[{}]", i), s));
      s.groups.push_back(std::move(g));
    }
    Status valid = ValidateScenario(s);
    if (!valid.ok()) {
      return InvalidArgumentError(fmt::format("{}: {}", d_.source(), valid.message()));
    }
    return s;
  }

 private:
  Status DecodeKpi(const json::value& v, KpiConfig& kpi) {
    KEFU_ASSIGN_OR_RETURN(const json::object* o, d_.Object(v, "kpi"));
    KEFU_RETURN_IF_ERROR(d_.Keys(
        *o, "kpi", {"threshold_s", "short_abandon_s", "exclude_short_abandons", "service_level"}));
    if (const json::value* x = o->if_contains("threshold_s")) {
      KEFU_ASSIGN_OR_RETURN(int64_t t, d_.Int(*x, "kpi.threshold_s"));
      if (t < 0 || t > 3600) {
        return d_.Error("kpi.threshold_s", "must be in [0, 3600]");
      }
      kpi.threshold_s = static_cast<int>(t);
    }
    if (const json::value* x = o->if_contains("short_abandon_s")) {
      KEFU_ASSIGN_OR_RETURN(int64_t t, d_.Int(*x, "kpi.short_abandon_s"));
      if (t < 0 || t > 3600) {
        return d_.Error("kpi.short_abandon_s", "must be in [0, 3600]");
      }
      kpi.short_abandon_s = static_cast<int>(t);
    }
    if (const json::value* x = o->if_contains("exclude_short_abandons")) {
      KEFU_ASSIGN_OR_RETURN(kpi.exclude_short_abandons, d_.Bool(*x, "kpi.exclude_short_abandons"));
    }
    if (const json::value* x = o->if_contains("service_level")) {
      KEFU_ASSIGN_OR_RETURN(std::string name, d_.String(*x, "kpi.service_level"));
      if (name == "answered_within_t_over_offered") {
        kpi.variant = ServiceLevelVariant::kAnsweredWithinTOverOffered;
      } else if (name == "answered_within_t_over_answered") {
        kpi.variant = ServiceLevelVariant::kAnsweredWithinTOverAnswered;
      } else if (name == "within_t_over_answered_and_abandoned") {
        kpi.variant = ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned;
      } else {
        return d_.Error("kpi.service_level",
                        "unknown \"" + name +
                            "\" (answered_within_t_over_offered, answered_within_t_over_answered, "
                            "within_t_over_answered_and_abandoned)");
      }
    }
    return OkStatus();
  }

  Result<Distribution> DecodeDistribution(const json::value& v, const std::string& path) {
    KEFU_ASSIGN_OR_RETURN(const json::object* o, d_.Object(v, path));
    KEFU_RETURN_IF_ERROR(d_.Keys(*o, path, {"type", "mean_s", "sd_s", "value_s", "samples_s"}));
    const json::value* type = o->if_contains("type");
    if (type == nullptr) {
      return d_.Error(path + ".type",
                      "missing (exponential, lognormal, constant, empirical or never)");
    }
    KEFU_ASSIGN_OR_RETURN(std::string t, d_.String(*type, path + ".type"));
    auto number = [&](const char* key) -> Result<double> {
      const json::value* x = o->if_contains(key);
      if (x == nullptr) {
        return d_.Error(path + "." + key, "missing for type " + t);
      }
      return d_.Number(*x, path + "." + key);
    };
    Result<Distribution> made = Distribution::Never();
    std::string key;
    if (t == "exponential") {
      KEFU_ASSIGN_OR_RETURN(double mean, number("mean_s"));
      key = "mean_s";
      made = Distribution::Exponential(mean);
    } else if (t == "lognormal") {
      KEFU_ASSIGN_OR_RETURN(double mean, number("mean_s"));
      KEFU_ASSIGN_OR_RETURN(double sd, number("sd_s"));
      key = "mean_s/sd_s";
      made = Distribution::Lognormal(mean, sd);
    } else if (t == "constant") {
      KEFU_ASSIGN_OR_RETURN(double value, number("value_s"));
      key = "value_s";
      made = Distribution::Constant(value);
    } else if (t == "empirical") {
      const json::value* x = o->if_contains("samples_s");
      if (x == nullptr) {
        return d_.Error(path + ".samples_s", "missing for type empirical");
      }
      KEFU_ASSIGN_OR_RETURN(const json::array* a, d_.Array(*x, path + ".samples_s"));
      std::vector<double> samples;
      for (size_t i = 0; i < a->size(); ++i) {
        KEFU_ASSIGN_OR_RETURN(double s,
                              d_.Number((*a)[i], fmt::format("{}.samples_s[{}]", path, i)));
        samples.push_back(s);
      }
      key = "samples_s";
      made = Distribution::FromSamples(samples);
    } else if (t != "never") {
      return d_.Error(path + ".type",
                      "unknown \"" + t + "\" (exponential, lognormal, constant, empirical, never)");
    }
    if (!made.ok()) {
      return d_.Error(path + "." + key, made.status().message());
    }
    return std::move(made).value();
  }

  Result<std::vector<double>> Numbers(const json::value& v, const std::string& path) {
    KEFU_ASSIGN_OR_RETURN(const json::array* a, d_.Array(v, path));
    std::vector<double> out;
    for (size_t i = 0; i < a->size(); ++i) {
      const std::string p = fmt::format("{}[{}]", path, i);
      KEFU_ASSIGN_OR_RETURN(double x, d_.Number((*a)[i], p));
      if (!(x >= 0) || !std::isfinite(x)) {
        return d_.Error(p, "must be >= 0");
      }
      out.push_back(x);
    }
    return out;
  }

  Result<SimQueue> DecodeQueue(const json::value& v, const std::string& path, const Scenario& s) {
    SimQueue q;
    KEFU_ASSIGN_OR_RETURN(const json::object* o, d_.Object(v, path));
    KEFU_RETURN_IF_ERROR(
        d_.Keys(*o, path,
                {"name", "channel", "strategy", "skills", "wrap_up_s", "handle", "patience",
                 "volume", "calls_per_hour", "priority_share", "priority_strict", "priority_points",
                 "aging_per_minute", "priority_handle", "priority_patience", "max_wait_s"}));
    const json::value* name = o->if_contains("name");
    if (name == nullptr) {
      return d_.Error(path + ".name", "missing");
    }
    KEFU_ASSIGN_OR_RETURN(q.name, d_.String(*name, path + ".name"));
    if (q.name.empty()) {
      return d_.Error(path + ".name", "must not be empty");
    }
    if (const json::value* x = o->if_contains("channel")) {
      KEFU_ASSIGN_OR_RETURN(std::string c, d_.String(*x, path + ".channel"));
      if (c == "voice") {
        q.config.channel = routing::Channel::kVoice;
      } else if (c == "chat") {
        q.config.channel = routing::Channel::kChat;
      } else if (c == "email") {
        q.config.channel = routing::Channel::kEmail;
      } else {
        return d_.Error(path + ".channel", "unknown \"" + c + "\" (voice, chat, email)");
      }
    }
    if (const json::value* x = o->if_contains("strategy")) {
      KEFU_ASSIGN_OR_RETURN(std::string c, d_.String(*x, path + ".strategy"));
      if (c == "longest_idle") {
        q.config.strategy = routing::Strategy::kLongestIdle;
      } else if (c == "most_skilled") {
        q.config.strategy = routing::Strategy::kMostSkilled;
      } else if (c == "least_occupied") {
        q.config.strategy = routing::Strategy::kLeastOccupied;
      } else if (c == "round_robin") {
        q.config.strategy = routing::Strategy::kRoundRobin;
      } else {
        return d_.Error(
            path + ".strategy",
            "unknown \"" + c + "\" (longest_idle, most_skilled, least_occupied, round_robin)");
      }
    }
    if (const json::value* x = o->if_contains("skills")) {
      KEFU_ASSIGN_OR_RETURN(const json::array* a, d_.Array(*x, path + ".skills"));
      for (size_t i = 0; i < a->size(); ++i) {
        const std::string p = fmt::format("{}.skills[{}]", path, i);
        KEFU_ASSIGN_OR_RETURN(const json::object* so, d_.Object((*a)[i], p));
        KEFU_RETURN_IF_ERROR(d_.Keys(*so, p, {"skill", "min_level"}));
        routing::SkillRequirement r;
        const json::value* sk = so->if_contains("skill");
        if (sk == nullptr) {
          return d_.Error(p + ".skill", "missing (a skill number > 0)");
        }
        KEFU_ASSIGN_OR_RETURN(int64_t id, d_.Int(*sk, p + ".skill"));
        if (id <= 0 || id > 1'000'000) {
          return d_.Error(p + ".skill", "must be in [1, 1000000]");
        }
        r.skill = static_cast<routing::SkillId>(id);
        if (const json::value* ml = so->if_contains("min_level")) {
          KEFU_ASSIGN_OR_RETURN(int64_t l, d_.Int(*ml, p + ".min_level"));
          if (l < 1 || l > 5) {
            return d_.Error(p + ".min_level", "must be in [1, 5]");
          }
          r.min_level = static_cast<int>(l);
        }
        q.config.skills.push_back(r);
      }
    }
    if (const json::value* x = o->if_contains("wrap_up_s")) {
      KEFU_ASSIGN_OR_RETURN(double w, d_.Number(*x, path + ".wrap_up_s"));
      if (!(w >= 0 && w <= 86'400)) {
        return d_.Error(path + ".wrap_up_s", "must be in [0, 86400]");
      }
      q.config.wrap_up_ms = std::llround(w * 1000);
    }
    if (const json::value* x = o->if_contains("max_wait_s")) {
      KEFU_ASSIGN_OR_RETURN(double w, d_.Number(*x, path + ".max_wait_s"));
      if (!(w >= 0 && w <= 86'400)) {
        return d_.Error(path + ".max_wait_s", "must be in [0, 86400]");
      }
      q.config.max_wait_ms = std::llround(w * 1000);
      q.config.max_wait_action = routing::LimitAction::kLeaveMessage;
    }
    const json::value* handle = o->if_contains("handle");
    if (handle == nullptr) {
      return d_.Error(path + ".handle", "missing (e.g. {type = \"exponential\", mean_s = 180})");
    }
    KEFU_ASSIGN_OR_RETURN(q.handle, DecodeDistribution(*handle, path + ".handle"));
    if (q.handle.kind() == Distribution::Kind::kNever) {
      return d_.Error(path + ".handle.type", "a handle time cannot be \"never\"");
    }
    if (const json::value* x = o->if_contains("patience")) {
      KEFU_ASSIGN_OR_RETURN(q.patience, DecodeDistribution(*x, path + ".patience"));
    }
    if (const json::value* x = o->if_contains("priority_handle")) {
      KEFU_ASSIGN_OR_RETURN(q.priority_handle, DecodeDistribution(*x, path + ".priority_handle"));
    }
    if (const json::value* x = o->if_contains("priority_patience")) {
      KEFU_ASSIGN_OR_RETURN(q.priority_patience,
                            DecodeDistribution(*x, path + ".priority_patience"));
    }
    const json::value* volume = o->if_contains("volume");
    const json::value* per_hour = o->if_contains("calls_per_hour");
    if ((volume == nullptr) == (per_hour == nullptr)) {
      return d_.Error(path + ".volume",
                      "give either volume (contacts per interval) or calls_per_hour");
    }
    if (volume != nullptr) {
      KEFU_ASSIGN_OR_RETURN(q.volume, Numbers(*volume, path + ".volume"));
      if (q.volume.size() != intervals_) {
        return d_.Error(path + ".volume",
                        fmt::format("has {} values; {} hours of {}-minute intervals need {}",
                                    q.volume.size(), static_cast<double>(s.duration_ms) / 3.6e6,
                                    s.interval_minutes, intervals_));
      }
    } else {
      KEFU_ASSIGN_OR_RETURN(double rate, d_.Number(*per_hour, path + ".calls_per_hour"));
      if (!(rate >= 0 && rate < 1e8)) {
        return d_.Error(path + ".calls_per_hour", "must be >= 0");
      }
      q.volume.assign(intervals_, rate * s.interval_minutes / 60.0);
    }
    if (const json::value* x = o->if_contains("priority_share")) {
      KEFU_ASSIGN_OR_RETURN(q.priority_share, d_.Number(*x, path + ".priority_share"));
      if (!(q.priority_share >= 0 && q.priority_share <= 1)) {
        return d_.Error(path + ".priority_share", "must be in [0, 1]");
      }
    }
    if (const json::value* x = o->if_contains("priority_strict")) {
      KEFU_ASSIGN_OR_RETURN(bool strict, d_.Bool(*x, path + ".priority_strict"));
      q.config.tier_class = {0, strict ? 1 : 0, strict ? 1 : 0, strict ? 1 : 0};
    }
    if (const json::value* x = o->if_contains("priority_points")) {
      KEFU_ASSIGN_OR_RETURN(int64_t p, d_.Int(*x, path + ".priority_points"));
      if (p < 0 || p > 100'000) {
        return d_.Error(path + ".priority_points", "must be in [0, 100000]");
      }
      q.config.tier_priority = {0, static_cast<int>(p), static_cast<int>(p), static_cast<int>(p)};
    }
    if (const json::value* x = o->if_contains("aging_per_minute")) {
      KEFU_ASSIGN_OR_RETURN(int64_t p, d_.Int(*x, path + ".aging_per_minute"));
      if (p < 0 || p > 60'000) {
        return d_.Error(path + ".aging_per_minute", "must be in [0, 60000]");
      }
      q.config.aging_per_minute = static_cast<int>(p);
    }
    q.config.default_handle_ms =
        std::max<int64_t>(1, std::llround(std::min(q.handle.Mean(), 86'400.0) * 1000));
    return q;
  }

  Result<int> QueueIndex(const Scenario& s, const std::string& name, const std::string& path) {
    for (size_t i = 0; i < s.queues.size(); ++i) {
      if (s.queues[i].name == name) {
        return static_cast<int>(i);
      }
    }
    return d_.Error(path, "no queue named \"" + name + "\"");
  }

  Result<int64_t> Clock(const json::value& v, const std::string& path) {
    KEFU_ASSIGN_OR_RETURN(std::string t, d_.String(v, path));
    Result<int64_t> ms = ParseClockTime(t);
    if (!ms.ok()) {
      return d_.Error(path, "expected a clock time \"HH:MM\", got \"" + t + "\"");
    }
    return *ms;
  }

  Result<SimAgentGroup> DecodeGroup(const json::value& v, const std::string& path,
                                    const Scenario& s) {
    SimAgentGroup g;
    KEFU_ASSIGN_OR_RETURN(const json::object* o, d_.Object(v, path));
    KEFU_RETURN_IF_ERROR(d_.Keys(
        *o, path, {"name", "skills", "capacity", "queues", "staffing", "agents", "shifts"}));
    const json::value* name = o->if_contains("name");
    if (name == nullptr) {
      return d_.Error(path + ".name", "missing");
    }
    KEFU_ASSIGN_OR_RETURN(g.name, d_.String(*name, path + ".name"));
    if (const json::value* x = o->if_contains("skills")) {
      KEFU_ASSIGN_OR_RETURN(const json::array* a, d_.Array(*x, path + ".skills"));
      for (size_t i = 0; i < a->size(); ++i) {
        const std::string p = fmt::format("{}.skills[{}]", path, i);
        KEFU_ASSIGN_OR_RETURN(const json::object* so, d_.Object((*a)[i], p));
        KEFU_RETURN_IF_ERROR(d_.Keys(*so, p, {"skill", "level"}));
        const json::value* sk = so->if_contains("skill");
        if (sk == nullptr) {
          return d_.Error(p + ".skill", "missing");
        }
        KEFU_ASSIGN_OR_RETURN(int64_t id, d_.Int(*sk, p + ".skill"));
        if (id <= 0 || id > 1'000'000) {
          return d_.Error(p + ".skill", "must be in [1, 1000000]");
        }
        int64_t level = 3;
        if (const json::value* l = so->if_contains("level")) {
          KEFU_ASSIGN_OR_RETURN(level, d_.Int(*l, p + ".level"));
          if (level < 1 || level > 5) {
            return d_.Error(p + ".level", "must be in [1, 5]");
          }
        }
        g.config.skills.push_back({static_cast<routing::SkillId>(id), static_cast<int>(level)});
      }
      std::sort(g.config.skills.begin(), g.config.skills.end(),
                [](const routing::SkillLevel& a, const routing::SkillLevel& b) {
                  return a.skill < b.skill;
                });
    }
    if (const json::value* x = o->if_contains("capacity")) {
      KEFU_ASSIGN_OR_RETURN(const json::object* co, d_.Object(*x, path + ".capacity"));
      KEFU_RETURN_IF_ERROR(d_.Keys(*co, path + ".capacity", {"voice", "chat", "email"}));
      const char* names[] = {"voice", "chat", "email"};
      for (int c = 0; c < routing::kChannelCount; ++c) {
        if (const json::value* n = co->if_contains(names[c])) {
          const std::string p = path + ".capacity." + names[c];
          KEFU_ASSIGN_OR_RETURN(int64_t cap, d_.Int(*n, p));
          if (cap < 0 || cap > 100) {
            return d_.Error(p, "must be in [0, 100]");
          }
          g.config.capacity[static_cast<size_t>(c)] = static_cast<int>(cap);
        }
      }
    }
    const json::value* queues = o->if_contains("queues");
    if (queues == nullptr) {
      return d_.Error(path + ".queues", "missing: the queues this group serves");
    }
    KEFU_ASSIGN_OR_RETURN(const json::array* qa, d_.Array(*queues, path + ".queues"));
    for (size_t i = 0; i < qa->size(); ++i) {
      const std::string p = fmt::format("{}.queues[{}]", path, i);
      const json::value& e = (*qa)[i];
      if (e.is_string()) {
        KEFU_ASSIGN_OR_RETURN(int q, QueueIndex(s, std::string(e.get_string()), p));
        g.queues.emplace_back(q, 1);
        continue;
      }
      KEFU_ASSIGN_OR_RETURN(const json::object* qo, d_.Object(e, p));
      KEFU_RETURN_IF_ERROR(d_.Keys(*qo, p, {"queue", "priority"}));
      const json::value* qn = qo->if_contains("queue");
      if (qn == nullptr) {
        return d_.Error(p + ".queue", "missing");
      }
      KEFU_ASSIGN_OR_RETURN(std::string qname, d_.String(*qn, p + ".queue"));
      KEFU_ASSIGN_OR_RETURN(int q, QueueIndex(s, qname, p + ".queue"));
      int64_t priority = 1;
      if (const json::value* pr = qo->if_contains("priority")) {
        KEFU_ASSIGN_OR_RETURN(priority, d_.Int(*pr, p + ".priority"));
        if (priority < 1 || priority > 100) {
          return d_.Error(p + ".priority", "must be in [1, 100]");
        }
      }
      g.queues.emplace_back(q, static_cast<int>(priority));
    }
    if (g.queues.empty()) {
      return d_.Error(path + ".queues", "the group serves no queue");
    }
    const json::value* staffing = o->if_contains("staffing");
    const json::value* agents = o->if_contains("agents");
    const json::value* shifts = o->if_contains("shifts");
    const int given = (staffing != nullptr) + (agents != nullptr) + (shifts != nullptr);
    if (given != 1) {
      return d_.Error(path,
                      "give exactly one of agents (all day), staffing (per interval), shifts");
    }
    if (agents != nullptr) {
      KEFU_ASSIGN_OR_RETURN(int64_t n, d_.Int(*agents, path + ".agents"));
      if (n < 0 || n > 200'000) {
        return d_.Error(path + ".agents", "must be in [0, 200000]");
      }
      g.staffing.assign(intervals_, static_cast<int>(n));
    }
    if (staffing != nullptr) {
      KEFU_ASSIGN_OR_RETURN(std::vector<double> n, Numbers(*staffing, path + ".staffing"));
      if (n.size() != intervals_) {
        return d_.Error(
            path + ".staffing",
            fmt::format("has {} values, the scenario has {} intervals", n.size(), intervals_));
      }
      for (size_t i = 0; i < n.size(); ++i) {
        if (n[i] != std::floor(n[i]) || n[i] > 200'000) {
          return d_.Error(fmt::format("{}.staffing[{}]", path, i), "must be an integer agents");
        }
        g.staffing.push_back(static_cast<int>(n[i]));
      }
    }
    if (shifts != nullptr) {
      KEFU_ASSIGN_OR_RETURN(const json::array* sa, d_.Array(*shifts, path + ".shifts"));
      const int64_t offset_of_day = day_start_ms_ - s.start_ms;
      for (size_t i = 0; i < sa->size(); ++i) {
        const std::string p = fmt::format("{}.shifts[{}]", path, i);
        KEFU_ASSIGN_OR_RETURN(const json::object* so, d_.Object((*sa)[i], p));
        KEFU_RETURN_IF_ERROR(
            d_.Keys(*so, p, {"start", "end", "agents", "breaks", "break_stagger_minutes"}));
        SimShift shift;
        const json::value* st = so->if_contains("start");
        const json::value* en = so->if_contains("end");
        const json::value* ag = so->if_contains("agents");
        if (st == nullptr || en == nullptr || ag == nullptr) {
          return d_.Error(p, "needs start, end (\"HH:MM\") and agents");
        }
        KEFU_ASSIGN_OR_RETURN(int64_t start, Clock(*st, p + ".start"));
        KEFU_ASSIGN_OR_RETURN(int64_t end, Clock(*en, p + ".end"));
        if (end <= start) {
          end += 86'400'000;
        }
        shift.start_ms = offset_of_day + start;
        shift.end_ms = offset_of_day + end;
        KEFU_ASSIGN_OR_RETURN(int64_t n, d_.Int(*ag, p + ".agents"));
        if (n < 0 || n > 200'000) {
          return d_.Error(p + ".agents", "must be in [0, 200000]");
        }
        shift.agents = static_cast<int>(n);
        if (const json::value* x = so->if_contains("break_stagger_minutes")) {
          KEFU_ASSIGN_OR_RETURN(double m, d_.Number(*x, p + ".break_stagger_minutes"));
          if (!(m >= 0 && m <= 240)) {
            return d_.Error(p + ".break_stagger_minutes", "must be in [0, 240]");
          }
          shift.break_stagger_ms = std::llround(m * 60'000);
        }
        if (const json::value* x = so->if_contains("breaks")) {
          KEFU_ASSIGN_OR_RETURN(const json::array* ba, d_.Array(*x, p + ".breaks"));
          for (size_t b = 0; b < ba->size(); ++b) {
            const std::string bp = fmt::format("{}.breaks[{}]", p, b);
            KEFU_ASSIGN_OR_RETURN(const json::object* bo, d_.Object((*ba)[b], bp));
            KEFU_RETURN_IF_ERROR(d_.Keys(*bo, bp, {"start", "minutes"}));
            const json::value* bs = bo->if_contains("start");
            const json::value* bm = bo->if_contains("minutes");
            if (bs == nullptr || bm == nullptr) {
              return d_.Error(bp, "needs start (\"HH:MM\") and minutes");
            }
            KEFU_ASSIGN_OR_RETURN(int64_t at, Clock(*bs, bp + ".start"));
            if (at < start) {
              at += 86'400'000;
            }
            if (at < start || at >= end) {
              return d_.Error(bp + ".start", "must be within the shift");
            }
            KEFU_ASSIGN_OR_RETURN(double minutes, d_.Number(*bm, bp + ".minutes"));
            if (!(minutes > 0 && minutes <= 480)) {
              return d_.Error(bp + ".minutes", "must be in (0, 480]");
            }
            shift.breaks.push_back({at - start, std::llround(minutes * 60'000)});
          }
        }
        g.shifts.push_back(std::move(shift));
      }
    }
    return g;
  }

  Decoder d_;
  size_t intervals_ = 0;
  int64_t day_start_ms_ = 0;
};

}  // namespace

Result<int64_t> ParseClockTime(std::string_view text) {
  const size_t colon = text.find(':');
  int h = 0;
  int m = 0;
  int sec = 0;
  if (colon == std::string_view::npos || !ParseInt(text.substr(0, colon), h)) {
    return InvalidArgumentError("expected HH:MM", "time");
  }
  std::string_view rest = text.substr(colon + 1);
  const size_t colon2 = rest.find(':');
  if (colon2 != std::string_view::npos) {
    if (!ParseInt(rest.substr(colon2 + 1), sec) || sec > 59) {
      return InvalidArgumentError("expected HH:MM:SS", "time");
    }
    rest = rest.substr(0, colon2);
  }
  if (!ParseInt(rest, m) || rest.size() != 2 || m > 59 || h > 48) {
    return InvalidArgumentError("expected HH:MM", "time");
  }
  return (int64_t{h} * 3600 + m * 60 + sec) * 1000;
}

Result<int64_t> ParseLocalDateTime(std::string_view text) {
  int y = 0;
  int mo = 0;
  int d = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !ParseInt(text.substr(0, 4), y) ||
      !ParseInt(text.substr(5, 2), mo) || !ParseInt(text.substr(8, 2), d) || mo < 1 || mo > 12 ||
      d < 1 || d > 31) {
    return InvalidArgumentError("expected YYYY-MM-DD[THH:MM]", "time");
  }
  int64_t ms = DaysFromCivil(y, mo, d) * 86'400'000;
  if (text.size() > 10) {
    if (text[10] != 'T' && text[10] != ' ') {
      return InvalidArgumentError("expected YYYY-MM-DDTHH:MM", "time");
    }
    KEFU_ASSIGN_OR_RETURN(int64_t t, ParseClockTime(text.substr(11)));
    if (t >= 86'400'000) {
      return InvalidArgumentError("time of day past 24:00", "time");
    }
    ms += t;
  }
  return ms - kLocalOffsetMs;
}

std::string FormatLocalTime(int64_t utc_ms) {
  const int64_t local = utc_ms + kLocalOffsetMs;
  int64_t days = local / 86'400'000;
  int64_t rem = local % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}", date.year, date.month, date.day,
                     rem / 3'600'000,
                     (rem / 60'000) % 60);
}

Result<Scenario> ParseScenario(std::string_view text, ScenarioFormat format,
                               std::string_view source) {
  const std::string src(source);
  json::value root;
  if (format == ScenarioFormat::kToml) {
    // This build of toml++ reports syntax errors by exception; none escapes this function.
    try {
      toml::table table = toml::parse(text, source);
      std::ostringstream out;
      out << toml::json_formatter{table};
      root = json::parse(out.str());
    } catch (const toml::parse_error& err) {
      const auto& where = err.source().begin;
      return InvalidArgumentError(fmt::format("{}:{}:{}: TOML syntax error: {}", src, where.line,
                                              where.column, err.description()));
    } catch (const std::exception& err) {
      return InvalidArgumentError(fmt::format("{}: cannot read TOML: {}", src, err.what()));
    }
  } else {
    boost::system::error_code ec;
    json::parse_options options;
    options.allow_comments = true;
    options.allow_trailing_commas = true;
    root = json::parse(text, ec, {}, options);
    if (ec) {
      // Boost.JSON reports no line; count it from the bytes consumed is not exposed either,
      // so name the error and let the reader find it.
      return InvalidArgumentError(fmt::format("{}: JSON syntax error: {}", src, ec.message()));
    }
  }
  ScenarioDecoder decoder(src);
  return decoder.Decode(root);
}

Result<Scenario> LoadScenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read scenario file " + path);
  }
  std::ostringstream text;
  text << in.rdbuf();
  const bool toml = path.size() >= 5 && path.substr(path.size() - 5) == ".toml";
  return ParseScenario(text.str(), toml ? ScenarioFormat::kToml : ScenarioFormat::kJson, path);
}

}  // namespace kefu::analytics
