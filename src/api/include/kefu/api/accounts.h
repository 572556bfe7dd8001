#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kefu/api/audit.h"
#include "kefu/api/rbac.h"
#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::api {

struct User {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kAgent;
  std::optional<int64_t> team_id;
  std::optional<int64_t> agent_id;
  std::string status;  // "active" or "disabled"
  int64_t created_ms = 0;
};

struct NewUser {
  std::string username;      // 2–32 of [a-z0-9_.-], stored lower-case
  std::string display_name;  // 1–64 characters
  Role role = Role::kAgent;
  std::optional<int64_t> team_id;
  std::optional<int64_t> agent_id;
  std::string password;  // empty: no password login until one is set
};

// Who is calling, once authenticated: a browser session or an integration token.
struct AuthContext {
  User user;                             // for tokens: a synthetic user named "token:<name>"
  std::vector<Permission> permissions;   // from the role, or the token's scopes
  std::string csrf_token;                // browser sessions only
  bool via_token = false;
  int64_t session_id = 0;                // or token id

  bool Has(Permission p) const;
  Actor ToActor(std::string ip) const;
};

enum class LoginFailure { kNone, kInvalidCredentials, kLocked, kDisabled };

struct LoginResult {
  LoginFailure failure = LoginFailure::kNone;
  int64_t locked_until_ms = 0;  // kLocked: when a new attempt may succeed
  AuthContext auth;             // kNone only
  std::string session_token;    // kNone only: goes into the HttpOnly cookie
};

struct AccountsOptions {
  int64_t session_idle_ms = 30 * 60 * 1000;
  int64_t session_max_ms = 12 * 60 * 60 * 1000;
  int lockout_failures = 5;
  int64_t lockout_window_ms = 15 * 60 * 1000;
  size_t min_password_length = 10;
  // argon2id cost: libsodium's INTERACTIVE limits by default (2 passes, 64 MiB).
  uint64_t argon2_ops = 2;
  size_t argon2_mem_bytes = 64u << 20;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::vector<Permission> scopes;
  int64_t created_ms = 0;
  std::optional<int64_t> last_used_ms;
  std::optional<int64_t> revoked_ms;
};

// Users, passwords (argon2id), browser sessions with CSRF tokens, lockout, and integration API
// tokens. Every change and every login attempt is audited. Sessions are cached in memory for a
// few seconds so an authenticated request costs no database write (last-seen is written at
// most once a minute). Thread-safe.
class Accounts {
 public:
  Accounts(store::Database* db, const Clock* clock, IdGenerator* ids, AuditLog* audit,
           AccountsOptions options = {});

  // kInvalidArgument (field named) for a bad username, name or short password;
  // kAlreadyExists for a taken username.
  Result<User> CreateUser(const NewUser& user, const Actor& actor);
  Status SetPassword(int64_t user_id, std::string_view password, const Actor& actor);
  // Changes the caller's own password after checking the current one.
  Status ChangeOwnPassword(const AuthContext& auth, std::string_view current,
                           std::string_view fresh, const std::string& ip);
  // Disabling also ends the user's sessions.
  Status SetDisabled(int64_t user_id, bool disabled, const Actor& actor);
  Result<User> GetUser(int64_t id);
  Result<User> FindUser(std::string_view username);
  Result<Page<User>> ListUsers(const std::string& cursor, int limit);

  // Checks a password (argon2id), applies the lockout rule, audits the attempt and on success
  // opens a session with a fresh id and CSRF token. Errors are for the database only; a wrong
  // password is a LoginResult with a failure.
  Result<LoginResult> Login(std::string_view username, std::string_view password,
                            const std::string& ip, const std::string& user_agent);
  // kUnauthenticated when the token is unknown, expired or idle too long.
  Result<AuthContext> AuthenticateSession(std::string_view session_token);
  Status Logout(const AuthContext& auth, std::string_view session_token, const std::string& ip);

  // Returns the token's id and the secret (shown once; only its hash is stored).
  Result<std::pair<ApiToken, std::string>> CreateToken(std::string_view name,
                                                       const std::vector<Permission>& scopes,
                                                       const Actor& actor);
  Status RevokeToken(int64_t token_id, const Actor& actor);
  Result<Page<ApiToken>> ListTokens(const std::string& cursor, int limit);
  // kUnauthenticated for an unknown or revoked token.
  Result<AuthContext> AuthenticateToken(std::string_view secret);

  const AccountsOptions& options() const { return options_; }

  // Exposed for tests and the CLI.
  static std::string Sha256Hex(std::string_view data);
  static std::string RandomToken(size_t bytes);  // base64url without padding

 private:
  struct CachedSession {
    AuthContext auth;
    int64_t last_seen_ms;     // in memory, exact
    int64_t db_last_seen_ms;  // what the database holds
    int64_t expires_ms;
    int64_t checked_ms;       // when it was last read from the database
  };
  Result<std::string> HashPassword(std::string_view password) const;
  Status CheckPassword(std::string_view password) const;
  void DropCachedSessionsOf(int64_t user_id);

  store::Database* db_;
  const Clock* clock_;
  IdGenerator* ids_;
  AuditLog* audit_;
  AccountsOptions options_;
  std::string dummy_hash_;  // verified against for unknown users, so timing reveals nothing

  std::mutex mu_;
  std::unordered_map<std::string, CachedSession> sessions_;  // by token hash; guarded by mu_
};

}  // namespace kefu::api
