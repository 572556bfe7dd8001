#pragma once

// A minimal .xlsx reader and writer (libzip + pugixml): every sheet, every cell as text. The
// customer import reads the first sheet, the knowledge base imports and exports workbooks.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/core/result.h"

namespace kefu {

struct SheetRow {
  int64_t line = 0;  // the spreadsheet row number (1 = the header)
  std::vector<std::string> cells;
};

struct Sheet {
  std::string name;
  std::vector<SheetRow> rows;  // including the header row; blank rows are left out
};

// Reads every worksheet of a workbook, in workbook order. kInvalidArgument when the bytes are
// not an .xlsx workbook.
Result<std::vector<Sheet>> ReadXlsx(std::string_view bytes);

// Writes a workbook with one worksheet per sheet (cells as inline strings; sheet names of at
// most 31 characters). kInternal when libzip fails.
Result<std::string> WriteXlsx(const std::vector<Sheet>& sheets);

}  // namespace kefu
