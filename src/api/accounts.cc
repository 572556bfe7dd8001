#include "kefu/api/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "kefu/core/text.h"

namespace kefu::api {
namespace {

// How long a cached session is trusted before it is read again (a logout or disable on
// another node takes effect within this time).
constexpr int64_t kRecheckMs = 5'000;
// last_seen_ms is written back at most this often; idle timeouts are minutes long.
constexpr int64_t kTouchEveryMs = 60'000;

constexpr const char* kUserColumns =
    "id, username, display_name, role, team_id, agent_id, status, created_ms";

User UserFromRow(const store::Row& r, size_t first = 0) {
  User u;
  u.id = r.Int64(first + 0);
  u.username = r.Text(first + 1);
  u.display_name = r.Text(first + 2);
  u.role = ParseRole(r.Text(first + 3)).value_or(Role::kAgent);
  u.team_id = r.OptInt64(first + 4);
  u.agent_id = r.OptInt64(first + 5);
  u.status = r.Text(first + 6);
  u.created_ms = r.Int64(first + 7);
  return u;
}

Result<std::string> NormalizeUsername(std::string_view raw) {
  std::string name;
  for (char c : raw) {
    name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (name.size() < 2 || name.size() > 32) {
    return InvalidArgumentError("username must have 2 to 32 characters", "username");
  }
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return InvalidArgumentError(
          "username may contain only letters a-z, digits, '_', '.' and '-'", "username");
    }
  }
  return name;
}

std::string JoinScopes(const std::vector<Permission>& scopes) {
  std::string out;
  for (Permission p : scopes) {
    if (!out.empty()) {
      out += ',';
    }
    out += PermissionName(p);
  }
  return out;
}

std::vector<Permission> SplitScopes(std::string_view text) {
  std::vector<Permission> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    if (auto p = ParsePermission(text.substr(0, comma))) {
      out.push_back(*p);
    }
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

}  // namespace

bool AuthContext::Has(Permission p) const {
  return std::find(permissions.begin(), permissions.end(), p) != permissions.end();
}

Actor AuthContext::ToActor(std::string ip) const {
  Actor a;
  if (!via_token) {
    a.user_id = user.id;
  }
  a.name = user.username;
  a.ip = std::move(ip);
  return a;
}

Accounts::Accounts(store::Database* db, const Clock* clock, IdGenerator* ids, AuditLog* audit,
                   AccountsOptions options)
    : db_(db), clock_(clock), ids_(ids), audit_(audit), options_(options) {
  KEFU_CHECK(sodium_init() >= 0) << "libsodium failed to initialise";
  dummy_hash_ = HashPassword(RandomToken(16)).value_or("");
}

std::string Accounts::Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string Accounts::RandomToken(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                  '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status Accounts::CheckPassword(std::string_view password) const {
  if (!text::IsValidUtf8(password)) {
    return InvalidArgumentError("password is not valid UTF-8", "password");
  }
  size_t length = text::CodePointCount(password);
  if (length < options_.min_password_length) {
    return InvalidArgumentError("password must have at least " +
                                    std::to_string(options_.min_password_length) +
                                    " characters",
                                "password");
  }
  if (password.size() > 1024) {
    return InvalidArgumentError("password is too long (over 1024 bytes)", "password");
  }
  return OkStatus();
}

Result<std::string> Accounts::HashPassword(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), options_.argon2_ops,
                            options_.argon2_mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return ResourceExhaustedError("not enough memory to hash the password");
  }
  return std::string(out);
}

Result<User> Accounts::CreateUser(const NewUser& input, const Actor& actor) {
  KEFU_ASSIGN_OR_RETURN(std::string username, NormalizeUsername(input.username));
  size_t name_length = text::IsValidUtf8(input.display_name)
                           ? text::CodePointCount(input.display_name)
                           : 0;
  if (name_length < 1 || name_length > 64) {
    return InvalidArgumentError("display name must have 1 to 64 characters", "display_name");
  }
  std::optional<std::string> hash;
  if (!input.password.empty()) {
    KEFU_RETURN_IF_ERROR(CheckPassword(input.password));
    KEFU_ASSIGN_OR_RETURN(hash, HashPassword(input.password));
  }
  User user;
  user.id = ids_->Next();
  user.username = username;
  user.display_name = input.display_name;
  user.role = input.role;
  user.team_id = input.team_id;
  user.agent_id = input.agent_id;
  user.status = "active";
  user.created_ms = clock_->NowMs();
  Status status = db_->Transact([&](store::Session& tx) -> Status {
    KEFU_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO users (id, username, display_name, role, team_id, agent_id, "
                "password_hash, status, password_changed_ms, created_ms, updated_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $9)",
                {user.id, user.username, user.display_name, std::string(RoleName(user.role)),
                 user.team_id, user.agent_id, hash,
                 hash ? store::Value(user.created_ms) : store::Value(), user.created_ms})
            .status());
    return audit_->Append(tx, actor,
                          {"user.create", "user", std::to_string(user.id),
                           "{\"username\":\"" + user.username + "\",\"role\":\"" +
                               std::string(RoleName(user.role)) + "\"}"});
  });
  if (status.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("username '" + username + "' is taken");
  }
  if (status.code() == StatusCode::kFailedPrecondition) {
    return InvalidArgumentError("team or agent does not exist", "team_id");
  }
  KEFU_RETURN_IF_ERROR(status);
  return user;
}

Status Accounts::SetPassword(int64_t user_id, std::string_view password, const Actor& actor) {
  KEFU_RETURN_IF_ERROR(CheckPassword(password));
  KEFU_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  int64_t now = clock_->NowMs();
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& tx) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        int64_t changed,
        tx.Exec("UPDATE users SET password_hash = $1, password_changed_ms = $2, updated_ms = $2 "
                "WHERE id = $3",
                {hash, now, user_id}));
    if (changed == 0) {
      return NotFoundError("user " + std::to_string(user_id) + " not found");
    }
    // A new password ends every session opened with the old one.
    KEFU_RETURN_IF_ERROR(tx.Exec("DELETE FROM sessions WHERE user_id = $1", {user_id}).status());
    return audit_->Append(tx, actor, {"user.password", "user", std::to_string(user_id), ""});
  }));
  DropCachedSessionsOf(user_id);
  return OkStatus();
}

Status Accounts::ChangeOwnPassword(const AuthContext& auth, std::string_view current,
                                   std::string_view fresh, const std::string& ip) {
  if (auth.via_token) {
    return PermissionDeniedError("an API token has no password");
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT password_hash FROM users WHERE id = $1", {auth.user.id}));
  if (rows.empty() || rows.front().IsNull(0) ||
      crypto_pwhash_str_verify(rows.front().Text(0).c_str(), current.data(), current.size()) !=
          0) {
    return InvalidArgumentError("current password is wrong", "current_password");
  }
  return SetPassword(auth.user.id, fresh, auth.ToActor(ip));
}

Status Accounts::SetDisabled(int64_t user_id, bool disabled, const Actor& actor) {
  int64_t now = clock_->NowMs();
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& tx) -> Status {
    KEFU_ASSIGN_OR_RETURN(int64_t changed,
                          tx.Exec("UPDATE users SET status = $1, updated_ms = $2 WHERE id = $3",
                                  {disabled ? "disabled" : "active", now, user_id}));
    if (changed == 0) {
      return NotFoundError("user " + std::to_string(user_id) + " not found");
    }
    if (disabled) {
      KEFU_RETURN_IF_ERROR(
          tx.Exec("DELETE FROM sessions WHERE user_id = $1", {user_id}).status());
    }
    return audit_->Append(tx, actor,
                          {disabled ? "user.disable" : "user.enable", "user",
                           std::to_string(user_id), ""});
  }));
  DropCachedSessionsOf(user_id);
  return OkStatus();
}

Result<User> Accounts::GetUser(int64_t id) {
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = $1", {id}));
  if (rows.empty()) {
    return NotFoundError("user " + std::to_string(id) + " not found");
  }
  return UserFromRow(rows.front());
}

Result<User> Accounts::FindUser(std::string_view username) {
  KEFU_ASSIGN_OR_RETURN(std::string name, NormalizeUsername(username));
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query(std::string("SELECT ") + kUserColumns + " FROM users WHERE username = $1",
                 {name}));
  if (rows.empty()) {
    return NotFoundError("user '" + name + "' not found");
  }
  return UserFromRow(rows.front());
}

Result<Page<User>> Accounts::ListUsers(const std::string& cursor, int limit) {
  limit = std::clamp(limit, 1, 500);
  int64_t after = 0;
  if (!cursor.empty()) {
    KEFU_ASSIGN_OR_RETURN(after, DecodeCursor(cursor));
  }
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        db_->Query(std::string("SELECT ") + kUserColumns +
                                       " FROM users WHERE id > $1 ORDER BY id LIMIT $2",
                                   {after, limit + 1}));
  Page<User> page;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
    page.items.push_back(UserFromRow(rows[i]));
  }
  if (rows.size() > static_cast<size_t>(limit)) {
    page.next_cursor = EncodeCursor(page.items.back().id);
  }
  return page;
}

Result<LoginResult> Accounts::Login(std::string_view username_raw, std::string_view password,
                                    const std::string& ip, const std::string& user_agent) {
  LoginResult result;
  int64_t now = clock_->NowMs();
  Result<std::string> normalized = NormalizeUsername(username_raw);
  std::string username = normalized.ok() ? *normalized : std::string(username_raw.substr(0, 64));

  std::optional<User> user;
  std::optional<std::string> hash;
  std::vector<int64_t> failures;  // recent failures, newest first
  KEFU_RETURN_IF_ERROR(db_->Read([&](store::Session& s) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        store::Rows rows,
        s.Query(std::string("SELECT ") + kUserColumns +
                    ", password_hash FROM users WHERE username = $1",
                {username}));
    if (!rows.empty()) {
      user = UserFromRow(rows.front());
      hash = rows.front().OptText(8);
    }
    KEFU_ASSIGN_OR_RETURN(
        store::Rows recent,
        // Attempts refused because the account was already locked do not count: retrying
        // with the right password during a lockout must not extend it.
        s.Query("SELECT at_ms FROM login_attempts WHERE username = $1 AND success = 0 "
                "AND reason <> 'locked' "
                "AND at_ms > $2 AND at_ms > COALESCE((SELECT MAX(at_ms) FROM login_attempts "
                "WHERE username = $1 AND success = 1), 0) ORDER BY at_ms DESC LIMIT $3",
                {username, now - options_.lockout_window_ms, options_.lockout_failures}));
    for (const store::Row& r : recent) {
      failures.push_back(r.Int64(0));
    }
    return OkStatus();
  }));

  std::string reason;
  if (static_cast<int>(failures.size()) >= options_.lockout_failures) {
    // Locked until the oldest of the counted failures leaves the window.
    result.failure = LoginFailure::kLocked;
    result.locked_until_ms = failures.back() + options_.lockout_window_ms;
    reason = "locked";
  } else {
    // Unknown users cost the same as known ones, so timing does not reveal who exists.
    const std::string& against = hash ? *hash : dummy_hash_;
    bool ok = crypto_pwhash_str_verify(against.c_str(), password.data(), password.size()) == 0;
    if (!user || !hash || !ok) {
      result.failure = LoginFailure::kInvalidCredentials;
      reason = user ? "wrong_password" : "unknown_user";
    } else if (user->status != "active") {
      result.failure = LoginFailure::kDisabled;
      reason = "disabled";
    } else {
      reason = "ok";
    }
  }

  std::string session_token;
  std::string csrf;
  int64_t session_id = 0;
  if (result.failure == LoginFailure::kNone) {
    session_token = RandomToken(32);
    csrf = RandomToken(24);
    session_id = ids_->Next();
  }
  Actor actor{user ? std::optional<int64_t>(user->id) : std::nullopt, username, ip};
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& tx) -> Status {
    KEFU_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO login_attempts (id, username, user_id, success, reason, ip, at_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                {ids_->Next(), username, user ? store::Value(user->id) : store::Value(),
                 result.failure == LoginFailure::kNone, reason, ip, now})
            .status());
    if (result.failure == LoginFailure::kNone) {
      KEFU_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO sessions (id, token_hash, user_id, csrf_token, ip, user_agent, "
                  "created_ms, last_seen_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                  "$7, $8)",
                  {session_id, Sha256Hex(session_token), user->id, csrf, ip,
                   user_agent.substr(0, 256), now, now + options_.session_max_ms})
              .status());
    }
    return audit_->Append(
        tx, actor,
        {result.failure == LoginFailure::kNone ? "auth.login" : "auth.login_failed", "user",
         user ? std::to_string(user->id) : "", "{\"reason\":\"" + reason + "\"}"});
  }));
  if (result.failure != LoginFailure::kNone) {
    return result;
  }
  result.auth.user = *user;
  result.auth.permissions = PermissionsOf(user->role);
  result.auth.csrf_token = csrf;
  result.auth.session_id = session_id;
  result.session_token = session_token;
  std::lock_guard lock(mu_);
  sessions_[Sha256Hex(session_token)] =
      CachedSession{result.auth, now, now, now + options_.session_max_ms, now};
  return result;
}

Result<AuthContext> Accounts::AuthenticateSession(std::string_view token) {
  if (token.empty() || token.size() > 128) {
    return UnauthenticatedError("not logged in");
  }
  std::string key = Sha256Hex(token);
  int64_t now = clock_->NowMs();
  bool touch = false;  // write last_seen back to the database
  bool expired = false;
  std::optional<AuthContext> auth;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && now - it->second.checked_ms < kRecheckMs) {
      CachedSession& c = it->second;
      if (now - c.last_seen_ms > options_.session_idle_ms || now >= c.expires_ms) {
        sessions_.erase(it);
        expired = true;
      } else {
        c.last_seen_ms = now;
        touch = now - c.db_last_seen_ms >= kTouchEveryMs;
        if (touch) {
          c.db_last_seen_ms = now;
        }
        auth = c.auth;
      }
    }
  }
  if (!auth && !expired) {
    // Not cached, or cached too long ago: the database decides.
    KEFU_ASSIGN_OR_RETURN(
        store::Rows rows,
        db_->Query("SELECT s.id, s.csrf_token, s.last_seen_ms, s.expires_ms, u.id, u.username, "
                   "u.display_name, u.role, u.team_id, u.agent_id, u.status, u.created_ms "
                   "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
                   {key}));
    if (rows.empty()) {
      std::lock_guard lock(mu_);
      sessions_.erase(key);
      return UnauthenticatedError("not logged in");
    }
    const store::Row& r = rows.front();
    std::lock_guard lock(mu_);
    auto cached = sessions_.find(key);
    int64_t last_seen = r.Int64(2);
    if (cached != sessions_.end()) {
      last_seen = std::max(last_seen, cached->second.last_seen_ms);
    }
    if (r.Text(10) != "active" || now - last_seen > options_.session_idle_ms ||
        now >= r.Int64(3)) {
      if (cached != sessions_.end()) {
        sessions_.erase(cached);
      }
      expired = true;
    } else {
      AuthContext fresh;
      fresh.user = UserFromRow(r, 4);
      fresh.permissions = PermissionsOf(fresh.user.role);
      fresh.csrf_token = r.Text(1);
      fresh.session_id = r.Int64(0);
      touch = now - r.Int64(2) >= kTouchEveryMs;
      sessions_[key] = CachedSession{fresh, now, touch ? now : r.Int64(2), r.Int64(3), now};
      auth = std::move(fresh);
    }
  }
  // Database writes happen outside the lock: the writer may make us wait.
  if (expired) {
    (void)db_->Exec("DELETE FROM sessions WHERE token_hash = $1", {key});
    return UnauthenticatedError("session expired");
  }
  if (touch) {
    (void)db_->Exec("UPDATE sessions SET last_seen_ms = $1 WHERE id = $2",
                    {now, auth->session_id});
  }
  return *std::move(auth);
}

Status Accounts::Logout(const AuthContext& auth, std::string_view token, const std::string& ip) {
  std::string key = Sha256Hex(token);
  {
    std::lock_guard lock(mu_);
    sessions_.erase(key);
  }
  return db_->Transact([&](store::Session& tx) -> Status {
    KEFU_RETURN_IF_ERROR(tx.Exec("DELETE FROM sessions WHERE token_hash = $1", {key}).status());
    return audit_->Append(tx, auth.ToActor(ip),
                          {"auth.logout", "user", std::to_string(auth.user.id), ""});
  });
}

void Accounts::DropCachedSessionsOf(int64_t user_id) {
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second.auth.via_token && it->second.auth.user.id == user_id) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<std::pair<ApiToken, std::string>> Accounts::CreateToken(
    std::string_view name, const std::vector<Permission>& scopes, const Actor& actor) {
  size_t length = text::IsValidUtf8(name) ? text::CodePointCount(name) : 0;
  if (length < 1 || length > 64) {
    return InvalidArgumentError("token name must have 1 to 64 characters", "name");
  }
  if (scopes.empty()) {
    return InvalidArgumentError("a token needs at least one scope", "scopes");
  }
  ApiToken token;
  token.id = ids_->Next();
  token.name = std::string(name);
  token.scopes = scopes;
  token.created_ms = clock_->NowMs();
  std::string secret = "kf_" + RandomToken(32);
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& tx) -> Status {
    KEFU_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO api_tokens (id, name, token_hash, scopes, created_by, created_ms) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                {token.id, token.name, Sha256Hex(secret), JoinScopes(scopes), actor.user_id,
                 token.created_ms})
            .status());
    return audit_->Append(tx, actor,
                          {"token.create", "api_token", std::to_string(token.id),
                           "{\"scopes\":\"" + JoinScopes(scopes) + "\"}"});
  }));
  return std::make_pair(token, secret);
}

Status Accounts::RevokeToken(int64_t token_id, const Actor& actor) {
  int64_t now = clock_->NowMs();
  KEFU_RETURN_IF_ERROR(db_->Transact([&](store::Session& tx) -> Status {
    KEFU_ASSIGN_OR_RETURN(
        int64_t changed,
        tx.Exec("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL",
                {now, token_id}));
    if (changed == 0) {
      return NotFoundError("active token " + std::to_string(token_id) + " not found");
    }
    return audit_->Append(tx, actor,
                          {"token.revoke", "api_token", std::to_string(token_id), ""});
  }));
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.auth.via_token && it->second.auth.session_id == token_id) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  return OkStatus();
}

Result<Page<ApiToken>> Accounts::ListTokens(const std::string& cursor, int limit) {
  limit = std::clamp(limit, 1, 500);
  int64_t after = 0;
  if (!cursor.empty()) {
    KEFU_ASSIGN_OR_RETURN(after, DecodeCursor(cursor));
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT id, name, scopes, created_ms, last_used_ms, revoked_ms FROM api_tokens "
                 "WHERE id > $1 ORDER BY id LIMIT $2",
                 {after, limit + 1}));
  Page<ApiToken> page;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
    ApiToken t;
    t.id = rows[i].Int64(0);
    t.name = rows[i].Text(1);
    t.scopes = SplitScopes(rows[i].Text(2));
    t.created_ms = rows[i].Int64(3);
    t.last_used_ms = rows[i].OptInt64(4);
    t.revoked_ms = rows[i].OptInt64(5);
    page.items.push_back(std::move(t));
  }
  if (rows.size() > static_cast<size_t>(limit)) {
    page.next_cursor = EncodeCursor(page.items.back().id);
  }
  return page;
}

Result<AuthContext> Accounts::AuthenticateToken(std::string_view secret) {
  if (!secret.starts_with("kf_") || secret.size() > 128) {
    return UnauthenticatedError("invalid API token");
  }
  std::string key = Sha256Hex(secret);
  int64_t now = clock_->NowMs();
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(key);
    if (it != sessions_.end() && now - it->second.checked_ms < kRecheckMs) {
      return it->second.auth;
    }
  }
  KEFU_ASSIGN_OR_RETURN(
      store::Rows rows,
      db_->Query("SELECT id, name, scopes, last_used_ms FROM api_tokens "
                 "WHERE token_hash = $1 AND revoked_ms IS NULL",
                 {key}));
  if (rows.empty()) {
    return UnauthenticatedError("invalid or revoked API token");
  }
  AuthContext auth;
  auth.via_token = true;
  auth.session_id = rows.front().Int64(0);
  auth.user.id = 0;
  auth.user.username = "token:" + rows.front().Text(1);
  auth.user.display_name = rows.front().Text(1);
  auth.user.status = "active";
  auth.permissions = SplitScopes(rows.front().Text(2));
  std::optional<int64_t> last_used = rows.front().OptInt64(3);
  if (!last_used || now - *last_used >= kTouchEveryMs) {
    (void)db_->Exec("UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2",
                    {now, auth.session_id});
  }
  std::lock_guard lock(mu_);
  sessions_[key] = CachedSession{auth, now, now, INT64_MAX, now};
  return auth;
}

}  // namespace kefu::api
