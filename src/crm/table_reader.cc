#include "table_reader.h"

#include <unicode/ucnv.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "kefu/core/text.h"
#include "kefu/core/xlsx.h"

namespace kefu::crm {
namespace {

std::string Extension(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) {
    return {};
  }
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return ext;
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) {
    ++b;
  }
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

bool AllEmpty(const std::vector<std::string>& cells) {
  for (const std::string& c : cells) {
    if (!c.empty()) {
      return false;
    }
  }
  return true;
}

// GB18030 (a superset of GBK and GB2312, what Excel on a Chinese Windows writes as "CSV") to
// UTF-8 with ICU. Invalid sequences are an error naming the byte offset's line.
Result<std::string> Gb18030ToUtf8(std::string_view bytes, const std::string& name) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* from = ucnv_open("GB18030", &status);
  if (U_FAILURE(status)) {
    return InternalError("GB18030 converter unavailable: " + std::string(u_errorName(status)));
  }
  ucnv_setToUCallBack(from, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  UConverter* to = ucnv_open("UTF-8", &status);
  std::string out(bytes.size() * 3 / 2 + 16, '\0');
  char* target = out.data();
  const char* source = bytes.data();
  UChar pivot[1024];
  UChar* pivot_source = pivot;
  UChar* pivot_target = pivot;
  while (true) {
    status = U_ZERO_ERROR;
    ucnv_convertEx(to, from, &target, out.data() + out.size(), &source,
                   bytes.data() + bytes.size(), pivot, &pivot_source, &pivot_target,
                   pivot + 1024, false, true, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      size_t used = target - out.data();
      out.resize(out.size() * 2);
      target = out.data() + used;
      continue;
    }
    break;
  }
  ucnv_close(from);
  ucnv_close(to);
  if (U_FAILURE(status)) {
    size_t offset = source - bytes.data();
    int64_t line = 1 + std::count(bytes.begin(), bytes.begin() + std::min(offset, bytes.size()), '\n');
    return InvalidArgumentError(name + " line " + std::to_string(line) +
                                    ": neither UTF-8 nor GB18030 text (save the file as CSV UTF-8)",
                                "file");
  }
  out.resize(target - out.data());
  return out;
}

// ---- CSV ------------------------------------------------------------------------------------

class CsvReader final : public TableReader {
 public:
  CsvReader(std::string name, std::string text, std::string encoding)
      : name_(std::move(name)), text_(std::move(text)), encoding_(std::move(encoding)) {}

  Status Init() {
    if (text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) {
      pos_ = 3;
    }
    size_t eol = text_.find('\n', pos_);
    std::string_view first(text_.data() + pos_,
                           (eol == std::string::npos ? text_.size() : eol) - pos_);
    if (first.find(',') == std::string_view::npos && first.find('\t') != std::string_view::npos) {
      sep_ = '\t';
    }
    TableRow row;
    KEFU_ASSIGN_OR_RETURN(bool any, ReadRecord(&row));
    if (!any || AllEmpty(row.cells)) {
      return InvalidArgumentError(name_ + ": no header row (the first row names the columns)",
                                  "file");
    }
    for (std::string& c : row.cells) {
      header_.push_back(Trim(c));
    }
    return OkStatus();
  }

  const std::vector<std::string>& header() const override { return header_; }

  Result<bool> Next(TableRow* row) override {
    while (true) {
      KEFU_ASSIGN_OR_RETURN(bool any, ReadRecord(row));
      if (!any) {
        return false;
      }
      if (!AllEmpty(row->cells)) {
        return true;
      }
    }
  }

  int64_t progress_done() const override { return static_cast<int64_t>(pos_); }
  int64_t progress_total() const override { return static_cast<int64_t>(text_.size()); }
  std::string_view encoding() const override { return encoding_; }

 private:
  // One RFC 4180 record: fields separated by sep_, optionally "quoted" with "" for a quote;
  // quoted fields may span lines. Unquoted fields are trimmed.
  Result<bool> ReadRecord(TableRow* row) {
    row->cells.clear();
    row->error.clear();
    if (pos_ >= text_.size()) {
      return false;
    }
    row->line = line_;
    std::string field;
    bool quoted = false;
    bool was_quoted = false;
    const size_t n = text_.size();
    while (pos_ < n) {
      char c = text_[pos_];
      if (quoted) {
        if (c == '"') {
          if (pos_ + 1 < n && text_[pos_ + 1] == '"') {
            field.push_back('"');
            pos_ += 2;
            continue;
          }
          quoted = false;
          ++pos_;
          continue;
        }
        if (c == '\n') {
          ++line_;
        }
        field.push_back(c);
        ++pos_;
        continue;
      }
      if (c == '"' && Trim(field).empty() && !was_quoted) {
        field.clear();
        quoted = true;
        was_quoted = true;
        ++pos_;
        continue;
      }
      if (c == sep_) {
        row->cells.push_back(was_quoted ? std::move(field) : Trim(field));
        field.clear();
        was_quoted = false;
        ++pos_;
        continue;
      }
      if (c == '\n' || c == '\r') {
        ++pos_;
        if (c == '\r' && pos_ < n && text_[pos_] == '\n') {
          ++pos_;
        }
        ++line_;
        row->cells.push_back(was_quoted ? std::move(field) : Trim(field));
        return true;
      }
      field.push_back(c);
      ++pos_;
    }
    if (quoted) {
      return InvalidArgumentError(
          name_ + " line " + std::to_string(row->line) + ": a quoted field is never closed",
          "file");
    }
    row->cells.push_back(was_quoted ? std::move(field) : Trim(field));
    return true;
  }

  std::string name_;
  std::string text_;
  std::string encoding_;
  std::vector<std::string> header_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  char sep_ = ',';
};

// ---- JSON lines -----------------------------------------------------------------------------

std::string JsonScalar(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::string:
      return std::string(v.get_string());
    case boost::json::kind::int64:
      return std::to_string(v.get_int64());
    case boost::json::kind::uint64:
      return std::to_string(v.get_uint64());
    case boost::json::kind::double_: {
      double d = v.get_double();
      if (std::floor(d) == d && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<int64_t>(d));
      }
      std::ostringstream out;
      out << d;
      return out.str();
    }
    case boost::json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case boost::json::kind::null:
      return {};
    case boost::json::kind::array: {
      std::string joined;
      for (const boost::json::value& item : v.get_array()) {
        if (!joined.empty()) {
          joined += ',';
        }
        joined += JsonScalar(item);
      }
      return joined;
    }
    case boost::json::kind::object:
      return boost::json::serialize(v);
  }
  return {};
}

class JsonlReader final : public TableReader {
 public:
  JsonlReader(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {}

  const std::vector<std::string>& header() const override { return header_; }

  Result<bool> Next(TableRow* row) override {
    while (pos_ < text_.size()) {
      size_t eol = text_.find('\n', pos_);
      if (eol == std::string::npos) {
        eol = text_.size();
      }
      std::string_view line(text_.data() + pos_, eol - pos_);
      pos_ = eol + 1;
      ++line_;
      if (line_ == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") {
        line.remove_prefix(3);
      }
      if (Trim(line).empty()) {
        continue;
      }
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(line, ec);
      row->line = line_;
      row->cells.assign(header_.size(), std::string());
      row->error.clear();
      if (ec || !v.is_object()) {
        row->error = "不是 JSON 对象 (not a JSON object: " +
                     (ec ? ec.message() : std::string("wrong type")) + ")";
        return true;
      }
      for (const auto& [key, value] : v.get_object()) {
        auto it = columns_.find(std::string(key));
        size_t col;
        if (it == columns_.end()) {
          col = header_.size();
          header_.emplace_back(key);
          columns_.emplace(std::string(key), col);
          row->cells.emplace_back();
        } else {
          col = it->second;
        }
        row->cells[col] = JsonScalar(value);
      }
      return true;
    }
    return false;
  }

  int64_t progress_done() const override { return static_cast<int64_t>(std::min(pos_, text_.size())); }
  int64_t progress_total() const override { return static_cast<int64_t>(text_.size()); }
  std::string_view encoding() const override { return "jsonl"; }

 private:
  std::string name_;
  std::string text_;
  std::vector<std::string> header_;
  std::unordered_map<std::string, size_t> columns_;
  size_t pos_ = 0;
  int64_t line_ = 0;
};

// ---- XLSX -----------------------------------------------------------------------------------

// The first worksheet of a workbook read by core's xlsx reader: its first row is the header.
class XlsxReader final : public TableReader {
 public:
  explicit XlsxReader(std::string name) : name_(std::move(name)) {}

  Status Init(const std::string& bytes) {
    Result<std::vector<Sheet>> sheets = ReadXlsx(bytes);
    if (!sheets.ok()) {
      return InvalidArgumentError(name_ + ": " + sheets.status().message(), "file");
    }
    rows_ = std::move(sheets->front().rows);
    if (rows_.empty()) {
      return InvalidArgumentError(name_ + ": no header row (the first row names the columns)",
                                  "file");
    }
    header_ = std::move(rows_.front().cells);
    next_ = 1;
    return OkStatus();
  }

  const std::vector<std::string>& header() const override { return header_; }

  Result<bool> Next(TableRow* row) override {
    if (next_ >= rows_.size()) {
      return false;
    }
    SheetRow& r = rows_[next_++];
    row->line = r.line;
    row->error.clear();
    row->cells = std::move(r.cells);
    if (row->cells.size() < header_.size()) {
      row->cells.resize(header_.size());
    }
    return true;
  }

  int64_t progress_done() const override { return static_cast<int64_t>(next_); }
  int64_t progress_total() const override { return static_cast<int64_t>(rows_.size()); }
  std::string_view encoding() const override { return "xlsx"; }

 private:
  std::string name_;
  std::vector<SheetRow> rows_;  // the header first; blank rows already left out
  std::vector<std::string> header_;
  size_t next_ = 0;
};

}  // namespace

Result<std::unique_ptr<TableReader>> OpenTableBytes(std::string name, std::string bytes) {
  std::string ext = Extension(name);
  if (ext == "csv" || ext == "txt" || ext == "tsv") {
    std::string encoding = "UTF-8";
    if (!text::IsValidUtf8(bytes)) {
      KEFU_ASSIGN_OR_RETURN(bytes, Gb18030ToUtf8(bytes, name));
      encoding = "GB18030";
    }
    auto reader = std::make_unique<CsvReader>(name, std::move(bytes), encoding);
    KEFU_RETURN_IF_ERROR(reader->Init());
    return std::unique_ptr<TableReader>(std::move(reader));
  }
  if (ext == "jsonl" || ext == "ndjson") {
    if (!text::IsValidUtf8(bytes)) {
      return InvalidArgumentError(name + ": JSON lines must be UTF-8", "file");
    }
    return std::unique_ptr<TableReader>(std::make_unique<JsonlReader>(name, std::move(bytes)));
  }
  if (ext == "xlsx") {
    auto reader = std::make_unique<XlsxReader>(name);
    KEFU_RETURN_IF_ERROR(reader->Init(bytes));
    return std::unique_ptr<TableReader>(std::move(reader));
  }
  if (ext == "xls") {
    return InvalidArgumentError(
        name + ": the old Excel 97 format (.xls) is not read; save it as .xlsx or CSV", "file");
  }
  return InvalidArgumentError(name + ": unknown file type '." + ext +
                                  "' (expected .xlsx, .csv or .jsonl)",
                              "file");
}

Result<std::unique_ptr<TableReader>> OpenTable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError(path + ": no such file");
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return OpenTableBytes(path, std::move(bytes));
}

}  // namespace kefu::crm
