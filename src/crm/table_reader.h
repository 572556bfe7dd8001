#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/result.h"

namespace kefu::crm {

// One data row of a spreadsheet-like file. `line` is what a person sees: the spreadsheet row
// number (.xlsx), the line the record starts on (.csv, header = line 1) or the line (.jsonl).
struct TableRow {
  int64_t line = 0;
  std::vector<std::string> cells;  // UTF-8; as many as header() at the time it was read
  std::string error;  // set when this row alone cannot be read (a .jsonl line that is not JSON)
};

// Reads the rows of a customer file: .csv (UTF-8 with or without BOM, or GB18030, RFC 4180
// quoting, comma or tab separated), .xlsx (the first worksheet; shared and inline strings,
// numbers as written) or .jsonl (one JSON object per line; keys are the header, and a key
// first seen on a later line extends it). Not thread-safe.
class TableReader {
 public:
  virtual ~TableReader() = default;
  virtual const std::vector<std::string>& header() const = 0;
  // Reads the next data row into `row`: true, or false at the end. An error names the line.
  // A blank row is skipped.
  virtual Result<bool> Next(TableRow* row) = 0;
  // How far through the file the reader is, for a progress bar: done of total (bytes or rows).
  virtual int64_t progress_done() const = 0;
  virtual int64_t progress_total() const = 0;
  // "UTF-8", "GB18030", "xlsx" or "jsonl": what the reader decided the file is.
  virtual std::string_view encoding() const = 0;
};

// Opens `path` by its extension (.csv/.txt, .xlsx, .jsonl/.ndjson). kInvalidArgument for an
// unknown extension, a file that is not what its extension says, or one without a header;
// kNotFound when the file does not exist.
Result<std::unique_ptr<TableReader>> OpenTable(const std::string& path);

// The same readers over bytes already in memory (an upload); `name` gives the extension.
Result<std::unique_ptr<TableReader>> OpenTableBytes(std::string name, std::string bytes);

}  // namespace kefu::crm
