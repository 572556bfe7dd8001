#include "table_reader.h"

#include <unicode/ucnv.h>
#include <zip.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <pugixml.hpp>
#include <cstring>
#include <sstream>
#include <unordered_map>

#include "kefu/core/text.h"

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

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

Result<std::string> ReadZipEntry(zip_t* zip, const std::string& entry, bool required,
                                 const std::string& name) {
  zip_stat_t st;
  if (zip_stat(zip, entry.c_str(), 0, &st) != 0) {
    if (!required) {
      return std::string();
    }
    return InvalidArgumentError(name + ": not an .xlsx workbook (" + entry + " is missing)", "file");
  }
  zip_file_t* f = zip_fopen(zip, entry.c_str(), 0);
  if (f == nullptr) {
    return InvalidArgumentError(name + ": cannot read " + entry + " in the workbook", "file");
  }
  std::string out(st.size, '\0');
  zip_int64_t got = zip_fread(f, out.data(), st.size);
  zip_fclose(f);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
    return InvalidArgumentError(name + ": " + entry + " in the workbook is damaged", "file");
  }
  return out;
}

// "AB12" → 27 (0-based column 27 is AB).
int ColumnOf(std::string_view ref) {
  int col = 0;
  for (char c : ref) {
    if (c >= 'A' && c <= 'Z') {
      col = col * 26 + (c - 'A' + 1);
    } else {
      break;
    }
  }
  return col - 1;
}

std::string InlineText(const pugi::xml_node& node) {
  // <t>text</t> or rich text <r><t>a</t></r><r><t>b</t></r>; phonetic runs (<rPh>) are not text.
  std::string text;
  for (pugi::xml_node child : node.children()) {
    std::string_view n = child.name();
    if (n == "t") {
      text += child.text().get();
    } else if (n == "r") {
      text += child.child("t").text().get();
    }
  }
  return text;
}

// A number cell as written: Excel stores 13812345678 as "13812345678" but may store large
// integers as "1.3812345678E10"; those are written back as integers.
std::string NumberText(std::string_view raw) {
  if (raw.find_first_of("eE") != std::string_view::npos) {
    double d = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
    if (ec == std::errc() && std::floor(d) == d && std::fabs(d) < 1e17) {
      return std::to_string(static_cast<int64_t>(d));
    }
  }
  return std::string(raw);
}

class XlsxReader final : public TableReader {
 public:
  explicit XlsxReader(std::string name) : name_(std::move(name)) {}

  Status Init(const std::string& bytes) {
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (src == nullptr) {
      return InternalError("libzip: cannot wrap the upload");
    }
    zip_t* raw = zip_open_from_source(src, ZIP_RDONLY, &error);
    if (raw == nullptr) {
      zip_source_free(src);
      zip_error_fini(&error);
      return InvalidArgumentError(name_ + ": not an .xlsx workbook (not a zip file)", "file");
    }
    std::unique_ptr<zip_t, ZipCloser> zip(raw);
    KEFU_ASSIGN_OR_RETURN(std::string workbook, ReadZipEntry(raw, "xl/workbook.xml", true, name_));
    KEFU_ASSIGN_OR_RETURN(std::string rels,
                          ReadZipEntry(raw, "xl/_rels/workbook.xml.rels", true, name_));
    pugi::xml_document wb;
    pugi::xml_document rl;
    if (!wb.load_string(workbook.c_str()) || !rl.load_string(rels.c_str())) {
      return InvalidArgumentError(name_ + ": the workbook's index is not valid XML", "file");
    }
    pugi::xml_node sheet = wb.child("workbook").child("sheets").child("sheet");
    if (!sheet) {
      return InvalidArgumentError(name_ + ": the workbook has no worksheet", "file");
    }
    std::string rid = sheet.attribute("r:id").value();
    std::string target;
    for (pugi::xml_node rel : rl.child("Relationships").children("Relationship")) {
      if (rid == rel.attribute("Id").value()) {
        target = rel.attribute("Target").value();
      }
    }
    if (target.empty()) {
      return InvalidArgumentError(name_ + ": the first worksheet's part is not listed", "file");
    }
    target = target[0] == '/' ? target.substr(1) : "xl/" + target;
    KEFU_ASSIGN_OR_RETURN(std::string strings,
                          ReadZipEntry(raw, "xl/sharedStrings.xml", false, name_));
    if (!strings.empty()) {
      pugi::xml_document ss;
      if (!ss.load_string(strings.c_str())) {
        return InvalidArgumentError(name_ + ": the shared strings are not valid XML", "file");
      }
      for (pugi::xml_node si : ss.child("sst").children("si")) {
        shared_.push_back(InlineText(si));
      }
    }
    KEFU_ASSIGN_OR_RETURN(std::string sheet_xml, ReadZipEntry(raw, target, true, name_));
    // load_buffer_inplace_own needs a pugi-allocated buffer; copy the part into one.
    void* buffer = pugi::get_memory_allocation_function()(sheet_xml.size());
    std::memcpy(buffer, sheet_xml.data(), sheet_xml.size());
    if (!sheet_.load_buffer_inplace_own(buffer, sheet_xml.size())) {
      return InvalidArgumentError(name_ + ": the first worksheet is not valid XML", "file");
    }
    pugi::xml_node data = sheet_.child("worksheet").child("sheetData");
    for (pugi::xml_node r : data.children("row")) {
      (void)r;
      ++total_rows_;
    }
    next_ = data.child("row");
    TableRow row;
    KEFU_ASSIGN_OR_RETURN(bool any, Next(&row));
    if (!any) {
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
    while (next_) {
      pugi::xml_node r = next_;
      next_ = next_.next_sibling("row");
      ++done_rows_;
      int64_t line = r.attribute("r").as_llong(done_rows_);
      row->line = line;
      row->error.clear();
      row->cells.assign(header_.size(), std::string());
      int next_col = 0;
      for (pugi::xml_node c : r.children("c")) {
        const char* ref = c.attribute("r").value();
        int col = *ref ? ColumnOf(ref) : next_col;
        next_col = col + 1;
        if (col < 0 || col > 16383) {
          continue;
        }
        std::string_view type = c.attribute("t").value();
        std::string value;
        if (type == "s") {
          size_t index = c.child("v").text().as_ullong(SIZE_MAX);
          if (index >= shared_.size()) {
            return InvalidArgumentError(name_ + " row " + std::to_string(line) +
                                            ": a cell refers to a missing shared string",
                                        "file");
          }
          value = shared_[index];
        } else if (type == "inlineStr") {
          value = InlineText(c.child("is"));
        } else if (type == "str" || type == "e") {
          value = c.child("v").text().get();
        } else if (type == "b") {
          value = std::string_view(c.child("v").text().get()) == "1" ? "true" : "false";
        } else {
          value = NumberText(c.child("v").text().get());
        }
        if (static_cast<size_t>(col) >= row->cells.size()) {
          row->cells.resize(col + 1);
        }
        row->cells[col] = Trim(value);
      }
      if (!AllEmpty(row->cells)) {
        return true;
      }
    }
    return false;
  }

  int64_t progress_done() const override { return done_rows_; }
  int64_t progress_total() const override { return total_rows_; }
  std::string_view encoding() const override { return "xlsx"; }

 private:
  std::string name_;
  std::vector<std::string> shared_;
  pugi::xml_document sheet_;
  pugi::xml_node next_;
  std::vector<std::string> header_;
  int64_t total_rows_ = 0;
  int64_t done_rows_ = 0;
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
