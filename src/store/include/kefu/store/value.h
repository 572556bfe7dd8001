#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kefu::store {

// Raw bytes, kept apart from text so that both backends store them as BLOB / BYTEA.
struct Blob {
  std::string bytes;
  friend bool operator==(const Blob&, const Blob&) = default;
};

// One SQL value: NULL, a 64-bit integer, a double, UTF-8 text or a blob. Money is int64 fen
// and times are int64 UTC milliseconds, so doubles are rare. Value type.
class Value {
 public:
  using Variant = std::variant<std::monostate, int64_t, double, std::string, Blob>;

  Value() = default;
  Value(std::nullptr_t) {}                                    // NOLINT: implicit by design
  Value(int64_t v) : v_(v) {}                                 // NOLINT
  Value(int v) : v_(int64_t{v}) {}                            // NOLINT
  Value(bool v) : v_(int64_t{v ? 1 : 0}) {}                   // NOLINT
  Value(double v) : v_(v) {}                                  // NOLINT
  Value(std::string v) : v_(std::move(v)) {}                  // NOLINT
  Value(std::string_view v) : v_(std::string(v)) {}           // NOLINT
  Value(const char* v) : v_(std::string(v)) {}                // NOLINT
  Value(Blob v) : v_(std::move(v)) {}                         // NOLINT
  template <typename T>
  Value(const std::optional<T>& v) {                          // NOLINT
    if (v) {
      *this = Value(*v);
    }
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_text() const { return std::holds_alternative<std::string>(v_); }
  bool is_blob() const { return std::holds_alternative<Blob>(v_); }

  // REQUIRES: the value holds that type (a type mismatch is a bug in the query).
  int64_t AsInt64() const;
  double AsDouble() const;  // also accepts an integer
  const std::string& AsText() const;
  const Blob& AsBlob() const;

  const Variant& variant() const { return v_; }
  std::string DebugString() const;
  friend bool operator==(const Value&, const Value&) = default;

 private:
  Variant v_;
};

using Params = std::vector<Value>;

// One result row: values by column index, with the column names shared by all rows of one
// result. Typed accessors check the type (a mismatch is a bug, not an error).
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const Value& at(size_t i) const;
  const std::string& column_name(size_t i) const;
  // REQUIRES: the result has a column of that name.
  size_t ColumnIndex(std::string_view name) const;

  bool IsNull(size_t i) const { return at(i).is_null(); }
  int64_t Int64(size_t i) const { return at(i).AsInt64(); }
  double Double(size_t i) const { return at(i).AsDouble(); }
  const std::string& Text(size_t i) const { return at(i).AsText(); }
  const Blob& GetBlob(size_t i) const { return at(i).AsBlob(); }
  std::optional<int64_t> OptInt64(size_t i) const;
  std::optional<std::string> OptText(size_t i) const;

  int64_t Int64(std::string_view name) const { return Int64(ColumnIndex(name)); }
  const std::string& Text(std::string_view name) const { return Text(ColumnIndex(name)); }
  bool IsNull(std::string_view name) const { return IsNull(ColumnIndex(name)); }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

}  // namespace kefu::store
