#include "kefu/store/value.h"

#include <gtest/gtest.h>

namespace kefu::store {
namespace {

TEST(ValueTest, TypesFromConstructors) {
  EXPECT_TRUE(Value().is_null());
  EXPECT_TRUE(Value(nullptr).is_null());
  EXPECT_TRUE(Value(std::optional<int64_t>()).is_null());
  EXPECT_EQ(Value(std::optional<int64_t>(5)).AsInt64(), 5);
  EXPECT_EQ(Value(42).AsInt64(), 42);
  EXPECT_EQ(Value(true).AsInt64(), 1);
  EXPECT_EQ(Value("文本").AsText(), "文本");
  EXPECT_EQ(Value(std::string_view("abc")).AsText(), "abc");
  EXPECT_DOUBLE_EQ(Value(1.5).AsDouble(), 1.5);
  EXPECT_DOUBLE_EQ(Value(int64_t{3}).AsDouble(), 3.0);
  EXPECT_EQ(Value(Blob{"\x01\x02"}).AsBlob().bytes, "\x01\x02");
  EXPECT_EQ(Value(7).DebugString(), "7");
  EXPECT_EQ(Value("x").DebugString(), "'x'");
}

TEST(RowTest, AccessByIndexAndName) {
  auto columns = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"id", "name", "owner"});
  Row row(columns, {Value(1), Value("张三"), Value()});
  EXPECT_EQ(row.size(), 3u);
  EXPECT_EQ(row.Int64("id"), 1);
  EXPECT_EQ(row.Text("name"), "张三");
  EXPECT_TRUE(row.IsNull("owner"));
  EXPECT_EQ(row.OptInt64(2), std::nullopt);
  EXPECT_EQ(row.ColumnIndex("owner"), 2u);
}

TEST(RowDeathTest, TypeMismatchIsABug) {
  auto columns = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"a"});
  Row row(columns, {Value("text")});
  EXPECT_DEATH((void)row.Int64(0), "expected an integer");
}

}  // namespace
}  // namespace kefu::store
