#include "kefu/api/accounts.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "kefu/core/testing/temp_dir.h"
#include "kefu/store/migrate.h"

namespace kefu::api {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(store::OpenDatabase(dir_.SqliteUrl())).value();
    ASSERT_TRUE(store::Migrate(*db_, store::KefuMigrations()).ok());
    AccountsOptions options;
    // Cheap hashing keeps the test fast; the cost parameters are not what is tested here.
    options.argon2_ops = 1;
    options.argon2_mem_bytes = 8192;
    audit_ = std::make_unique<AuditLog>(db_.get(), &clock_, &ids_);
    accounts_ = std::make_unique<Accounts>(db_.get(), &clock_, &ids_, audit_.get(), options);
  }
  void TearDown() override {
    accounts_.reset();
    db_.reset();
  }

  User Create(const std::string& name, Role role = Role::kAgent) {
    NewUser u;
    u.username = name;
    u.display_name = "座席" + name;
    u.role = role;
    u.password = "correct-horse-1";
    auto user = accounts_->CreateUser(u, actor_);
    EXPECT_TRUE(user.ok()) << user.status().ToString();
    return *user;
  }

  int64_t AuditCount(const std::string& action) {
    return *db_->QueryInt64("SELECT COUNT(*) FROM audit_log WHERE action = $1", {action});
  }

  kefu::testing::TempDir dir_;
  FakeClock clock_;
  IdGenerator ids_{&clock_, 1};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Accounts> accounts_;
  Actor actor_{std::nullopt, "test", "10.0.0.1"};
};

TEST_F(AccountsTest, CreateValidatesAndAudits) {
  User u = Create("Agent_01");
  EXPECT_EQ(u.username, "agent_01");
  EXPECT_EQ(AuditCount("user.create"), 1);
  NewUser bad;
  bad.username = "x y";
  bad.display_name = "n";
  EXPECT_EQ(accounts_->CreateUser(bad, actor_).status().field(), "username");
  bad.username = "short";
  bad.password = "123456789";  // nine characters
  EXPECT_EQ(accounts_->CreateUser(bad, actor_).status().field(), "password");
  bad.password = "";
  bad.username = "agent_01";
  EXPECT_EQ(accounts_->CreateUser(bad, actor_).status().code(), StatusCode::kAlreadyExists);
  // The password is stored as argon2id, never in clear.
  auto hash = db_->Query("SELECT password_hash FROM users WHERE username = 'agent_01'");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE((*hash)[0].Text(0).starts_with("$argon2id$"));
}

TEST_F(AccountsTest, LoginOpensASessionThatIdlesOut) {
  Create("wang");
  auto login = accounts_->Login("WANG", "correct-horse-1", "10.0.0.2", "test");
  ASSERT_TRUE(login.ok());
  ASSERT_EQ(login->failure, LoginFailure::kNone);
  EXPECT_FALSE(login->auth.csrf_token.empty());
  auto auth = accounts_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->user.username, "wang");
  // Activity keeps it alive; silence ends it.
  clock_.AdvanceMs(20 * 60'000);
  EXPECT_TRUE(accounts_->AuthenticateSession(login->session_token).ok());
  clock_.AdvanceMs(31 * 60'000);
  EXPECT_EQ(accounts_->AuthenticateSession(login->session_token).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->AuthenticateSession("made-up").status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(AccountsTest, FiveFailuresLockForFifteenMinutes) {
  Create("li");
  for (int i = 0; i < 5; ++i) {
    auto r = accounts_->Login("li", "wrong-password", "10.0.0.3", "");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->failure, LoginFailure::kInvalidCredentials);
    clock_.AdvanceMs(1000);
  }
  auto locked = accounts_->Login("li", "correct-horse-1", "10.0.0.3", "");
  ASSERT_TRUE(locked.ok());
  EXPECT_EQ(locked->failure, LoginFailure::kLocked);
  EXPECT_GT(locked->locked_until_ms, clock_.NowMs());
  clock_.SetMs(locked->locked_until_ms + 1);
  auto again = accounts_->Login("li", "correct-horse-1", "10.0.0.3", "");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->failure, LoginFailure::kNone);
  EXPECT_EQ(AuditCount("auth.login_failed"), 6);
  EXPECT_EQ(AuditCount("auth.login"), 1);
}

TEST_F(AccountsTest, SuccessResetsTheFailureCount) {
  Create("zhao");
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ(accounts_->Login("zhao", "nope-nope-nope", "", "")->failure,
                LoginFailure::kInvalidCredentials);
      clock_.AdvanceMs(10);
    }
    ASSERT_EQ(accounts_->Login("zhao", "correct-horse-1", "", "")->failure, LoginFailure::kNone);
    clock_.AdvanceMs(10);
  }
}

TEST_F(AccountsTest, DisableAndPasswordChangeEndSessions) {
  User u = Create("sun");
  auto login = accounts_->Login("sun", "correct-horse-1", "", "");
  ASSERT_TRUE(accounts_->AuthenticateSession(login->session_token).ok());
  ASSERT_TRUE(accounts_->SetPassword(u.id, "another-horse-2", actor_).ok());
  EXPECT_FALSE(accounts_->AuthenticateSession(login->session_token).ok());
  login = accounts_->Login("sun", "another-horse-2", "", "");
  ASSERT_EQ(login->failure, LoginFailure::kNone);
  ASSERT_TRUE(accounts_->SetDisabled(u.id, true, actor_).ok());
  EXPECT_FALSE(accounts_->AuthenticateSession(login->session_token).ok());
  EXPECT_EQ(accounts_->Login("sun", "another-horse-2", "", "")->failure, LoginFailure::kDisabled);
  // A wrong password on a disabled account says nothing about the account.
  EXPECT_EQ(accounts_->Login("sun", "wrong-horse-9", "", "")->failure,
            LoginFailure::kInvalidCredentials);
}

TEST_F(AccountsTest, TokensAreHashedScopedAndRevocable) {
  auto created = accounts_->CreateToken("核心系统", {Permission::kUsersRead}, actor_);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const std::string& secret = created->second;
  EXPECT_TRUE(secret.starts_with("kf_"));
  EXPECT_EQ(*db_->QueryInt64("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1",
                             {Accounts::Sha256Hex(secret)}),
            1);
  EXPECT_EQ(*db_->QueryInt64("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1", {secret}),
            0);
  auto auth = accounts_->AuthenticateToken(secret);
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(auth->Has(Permission::kUsersRead));
  EXPECT_FALSE(auth->Has(Permission::kUsersWrite));
  ASSERT_TRUE(accounts_->RevokeToken(created->first.id, actor_).ok());
  EXPECT_EQ(accounts_->AuthenticateToken(secret).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(accounts_->RevokeToken(created->first.id, actor_).code(), StatusCode::kNotFound);
  EXPECT_EQ(accounts_->CreateToken("x", {}, actor_).status().field(), "scopes");
}

TEST_F(AccountsTest, AuditLogIsAppendOnly) {
  Create("zhou");
  EXPECT_FALSE(db_->Exec("UPDATE audit_log SET actor_name = 'someone else'").ok());
  EXPECT_FALSE(db_->Exec("DELETE FROM audit_log").ok());
  EXPECT_EQ(AuditCount("user.create"), 1);
}

TEST_F(AccountsTest, ListUsersPages) {
  for (int i = 0; i < 7; ++i) {
    Create("user" + std::to_string(i));
  }
  std::string cursor;
  int seen = 0;
  int pages = 0;
  do {
    auto page = accounts_->ListUsers(cursor, 3);
    ASSERT_TRUE(page.ok());
    seen += static_cast<int>(page->items.size());
    cursor = page->next_cursor.value_or("");
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(accounts_->ListUsers("zz", 3).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kefu::api
