#include "kefu/core/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "kefu/core/result.h"

namespace kefu {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) {
    return InvalidArgumentError("must be positive", "v");
  }
  return v;
}

Result<int> Doubled(int v) {
  KEFU_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status CheckBoth(int a, int b) {
  KEFU_RETURN_IF_ERROR(ParsePositive(a));
  KEFU_RETURN_IF_ERROR(ParsePositive(b).status());
  return OkStatus();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CarriesCodeMessageAndField) {
  Status s = InvalidArgumentError("bad mobile", "mobile");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.field(), "mobile");
  EXPECT_EQ(s.ToString(), "INVALID_ARGUMENT: bad mobile [field: mobile]");
  EXPECT_EQ(s.WithContext("row 3").message(), "row 3: bad mobile");
  EXPECT_EQ(s.WithContext("row 3").field(), "mobile");
  EXPECT_TRUE(OkStatus().WithContext("x").ok());
}

TEST(StatusTest, EveryCodeHasAName) {
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(NotFoundError("x").code(), StatusCode::kNotFound);
  EXPECT_EQ(AbortedError("x").code(), StatusCode::kAborted);
  EXPECT_EQ(InternalError("x").code(), StatusCode::kInternal);
}

TEST(ResultTest, ValueAndError) {
  Result<int> ok = Doubled(21);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  Result<int> bad = Doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().field(), "v");
  EXPECT_EQ(bad.value_or(7), 7);
}

TEST(ResultTest, ReturnIfErrorPropagatesFirstFailure) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  EXPECT_EQ(CheckBoth(1, -2).code(), StatusCode::kInvalidArgument);
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(ResultDeathTest, ValueOfErrorIsABug) {
  Result<int> bad = InvalidArgumentError("nope");
  EXPECT_DEATH((void)bad.value(), "nope");
}

}  // namespace
}  // namespace kefu
