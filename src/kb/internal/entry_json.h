#pragma once

// Private to the kb module: the Boost.JSON side of EntryToJson / EntryFromJson, shared by the
// service (versions) and the import/export.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kefu/kb/knowledge_base.h"

namespace kefu::kb::internal {

boost::json::object EntryObject(const Entry& e);
// {"code","reason","advice","channel","category","updated_ms"}: an error code in files and in
// error_code_versions.
boost::json::object ErrorCodeObject(const ErrorCode& c);
// Applies the object's known fields onto `base`; kInvalidArgument naming a mistyped field.
Result<Entry> EntryFromObject(const boost::json::object& o, Entry base);
Result<std::vector<std::string>> StringList(const boost::json::value& v, std::string_view key);
boost::json::array Strings(const std::vector<std::string>& list);
boost::json::value OptString(const std::optional<std::string>& s);
boost::json::value OptInt(const std::optional<int64_t>& v);

}  // namespace kefu::kb::internal
