#include "kefu/core/xlsx.h"

#include <zip.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <pugixml.hpp>

namespace kefu {
namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

Result<std::string> ReadEntry(zip_t* zip, const std::string& entry, bool required) {
  zip_stat_t st;
  if (zip_stat(zip, entry.c_str(), 0, &st) != 0) {
    if (!required) {
      return std::string();
    }
    return InvalidArgumentError("not an .xlsx workbook (" + entry + " is missing)", "file");
  }
  zip_file_t* f = zip_fopen(zip, entry.c_str(), 0);
  if (f == nullptr) {
    return InvalidArgumentError("cannot read " + entry + " in the workbook", "file");
  }
  std::string out(st.size, '\0');
  zip_int64_t got = zip_fread(f, out.data(), st.size);
  zip_fclose(f);
  if (got < 0 || static_cast<zip_uint64_t>(got) != st.size) {
    return InvalidArgumentError(entry + " in the workbook is damaged", "file");
  }
  return out;
}

int ColumnOf(std::string_view ref) {
  int col = 0;
  for (char c : ref) {
    if (c < 'A' || c > 'Z') {
      break;
    }
    col = col * 26 + (c - 'A' + 1);
  }
  return col - 1;
}

std::string ColumnName(size_t col) {
  std::string name;
  for (size_t n = col + 1; n > 0; n = (n - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return name;
}

std::string InlineText(const pugi::xml_node& node) {
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

std::string NumberText(std::string_view raw) {
  if (raw.find_first_of("eE.") != std::string_view::npos) {
    double d = 0;
    auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), d);
    if (ec == std::errc() && std::floor(d) == d && std::fabs(d) < 1e17) {
      return std::to_string(static_cast<int64_t>(d));
    }
  }
  return std::string(raw);
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 forbids most control characters; tab, newline and CR stay.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

Result<std::vector<Sheet>> ReadXlsx(std::string_view bytes) {
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
    return InvalidArgumentError("not an .xlsx workbook (not a zip file)", "file");
  }
  std::unique_ptr<zip_t, ZipCloser> zip(raw);
  KEFU_ASSIGN_OR_RETURN(std::string workbook, ReadEntry(raw, "xl/workbook.xml", true));
  KEFU_ASSIGN_OR_RETURN(std::string rels, ReadEntry(raw, "xl/_rels/workbook.xml.rels", true));
  pugi::xml_document wb;
  pugi::xml_document rl;
  if (!wb.load_string(workbook.c_str()) || !rl.load_string(rels.c_str())) {
    return InvalidArgumentError("the workbook's index is not valid XML", "file");
  }
  std::vector<std::string> shared;
  KEFU_ASSIGN_OR_RETURN(std::string strings, ReadEntry(raw, "xl/sharedStrings.xml", false));
  if (!strings.empty()) {
    pugi::xml_document ss;
    if (!ss.load_string(strings.c_str())) {
      return InvalidArgumentError("the shared strings are not valid XML", "file");
    }
    for (pugi::xml_node si : ss.child("sst").children("si")) {
      shared.push_back(InlineText(si));
    }
  }
  std::vector<Sheet> out;
  for (pugi::xml_node sheet : wb.child("workbook").child("sheets").children("sheet")) {
    std::string rid = sheet.attribute("r:id").value();
    std::string target;
    for (pugi::xml_node rel : rl.child("Relationships").children("Relationship")) {
      if (rid == rel.attribute("Id").value()) {
        target = rel.attribute("Target").value();
      }
    }
    if (target.empty()) {
      continue;
    }
    target = target[0] == '/' ? target.substr(1) : "xl/" + target;
    KEFU_ASSIGN_OR_RETURN(std::string xml, ReadEntry(raw, target, true));
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size())) {
      return InvalidArgumentError(std::string("worksheet ") + sheet.attribute("name").value() +
                                      " is not valid XML",
                                  "file");
    }
    Sheet s;
    s.name = sheet.attribute("name").value();
    int64_t counter = 0;
    for (pugi::xml_node r : doc.child("worksheet").child("sheetData").children("row")) {
      ++counter;
      SheetRow row;
      row.line = r.attribute("r").as_llong(counter);
      counter = row.line;
      int next_col = 0;
      bool any = false;
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
          size_t i = c.child("v").text().as_ullong(SIZE_MAX);
          if (i >= shared.size()) {
            return InvalidArgumentError(
                s.name + " row " + std::to_string(row.line) + ": a missing shared string",
                "file");
          }
          value = shared[i];
        } else if (type == "inlineStr") {
          value = InlineText(c.child("is"));
        } else if (type == "str" || type == "e") {
          value = c.child("v").text().get();
        } else if (type == "b") {
          value = std::string_view(c.child("v").text().get()) == "1" ? "true" : "false";
        } else {
          value = NumberText(c.child("v").text().get());
        }
        if (static_cast<size_t>(col) >= row.cells.size()) {
          row.cells.resize(col + 1);
        }
        row.cells[col] = Trim(std::move(value));
        any = any || !row.cells[col].empty();
      }
      if (any) {
        s.rows.push_back(std::move(row));
      }
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) {
    return InvalidArgumentError("the workbook has no worksheet", "file");
  }
  return out;
}

Result<std::string> WriteXlsx(const std::vector<Sheet>& sheets) {
  // libzip reads the parts at zip_close; a deque keeps every part at a stable address.
  std::deque<std::string> parts;
  std::vector<std::pair<std::string, const std::string*>> files;
  auto add = [&](std::string name, std::string data) {
    parts.push_back(std::move(data));
    files.emplace_back(std::move(name), &parts.back());
  };
  std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>";
  std::string book =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>";
  std::string book_rels =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">";
  for (size_t i = 0; i < sheets.size(); ++i) {
    std::string n = std::to_string(i + 1);
    types += "<Override PartName=\"/xl/worksheets/sheet" + n +
             ".xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>";
    book += "<sheet name=\"" + XmlEscape(sheets[i].name.substr(0, 31)) + "\" sheetId=\"" + n +
            "\" r:id=\"rId" + n + "\"/>";
    book_rels += "<Relationship Id=\"rId" + n +
                 "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                 "worksheet\" Target=\"worksheets/sheet" +
                 n + ".xml\"/>";
    std::string xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        "<sheetData>";
    int64_t line = 0;
    for (const SheetRow& row : sheets[i].rows) {
      line = row.line > line ? row.line : line + 1;
      xml += "<row r=\"" + std::to_string(line) + "\">";
      for (size_t c = 0; c < row.cells.size(); ++c) {
        if (row.cells[c].empty()) {
          continue;
        }
        xml += "<c r=\"" + ColumnName(c) + std::to_string(line) +
               "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" + XmlEscape(row.cells[c]) +
               "</t></is></c>";
      }
      xml += "</row>";
    }
    xml += "</sheetData></worksheet>";
    add("xl/worksheets/sheet" + n + ".xml", std::move(xml));
  }
  types += "</Types>";
  book += "</sheets></workbook>";
  book_rels += "</Relationships>";
  add("[Content_Types].xml", std::move(types));
  add("_rels/.rels",
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" "
      "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
      "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
  add("xl/workbook.xml", std::move(book));
  add("xl/_rels/workbook.xml.rels", std::move(book_rels));

  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (out == nullptr) {
    return InternalError("libzip: cannot create a buffer");
  }
  zip_t* za = zip_open_from_source(out, ZIP_TRUNCATE, &error);
  if (za == nullptr) {
    zip_source_free(out);
    return InternalError("libzip: cannot open a buffer");
  }
  zip_source_keep(out);
  for (const auto& [name, data] : files) {
    zip_source_t* part = zip_source_buffer(za, data->data(), data->size(), 0);
    if (part == nullptr || zip_file_add(za, name.c_str(), part, ZIP_FL_ENC_UTF_8) < 0) {
      if (part != nullptr) {
        zip_source_free(part);
      }
      zip_discard(za);
      zip_source_free(out);
      return InternalError("libzip: cannot add " + name);
    }
  }
  if (zip_close(za) != 0) {
    zip_discard(za);
    zip_source_free(out);
    return InternalError("libzip: cannot write the workbook");
  }
  std::string bytes;
  if (zip_source_open(out) == 0) {
    zip_source_seek(out, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(out);
    zip_source_seek(out, 0, SEEK_SET);
    if (size > 0) {
      bytes.resize(static_cast<size_t>(size));
      zip_int64_t got = zip_source_read(out, bytes.data(), static_cast<zip_uint64_t>(size));
      if (got != size) {
        bytes.clear();
      }
    }
    zip_source_close(out);
  }
  zip_source_free(out);
  if (bytes.empty()) {
    return InternalError("libzip: the workbook came out empty");
  }
  return bytes;
}

}  // namespace kefu
