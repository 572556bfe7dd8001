// Import and export of the knowledge base: JSON (the export shape, or an array of entries)
// and .xlsx (one sheet per kind, or a kind column). Rows become JSON objects with the API's
// field names, so one code path checks and writes both formats.

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <map>

#include "internal/dates.h"
#include "internal/entry_json.h"
#include "internal/validate.h"
#include "kefu/core/text.h"
#include "kefu/kb/knowledge_base.h"
#include "kefu/core/xlsx.h"

namespace kefu::kb {
namespace json = boost::json;

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  std::string half = text::ToHalfWidth(s);
  size_t b = half.find_first_not_of(" \t\r\n");
  size_t e = half.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : half.substr(b, e - b + 1);
}

// Sheet names and kind-column values, in English or Chinese.
std::string KindOf(std::string_view label) {
  static const std::map<std::string, std::string, std::less<>> kKinds = {
      {"faq", "faq"},          {"faqs", "faq"},          {"常见问题", "faq"},
      {"问答", "faq"},         {"问题", "faq"},          {"phrase", "phrase"},
      {"phrases", "phrase"},   {"常用语", "phrase"},     {"话术", "phrase"},
      {"link", "link"},        {"links", "link"},        {"常用链接", "link"},
      {"链接", "link"},        {"article", "article"},   {"articles", "article"},
      {"文章", "article"},     {"activity", "activity"}, {"activities", "activity"},
      {"活动", "activity"},    {"活动代码", "activity"}, {"error_code", "error_code"},
      {"error_codes", "error_code"}, {"错误代码", "error_code"}, {"错误码", "error_code"},
  };
  auto it = kKinds.find(Lower(Trim(label)));
  return it == kKinds.end() ? std::string() : it->second;
}

// Column headers → field names.
std::string FieldOf(std::string_view header) {
  static const std::map<std::string, std::string, std::less<>> kFields = {
      {"id", "id"},
      {"编号", "id"},
      {"kind", "kind"},
      {"类型", "kind"},
      {"种类", "kind"},
      {"title", "title"},
      {"question", "title"},
      {"标题", "title"},
      {"标准问题", "title"},
      {"问题", "title"},
      {"名称", "title"},
      {"活动名称", "title"},
      {"similar_questions", "similar_questions"},
      {"相似问题", "similar_questions"},
      {"相似问法", "similar_questions"},
      {"body", "body"},
      {"answer", "body"},
      {"text", "body"},
      {"答案", "body"},
      {"内容", "body"},
      {"正文", "body"},
      {"说明", "body"},
      {"category", "category"},
      {"分类", "category"},
      {"类别", "category"},
      {"tags", "tags"},
      {"标签", "tags"},
      {"关键词", "tags"},
      {"visibility", "visibility"},
      {"可见范围", "visibility"},
      {"可见性", "visibility"},
      {"valid_from", "valid_from"},
      {"开始日期", "valid_from"},
      {"生效日期", "valid_from"},
      {"valid_to", "valid_to"},
      {"结束日期", "valid_to"},
      {"失效日期", "valid_to"},
      {"截止日期", "valid_to"},
      {"valid_from_ms", "valid_from_ms"},
      {"valid_to_ms", "valid_to_ms"},
      {"shortcut", "shortcut"},
      {"快捷键", "shortcut"},
      {"快捷码", "shortcut"},
      {"url", "url"},
      {"链接", "url"},
      {"网址", "url"},
      {"code", "code"},
      {"代码", "code"},
      {"活动代码", "code"},
      {"错误代码", "code"},
      {"terms", "terms"},
      {"活动规则", "terms"},
      {"规则", "terms"},
      {"regions", "regions"},
      {"地区", "regions"},
      {"适用地区", "regions"},
      {"card_types", "card_types"},
      {"卡种", "card_types"},
      {"适用卡种", "card_types"},
      {"sms_text", "sms_text"},
      {"短信", "sms_text"},
      {"短信内容", "sms_text"},
      {"related_ids", "related_ids"},
      {"关联问题", "related_ids"},
      {"reason", "reason"},
      {"原因", "reason"},
      {"advice", "advice"},
      {"建议", "advice"},
      {"处理建议", "advice"},
      {"channel", "channel"},
      {"渠道", "channel"},
  };
  std::string h = Lower(Trim(header));
  // "标题 title": the exported headers carry both names; either half is enough.
  size_t space = h.find(' ');
  auto it = kFields.find(h);
  if (it == kFields.end() && space != std::string::npos) {
    it = kFields.find(h.substr(0, space));
    if (it == kFields.end()) {
      it = kFields.find(h.substr(space + 1));
    }
  }
  return it == kFields.end() ? std::string() : it->second;
}

std::vector<std::string> Split(std::string_view cell, bool lines_only) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t = Trim(cur);
    if (!t.empty()) {
      out.push_back(std::move(t));
    }
    cur.clear();
  };
  for (size_t i = 0; i < cell.size();) {
    std::string_view rest = cell.substr(i);
    size_t sep = 0;
    if (rest[0] == '\n' || rest[0] == '|') {
      sep = 1;
    } else if (rest.starts_with("｜")) {
      sep = 3;
    } else if (!lines_only) {
      if (rest[0] == ',' || rest[0] == ';') {
        sep = 1;
      } else if (rest.starts_with("，") || rest.starts_with("、") || rest.starts_with("；")) {
        sep = 3;
      }
    }
    if (sep > 0) {
      flush();
      i += sep;
    } else {
      cur += cell[i++];
    }
  }
  flush();
  return out;
}

// A date cell: "2026-10-01", an Excel serial day number, or UTC ms. Returns UTC ms of the
// local midnight (for valid_to: of the day after, as the cell names the last day).
std::optional<int64_t> DateCell(std::string_view cell, bool end) {
  std::string t = Trim(cell);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec == std::errc() && p == t.data() + t.size()) {
    if (n > 100'000) {
      return n;  // already UTC ms
    }
    // Excel's day 0 is 1899-12-30 (its 1900 leap-year bug is before day 61).
    int64_t days = n + internal::DaysFromCivil(1899, 12, 30);
    return days * internal::kDayMs - internal::kShanghaiOffsetMs + (end ? internal::kDayMs : 0);
  }
  std::optional<int64_t> ms = internal::ParseLocalDate(t);
  if (ms && end) {
    *ms += internal::kDayMs;
  }
  return ms;
}

struct PendingRow {
  std::string sheet;
  int64_t line = 0;
  std::string kind;
  json::object fields;
  std::map<std::string, std::string> headers;  // field → the file's column header
  std::string error;                           // the row cannot be read; error_column at fault
  std::string error_column;
};

// One spreadsheet row → a JSON object with the API's field names.
PendingRow RowObject(const std::string& sheet, const std::string& sheet_kind,
                     const std::vector<std::string>& fields,
                     const std::vector<std::string>& headers, const SheetRow& row) {
  PendingRow out;
  out.sheet = sheet;
  out.line = row.line;
  out.kind = sheet_kind;
  for (size_t c = 0; c < fields.size(); ++c) {
    if (fields[c].empty()) {
      continue;
    }
    const std::string& f = fields[c];
    std::string cell = c < row.cells.size() ? row.cells[c] : std::string();
    out.headers[f] = headers[c];
    if (f == "kind") {
      if (!cell.empty()) {
        out.kind = KindOf(cell);
        if (out.kind.empty()) {
          out.error = "unknown kind '" + cell + "' (faq/phrase/link/article/activity/error_code)";
          out.error_column = headers[c];
        }
      }
    } else if (f == "similar_questions") {
      out.fields[f] = internal::Strings(Split(cell, true));
    } else if (f == "tags" || f == "regions" || f == "card_types" || f == "related_ids") {
      out.fields[f] = internal::Strings(Split(cell, false));
    } else if (f == "valid_from" || f == "valid_to") {
      if (cell.empty()) {
        out.fields[f + "_ms"] = nullptr;
        continue;
      }
      std::optional<int64_t> ms = DateCell(cell, f == "valid_to");
      if (!ms) {
        out.error = "not a date: '" + cell + "' (YYYY-MM-DD)";
        out.error_column = headers[c];
      } else {
        out.fields[f + "_ms"] = *ms;
      }
    } else if (f == "valid_from_ms" || f == "valid_to_ms") {
      std::optional<int64_t> ms = cell.empty() ? std::nullopt : DateCell(cell, false);
      if (!cell.empty() && !ms) {
        out.error = "not a time in ms: '" + cell + "'";
        out.error_column = headers[c];
      }
      out.fields[f] = ms ? json::value(*ms) : json::value(nullptr);
    } else if (f == "visibility") {
      std::string v = Lower(Trim(cell));
      if (v == "座席" || v == "仅座席" || v == "内部" || v == "agent" || v.empty()) {
        v = "agent_only";
      } else if (v == "客户" || v == "对客" || v == "公开" || v == "public") {
        v = "customer";
      }
      out.fields[f] = json::string(v);
    } else {
      out.fields[f] = json::string(cell);
    }
  }
  return out;
}

std::string FieldString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

Result<ImportReport> KnowledgeBase::Import(std::string_view file_name, std::string_view bytes,
                                           std::string_view actor, bool dry_run) {
  std::string name = Lower(file_name);
  std::vector<PendingRow> rows;
  if (name.ends_with(".json")) {
    boost::system::error_code ec;
    json::value doc = json::parse(bytes, ec);
    if (ec) {
      return InvalidArgumentError(std::string(file_name) + ": not valid JSON (" + ec.message() +
                                      ")",
                                  "file");
    }
    auto add = [&](const json::array& list, const std::string& sheet, std::string kind) {
      int64_t line = 0;
      for (const json::value& v : list) {
        PendingRow r;
        r.sheet = sheet;
        r.line = ++line;
        if (!v.is_object()) {
          r.error = "not a JSON object";
        } else {
          r.fields = v.as_object();
          r.kind = kind.empty() ? KindOf(FieldString(r.fields, "kind")) : kind;
          if (r.kind.empty()) {
            r.error = "kind must be faq, phrase, link, article, activity or error_code";
            r.error_column = "kind";
          }
        }
        rows.push_back(std::move(r));
      }
    };
    if (doc.is_array()) {
      add(doc.as_array(), "entries", "");
    } else if (doc.is_object()) {
      const json::object& o = doc.as_object();
      if (const json::value* e = o.if_contains("entries"); e && e->is_array()) {
        add(e->as_array(), "entries", "");
      }
      if (const json::value* e = o.if_contains("error_codes"); e && e->is_array()) {
        add(e->as_array(), "error_codes", "error_code");
      }
    } else {
      return InvalidArgumentError(std::string(file_name) + ": expected an array of entries or "
                                                           "{\"entries\": […]}",
                                  "file");
    }
  } else if (name.ends_with(".xlsx")) {
    KEFU_ASSIGN_OR_RETURN(std::vector<Sheet> sheets, ReadXlsx(bytes));
    for (const Sheet& sheet : sheets) {
      if (sheet.rows.empty()) {
        continue;
      }
      const std::vector<std::string>& headers = sheet.rows[0].cells;
      std::vector<std::string> fields;
      bool has_kind_column = false;
      for (const std::string& h : headers) {
        fields.push_back(FieldOf(h));
        has_kind_column = has_kind_column || fields.back() == "kind";
      }
      std::string sheet_kind = KindOf(sheet.name);
      if (sheet_kind.empty() && !has_kind_column) {
        rows.push_back({sheet.name, sheet.rows[0].line, "", {}, {},
                        "sheet '" + sheet.name +
                            "': neither its name nor a 类型/kind column says what its rows are",
                        ""});
        continue;
      }
      for (size_t i = 1; i < sheet.rows.size(); ++i) {
        rows.push_back(RowObject(sheet.name, sheet_kind, fields, headers, sheet.rows[i]));
      }
    }
  } else {
    return InvalidArgumentError(
        std::string(file_name) + ": unknown file type (expected .json or .xlsx)", "file");
  }

  ImportReport report;
  std::lock_guard lock(write_mu_);
  if (!loaded_.load(std::memory_order_relaxed)) {
    KEFU_RETURN_IF_ERROR(LoadLocked());
  }
  auto reject = [&](const PendingRow& r, const Status& s) {
    ++report.rejected;
    std::string column = s.field();
    if (auto it = r.headers.find(column); it != r.headers.end()) {
      column = it->second;
    } else if (auto ms = r.headers.find(column.substr(0, column.size() > 3 ? column.size() - 3 : 0));
               column.ends_with("_ms") && ms != r.headers.end()) {
      column = ms->second;  // valid_to_ms came from the 结束日期 column
    }
    report.issues.push_back({r.sheet, r.line, column, s.message()});
  };
  for (PendingRow& r : rows) {
    ++report.rows;
    if (!r.error.empty()) {
      reject(r, InvalidArgumentError(r.error, r.error_column));
      continue;
    }
    if (r.kind == kErrorCodeKind) {
      ErrorCode c;
      c.code = FieldString(r.fields, "code");
      c.reason = FieldString(r.fields, "reason");
      c.advice = FieldString(r.fields, "advice");
      c.channel = FieldString(r.fields, "channel");
      c.category = FieldString(r.fields, "category");
      Result<ErrorCodeWrite> w =
          PutErrorCodeLocked(std::move(c), actor, std::nullopt, false, dry_run);
      if (!w.ok()) {
        if (w.status().code() != StatusCode::kInvalidArgument) {
          return w.status();
        }
        reject(r, w.status());
      } else if (w->action.empty()) {
        ++report.unchanged;
      } else {
        ++(w->action == "create" ? report.inserted : report.updated);
      }
      continue;
    }
    // Match: id, then code, then kind + title.
    Result<Entry> parsed = internal::EntryFromObject(r.fields, Entry{});
    if (!parsed.ok()) {
      reject(r, parsed.status());
      continue;
    }
    std::optional<Entry> existing;
    auto find = [&](std::string_view sql, store::Params params) -> Status {
      if (existing) {
        return OkStatus();
      }
      KEFU_ASSIGN_OR_RETURN(store::Rows found, db_->Query(sql, params));
      if (!found.empty()) {
        KEFU_ASSIGN_OR_RETURN(Entry e, Get(found[0].Int64(0)));
        existing = std::move(e);
      }
      return OkStatus();
    };
    if (parsed->id != 0) {
      KEFU_RETURN_IF_ERROR(find("SELECT id FROM kb_entries WHERE id = $1", {parsed->id}));
    }
    if (parsed->code) {
      KEFU_RETURN_IF_ERROR(
          find("SELECT id FROM kb_entries WHERE code = $1", {NormalizeCode(*parsed->code)}));
    }
    KEFU_RETURN_IF_ERROR(find("SELECT id FROM kb_entries WHERE kind = $1 AND title = $2",
                              {r.kind, Trim(parsed->title)}));
    // Fields the row does not carry keep the stored values.
    Entry base = existing ? *existing : Entry{};
    Result<Entry> entry = internal::EntryFromObject(r.fields, base);
    if (!entry.ok()) {
      reject(r, entry.status());
      continue;
    }
    entry->kind = existing ? existing->kind : r.kind;
    if (existing && r.kind != existing->kind) {
      reject(r, InvalidArgumentError("matches a stored " + existing->kind + " entry ('" +
                                         existing->title + "'); a kind cannot change",
                                     "kind"));
      continue;
    }
    if (dry_run) {
      Entry check = *entry;
      Status s = internal::ValidateEntry(check);
      if (s.ok()) {
        std::vector<int64_t> kept = existing ? existing->related_ids : std::vector<int64_t>{};
        s = db_->Read([&](store::Session& session) {
          return CheckRelated(session, existing ? existing->id : 0, check.related_ids, kept);
        });
        if (!s.ok() && s.code() != StatusCode::kInvalidArgument) {
          return s;
        }
      }
      if (!s.ok()) {
        reject(r, s);
      } else if (!existing) {
        ++report.inserted;
      } else {
        ++(internal::ContentKey(check) == internal::ContentKey(*existing) ? report.unchanged
                                                                         : report.updated);
      }
      continue;
    }
    bool changed = false;
    Result<Entry> saved = WriteLocked(existing ? std::optional<int64_t>(existing->id)
                                               : std::nullopt,
                                      std::move(*entry), actor, std::nullopt, &changed);
    if (!saved.ok()) {
      StatusCode code = saved.status().code();
      if (code != StatusCode::kInvalidArgument && code != StatusCode::kAlreadyExists) {
        return saved.status();
      }
      reject(r, saved.status());
    } else if (!existing) {
      ++report.inserted;
    } else {
      ++(changed ? report.updated : report.unchanged);
    }
  }
  return report;
}

Result<std::string> KnowledgeBase::ExportJson() const {
  KEFU_ASSIGN_OR_RETURN(std::vector<Entry> entries, List("", std::nullopt, 1000000, 0));
  KEFU_ASSIGN_OR_RETURN(std::vector<ErrorCode> codes, AllErrorCodes());
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.id < b.id; });
  json::array items;
  for (const Entry& e : entries) {
    items.push_back(internal::EntryObject(e));
  }
  json::array ec;
  for (const ErrorCode& c : codes) {
    ec.push_back(internal::ErrorCodeObject(c));
  }
  return json::serialize(json::object{{"format", "kefu.kb/1"},
                                      {"exported_ms", clock_->NowMs()},
                                      {"entries", std::move(items)},
                                      {"error_codes", std::move(ec)}});
}

Result<std::string> KnowledgeBase::ExportXlsx() const {
  KEFU_ASSIGN_OR_RETURN(std::vector<Entry> entries, List("", std::nullopt, 1000000, 0));
  KEFU_ASSIGN_OR_RETURN(std::vector<ErrorCode> codes, AllErrorCodes());
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.id < b.id; });
  auto join = [](const std::vector<std::string>& list, std::string_view sep) {
    std::string out;
    for (const std::string& s : list) {
      out += (out.empty() ? "" : std::string(sep)) + s;
    }
    return out;
  };
  auto date = [](const std::optional<int64_t>& ms, bool end) {
    return ms ? internal::FormatLocalDate(*ms - (end ? 1 : 0)) : std::string();
  };
  std::vector<Sheet> sheets;
  const std::pair<std::string_view, std::vector<std::string>> kLayout[] = {
      {"faq",
       {"id", "title", "similar_questions", "body", "category", "tags", "visibility",
        "valid_from", "valid_to", "related_ids"}},
      {"phrase", {"id", "title", "shortcut", "body", "category", "tags", "visibility"}},
      {"link", {"id", "title", "url", "body", "category", "tags", "visibility"}},
      {"article",
       {"id", "title", "body", "category", "tags", "visibility", "valid_from", "valid_to"}},
      {"activity",
       {"id", "code", "title", "terms", "regions", "card_types", "valid_from", "valid_to",
        "sms_text", "body", "category", "tags", "visibility", "related_ids"}},
  };
  for (const auto& [kind, columns] : kLayout) {
    Sheet sheet;
    sheet.name = std::string(kind);
    sheet.rows.push_back({1, columns});
    int64_t line = 1;
    for (const Entry& e : entries) {
      if (e.kind != kind) {
        continue;
      }
      SheetRow row;
      row.line = ++line;
      for (const std::string& c : columns) {
        std::string v;
        if (c == "id") {
          v = std::to_string(e.id);
        } else if (c == "title") {
          v = e.title;
        } else if (c == "similar_questions") {
          v = join(e.similar_questions, "\n");
        } else if (c == "body") {
          v = e.body;
        } else if (c == "category") {
          v = e.category;
        } else if (c == "tags") {
          v = join(e.tags, ", ");
        } else if (c == "visibility") {
          v = e.visibility;
        } else if (c == "valid_from") {
          v = date(e.valid_from_ms, false);
        } else if (c == "valid_to") {
          v = date(e.valid_to_ms, true);
        } else if (c == "shortcut") {
          v = e.shortcut.value_or("");
        } else if (c == "url") {
          v = e.url.value_or("");
        } else if (c == "code") {
          v = e.code.value_or("");
        } else if (c == "terms") {
          v = e.terms.value_or("");
        } else if (c == "regions") {
          v = join(e.regions, ", ");
        } else if (c == "card_types") {
          v = join(e.card_types, ", ");
        } else if (c == "sms_text") {
          v = e.sms_text.value_or("");
        } else if (c == "related_ids") {
          std::vector<std::string> ids;
          for (int64_t id : e.related_ids) {
            ids.push_back(std::to_string(id));
          }
          v = join(ids, ", ");
        }
        row.cells.push_back(std::move(v));
      }
      sheet.rows.push_back(std::move(row));
    }
    sheets.push_back(std::move(sheet));
  }
  Sheet ec;
  ec.name = std::string(kErrorCodeKind);
  ec.rows.push_back({1, {"code", "reason", "advice", "channel", "category"}});
  int64_t line = 1;
  for (const ErrorCode& c : codes) {
    ec.rows.push_back({++line, {c.code, c.reason, c.advice, c.channel, c.category}});
  }
  sheets.push_back(std::move(ec));
  return WriteXlsx(sheets);
}

}  // namespace kefu::kb
