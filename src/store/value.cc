#include "kefu/store/value.h"

#include <string>

#include "kefu/core/check.h"

namespace kefu::store {

int64_t Value::AsInt64() const {
  KEFU_CHECK(is_int()) << "expected an integer, got " << DebugString();
  return std::get<int64_t>(v_);
}

double Value::AsDouble() const {
  if (is_int()) {
    return static_cast<double>(std::get<int64_t>(v_));
  }
  KEFU_CHECK(is_double()) << "expected a double, got " << DebugString();
  return std::get<double>(v_);
}

const std::string& Value::AsText() const {
  KEFU_CHECK(is_text()) << "expected text, got " << DebugString();
  return std::get<std::string>(v_);
}

const Blob& Value::AsBlob() const {
  KEFU_CHECK(is_blob()) << "expected a blob, got " << DebugString();
  return std::get<Blob>(v_);
}

std::string Value::DebugString() const {
  if (is_null()) {
    return "NULL";
  }
  if (is_int()) {
    return std::to_string(std::get<int64_t>(v_));
  }
  if (is_double()) {
    return std::to_string(std::get<double>(v_));
  }
  if (is_text()) {
    return "'" + std::get<std::string>(v_) + "'";
  }
  return "blob(" + std::to_string(std::get<Blob>(v_).bytes.size()) + " bytes)";
}

const Value& Row::at(size_t i) const {
  KEFU_CHECK(i < values_.size()) << "column " << i << " of " << values_.size();
  return values_[i];
}

const std::string& Row::column_name(size_t i) const {
  KEFU_CHECK(i < columns_->size()) << "column " << i << " of " << columns_->size();
  return (*columns_)[i];
}

size_t Row::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns_->size(); ++i) {
    if ((*columns_)[i] == name) {
      return i;
    }
  }
  KEFU_CHECK(false) << "no column named " << name;
  return 0;
}

std::optional<int64_t> Row::OptInt64(size_t i) const {
  if (IsNull(i)) {
    return std::nullopt;
  }
  return Int64(i);
}

std::optional<std::string> Row::OptText(size_t i) const {
  if (IsNull(i)) {
    return std::nullopt;
  }
  return Text(i);
}

}  // namespace kefu::store
