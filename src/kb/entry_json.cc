// Entry ⇄ JSON: the one shape of an entry in files, versions and the HTTP API.

#include <boost/json.hpp>

#include <charconv>

#include "internal/dates.h"
#include "internal/entry_json.h"
#include "kefu/kb/knowledge_base.h"

namespace kefu::kb {
namespace json = boost::json;

namespace internal {

json::value OptString(const std::optional<std::string>& s) {
  return s ? json::value(json::string(*s)) : json::value(nullptr);
}

json::value OptInt(const std::optional<int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::array Strings(const std::vector<std::string>& list) {
  json::array out;
  for (const std::string& s : list) {
    out.push_back(json::string(s));
  }
  return out;
}

json::object ErrorCodeObject(const ErrorCode& c) {
  return json::object{{"code", c.code},         {"reason", c.reason},
                      {"advice", c.advice},     {"channel", c.channel},
                      {"category", c.category}, {"updated_ms", c.updated_ms}};
}

json::object EntryObject(const Entry& e) {
  json::array related;
  for (int64_t id : e.related_ids) {
    related.push_back(json::string(std::to_string(id)));
  }
  return json::object{{"id", std::to_string(e.id)},
                      {"kind", e.kind},
                      {"title", e.title},
                      {"similar_questions", Strings(e.similar_questions)},
                      {"body", e.body},
                      {"category", e.category},
                      {"tags", Strings(e.tags)},
                      {"visibility", e.visibility},
                      {"valid_from_ms", OptInt(e.valid_from_ms)},
                      {"valid_to_ms", OptInt(e.valid_to_ms)},
                      {"shortcut", OptString(e.shortcut)},
                      {"url", OptString(e.url)},
                      {"code", OptString(e.code)},
                      {"terms", OptString(e.terms)},
                      {"regions", Strings(e.regions)},
                      {"card_types", Strings(e.card_types)},
                      {"sms_text", OptString(e.sms_text)},
                      {"related_ids", std::move(related)},
                      {"version", e.version},
                      {"updated_by", e.updated_by},
                      {"created_ms", e.created_ms},
                      {"updated_ms", e.updated_ms}};
}

namespace {

Status TypeError(std::string_view key, std::string_view want) {
  return InvalidArgumentError(std::string(key) + " must be " + std::string(want),
                              std::string(key));
}

Result<int64_t> IdOf(const json::value& v, std::string_view key) {
  if (v.is_int64() && v.as_int64() > 0) {
    return v.as_int64();
  }
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX) && v.as_uint64() > 0) {
    return static_cast<int64_t>(v.as_uint64());
  }
  if (v.is_string()) {
    std::string_view s = v.as_string();
    int64_t id = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
    if (ec == std::errc() && p == s.data() + s.size() && id > 0) {
      return id;
    }
  }
  return TypeError(key, "an id");
}

Result<std::optional<int64_t>> OptTime(const json::value& v, std::string_view key) {
  if (v.is_null()) {
    return std::optional<int64_t>();
  }
  if (v.is_int64()) {
    return std::optional<int64_t>(v.as_int64());
  }
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  }
  if (v.is_double()) {
    return std::optional<int64_t>(static_cast<int64_t>(v.as_double()));
  }
  return TypeError(key, "UTC milliseconds or null");
}

}  // namespace

Result<std::vector<std::string>> StringList(const json::value& v, std::string_view key) {
  std::vector<std::string> out;
  if (v.is_null()) {
    return out;
  }
  if (!v.is_array()) {
    return TypeError(key, "an array of strings");
  }
  for (const json::value& item : v.as_array()) {
    if (!item.is_string()) {
      return TypeError(key, "an array of strings");
    }
    out.emplace_back(item.as_string());
  }
  return out;
}

Result<Entry> EntryFromObject(const json::object& o, Entry e) {
  for (const auto& [k, v] : o) {
    std::string_view key = k;
    if (key == "id") {
      if (!v.is_null() && !(v.is_string() && v.as_string().empty())) {
        KEFU_ASSIGN_OR_RETURN(e.id, IdOf(v, key));
      }
    } else if (key == "kind" || key == "title" || key == "body" || key == "category" ||
               key == "visibility") {
      if (!v.is_string()) {
        return TypeError(key, "a string");
      }
      std::string s(v.as_string());
      if (key == "kind") {
        e.kind = std::move(s);
      } else if (key == "title") {
        e.title = std::move(s);
      } else if (key == "body") {
        e.body = std::move(s);
      } else if (key == "category") {
        e.category = std::move(s);
      } else {
        e.visibility = std::move(s);
      }
    } else if (key == "shortcut" || key == "url" || key == "code" || key == "terms" ||
               key == "sms_text") {
      std::optional<std::string> s;
      if (v.is_string()) {
        if (!v.as_string().empty()) {
          s = std::string(v.as_string());
        }
      } else if (!v.is_null()) {
        return TypeError(key, "a string or null");
      }
      if (key == "shortcut") {
        e.shortcut = std::move(s);
      } else if (key == "url") {
        e.url = std::move(s);
      } else if (key == "code") {
        e.code = std::move(s);
      } else if (key == "terms") {
        e.terms = std::move(s);
      } else {
        e.sms_text = std::move(s);
      }
    } else if (key == "similar_questions") {
      KEFU_ASSIGN_OR_RETURN(e.similar_questions, StringList(v, key));
    } else if (key == "tags") {
      KEFU_ASSIGN_OR_RETURN(e.tags, StringList(v, key));
    } else if (key == "regions") {
      KEFU_ASSIGN_OR_RETURN(e.regions, StringList(v, key));
    } else if (key == "card_types") {
      KEFU_ASSIGN_OR_RETURN(e.card_types, StringList(v, key));
    } else if (key == "valid_from_ms") {
      KEFU_ASSIGN_OR_RETURN(e.valid_from_ms, OptTime(v, key));
    } else if (key == "valid_to_ms") {
      KEFU_ASSIGN_OR_RETURN(e.valid_to_ms, OptTime(v, key));
    } else if (key == "valid_from" || key == "valid_to") {
      // Dates as people write them; valid_to is the last day, inclusive.
      if (v.is_null() || (v.is_string() && v.as_string().empty())) {
        (key == "valid_from" ? e.valid_from_ms : e.valid_to_ms) = std::nullopt;
        continue;
      }
      std::optional<int64_t> ms = v.is_string() ? ParseLocalDate(v.as_string()) : std::nullopt;
      if (!ms) {
        return TypeError(key, "a date YYYY-MM-DD");
      }
      if (key == "valid_from") {
        e.valid_from_ms = *ms;
      } else {
        e.valid_to_ms = *ms + kDayMs;
      }
    } else if (key == "related_ids") {
      e.related_ids.clear();
      if (!v.is_null()) {
        if (!v.is_array()) {
          return TypeError(key, "an array of ids");
        }
        for (const json::value& item : v.as_array()) {
          KEFU_ASSIGN_OR_RETURN(int64_t id, IdOf(item, key));
          e.related_ids.push_back(id);
        }
      }
    }
    // Other keys (version, updated_by, times, fields of a newer kefu) are the server's.
  }
  return e;
}

}  // namespace internal

std::string EntryToJson(const Entry& entry) {
  return json::serialize(internal::EntryObject(entry));
}

Result<Entry> EntryFromJson(std::string_view text, Entry base) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return InvalidArgumentError("an entry must be a JSON object", "body");
  }
  return internal::EntryFromObject(v.as_object(), std::move(base));
}

}  // namespace kefu::kb
