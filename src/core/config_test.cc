#include "kefu/core/config.h"
#include "kefu/core/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace kefu {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_.File("kefu.toml");
    std::ofstream(path) << text;
    return path;
  }
  kefu::testing::TempDir dir_;
};

TEST_F(ConfigTest, DefaultsNeedNothing) {
  ConfigSources sources;
  sources.file = "";
  Result<Config> c = Config::Load(sources);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->GetString("db.url"), "sqlite:var/kefu.db");
  EXPECT_EQ(c->GetInt("node.id"), 0);
  EXPECT_TRUE(c->GetBool("db.sqlite_group_commit"));
  EXPECT_EQ(c->Source("db.url"), "default");
}

TEST_F(ConfigTest, PrecedenceFileThenEnvThenFlags) {
  std::string path = Write(
      "[db]\nurl = \"sqlite:/tmp/file.db\"\nsqlite_readers = 2\n[log]\nlevel = \"debug\"\n"
      "[node]\nid = 5\n");
  ConfigSources sources;
  sources.file = path;
  sources.environment = {"KEFU_DB_URL=sqlite:/tmp/env.db", "KEFU_NODE_ID=9", "PATH=/bin"};
  sources.overrides = {{"db.url", "postgresql://flag@127.0.0.1/kefu"}};
  Result<Config> c = Config::Load(sources);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->GetString("db.url"), "postgresql://flag@127.0.0.1/kefu");
  EXPECT_EQ(c->Source("db.url"), "flag");
  EXPECT_EQ(c->GetInt("node.id"), 9);
  EXPECT_EQ(c->Source("node.id"), "env KEFU_NODE_ID");
  EXPECT_EQ(c->GetInt("db.sqlite_readers"), 2);
  EXPECT_EQ(c->Source("db.sqlite_readers"), path);
  EXPECT_EQ(c->GetString("log.level"), "debug");
}

TEST_F(ConfigTest, UnknownKeyInFileNamesFileAndKey) {
  std::string path = Write("[db]\nurll = \"x\"\n");
  ConfigSources sources;
  sources.file = path;
  Result<Config> c = Config::Load(sources);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("db.urll"), std::string::npos);
  EXPECT_NE(c.status().message().find(path), std::string::npos);
}

TEST_F(ConfigTest, BadValuesAreRejectedWithTheirSource) {
  ConfigSources sources;
  sources.environment = {"KEFU_NODE_ID=abc"};
  Result<Config> c = Config::Load(sources);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("KEFU_NODE_ID"), std::string::npos);

  sources.environment = {"KEFU_LOG_FORMAT=xml"};
  c = Config::Load(sources);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("text|json"), std::string::npos);

  sources.environment = {};
  sources.overrides = {{"nope.key", "1"}};
  EXPECT_EQ(Config::Load(sources).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, SyntaxErrorNamesLine) {
  std::string path = Write("[db]\nurl = \n");
  ConfigSources sources;
  sources.file = path;
  Result<Config> c = Config::Load(sources);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(path + ":2"), std::string::npos) << c.status().message();
}

TEST_F(ConfigTest, MissingExplicitFile) {
  ConfigSources sources;
  sources.file = dir_.File("missing.toml");
  EXPECT_EQ(Config::Load(sources).status().code(), StatusCode::kNotFound);
}

TEST_F(ConfigTest, EverySettingIsDocumentedAndDescribed) {
  Config c = Config::Defaults();
  std::string text = c.Describe();
  for (const SettingInfo& s : AllSettings()) {
    EXPECT_FALSE(s.help.empty()) << s.key;
    EXPECT_NE(text.find(std::string(s.key)), std::string::npos) << s.key;
  }
  EXPECT_NE(text.find("KEFU_DB_URL"), std::string::npos);
}

TEST_F(ConfigTest, SecretIsNotPrinted) {
  ConfigSources sources;
  sources.environment = {"KEFU_PII_KEY=super-secret-value"};
  Result<Config> c = Config::Load(sources);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->GetString("pii.key"), "super-secret-value");
  EXPECT_EQ(c->Describe().find("super-secret-value"), std::string::npos);
}

}  // namespace
}  // namespace kefu
