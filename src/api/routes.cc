// The route table and its handlers. Handlers are thin: decode, call the service, map the
// result to JSON. Status → HTTP mapping happens once, in api.cc.

#include <array>
#include <charconv>

#include "internal/customer_routes.h"
#include "internal/kb_routes.h"
#include "internal/impl.h"
#include "internal/route.h"
#include "kefu/core/text.h"

namespace kefu::api::internal {
namespace {

constexpr const char* kSessionCookie = "kefu_session";

std::string SessionCookie(const std::string& token, int64_t max_age_s, bool secure) {
  return std::string(kSessionCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
         std::to_string(max_age_s) + (secure ? "; Secure" : "");
}

json::object UserJson(const User& u) {
  return json::object{{"id", IdString(u.id)},
                      {"username", u.username},
                      {"display_name", u.display_name},
                      {"role", RoleName(u.role)},
                      {"role_label", RoleLabel(u.role)},
                      {"team_id", OptId(u.team_id)},
                      {"status", u.status},
                      {"created_ms", u.created_ms}};
}

json::object AuthJson(const AuthContext& auth) {
  json::array permissions;
  for (Permission p : auth.permissions) {
    permissions.push_back(json::string(PermissionName(p)));
  }
  return json::object{{"user", UserJson(auth.user)},
                      {"permissions", std::move(permissions)},
                      {"csrf_token", auth.csrf_token}};
}

template <typename T, typename F>
json::object PageJson(const Page<T>& page, F&& to_json) {
  json::array items;
  for (const T& item : page.items) {
    items.push_back(to_json(item));
  }
  return json::object{
      {"items", std::move(items)},
      {"next_cursor", page.next_cursor ? json::value(*page.next_cursor) : json::value(nullptr)}};
}

Result<Reply> Login(Ctx& ctx) {
  const std::string& ip = ctx.request.remote_ip;
  KEFU_ASSIGN_OR_RETURN(LoginResult result,
                        ctx.api.accounts().Login(ctx.BodyString("username"),
                                                 ctx.BodyString("password"), ip,
                                                 ctx.request.Header("user-agent")));
  switch (result.failure) {
    case LoginFailure::kInvalidCredentials:
      return ErrorReply(401, "invalid_credentials", "wrong username or password");
    case LoginFailure::kLocked: {
      int64_t minutes =
          std::max<int64_t>(1, (result.locked_until_ms - ctx.impl.clock->NowMs() + 59'999) / 60'000);
      Reply r = ErrorReply(423, "account_locked",
                           "too many failed logins; try again in " + std::to_string(minutes) +
                               " minutes");
      int64_t wait_ms = result.locked_until_ms - ctx.impl.clock->NowMs();
      r.body.as_object()["error"].as_object()["retry_after_ms"] = wait_ms;
      r.headers.emplace_back("Retry-After", std::to_string((wait_ms + 999) / 1000));
      return r;
    }
    case LoginFailure::kDisabled:
      return ErrorReply(403, "account_disabled", "this account is disabled");
    case LoginFailure::kNone:
      break;
  }
  Reply reply;
  reply.body = AuthJson(result.auth);
  reply.headers.emplace_back(
      "Set-Cookie", SessionCookie(result.session_token,
                                  ctx.api.accounts().options().session_max_ms / 1000,
                                  ctx.impl.options.secure_cookies));
  return reply;
}

Result<Reply> Me(Ctx& ctx) {
  Reply reply;
  reply.body = AuthJson(*ctx.auth);
  return reply;
}

Result<Reply> Logout(Ctx& ctx) {
  if (!ctx.auth->via_token) {
    KEFU_RETURN_IF_ERROR(
        ctx.api.accounts().Logout(*ctx.auth, ctx.session_token, ctx.request.remote_ip));
    ctx.api.hub().EndAuthSession(ctx.auth->session_id);
  }
  Reply reply;
  reply.headers.emplace_back("Set-Cookie",
                             SessionCookie("", 0, ctx.impl.options.secure_cookies));
  return reply;
}

Result<Reply> ChangePassword(Ctx& ctx) {
  KEFU_RETURN_IF_ERROR(ctx.api.accounts().ChangeOwnPassword(
      *ctx.auth, ctx.BodyString("current_password"), ctx.BodyString("new_password"),
      ctx.request.remote_ip));
  return Reply{};
}

Result<Reply> ListUsers(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(Page<User> page, ctx.api.accounts().ListUsers(ctx.Cursor(), ctx.Limit()));
  Reply reply;
  reply.body = PageJson(page, UserJson);
  return reply;
}

Result<Reply> GetUser(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_ASSIGN_OR_RETURN(User user, ctx.api.accounts().GetUser(id));
  Reply reply;
  reply.body = UserJson(user);
  return reply;
}

Result<std::optional<int64_t>> OptionalIdField(const Ctx& ctx, const char* name) {
  std::string text = ctx.BodyString(name);
  if (text.empty()) {
    return std::optional<int64_t>();
  }
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return InvalidArgumentError(std::string(name) + " must be an id", name);
  }
  return std::optional<int64_t>(id);
}

Result<Reply> CreateUser(Ctx& ctx) {
  NewUser input;
  input.username = ctx.BodyString("username");
  input.display_name = ctx.BodyString("display_name");
  std::optional<Role> role = ParseRole(ctx.BodyString("role"));
  if (!role) {
    return InvalidArgumentError(
        "role must be one of agent, expert, supervisor, qa, analyst, admin", "role");
  }
  input.role = *role;
  KEFU_ASSIGN_OR_RETURN(input.team_id, OptionalIdField(ctx, "team_id"));
  input.password = ctx.BodyString("password");
  KEFU_ASSIGN_OR_RETURN(User user, ctx.api.accounts().CreateUser(input, ctx.ToActor()));
  Reply reply;
  reply.status = 201;
  reply.body = UserJson(user);
  return reply;
}

Result<Reply> SetDisabledHandler(Ctx& ctx, bool disabled) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  if (disabled && ctx.auth->user.id == id) {
    return FailedPreconditionError("you cannot disable your own account");
  }
  KEFU_RETURN_IF_ERROR(ctx.api.accounts().SetDisabled(id, disabled, ctx.ToActor()));
  if (disabled) {
    ctx.api.hub().EndUser(id);
  }
  KEFU_ASSIGN_OR_RETURN(User user, ctx.api.accounts().GetUser(id));
  Reply reply;
  reply.body = UserJson(user);
  return reply;
}
Result<Reply> DisableUser(Ctx& ctx) { return SetDisabledHandler(ctx, true); }
Result<Reply> EnableUser(Ctx& ctx) { return SetDisabledHandler(ctx, false); }

Result<Reply> ResetPassword(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(
      ctx.api.accounts().SetPassword(id, ctx.BodyString("password"), ctx.ToActor()));
  ctx.api.hub().EndUser(id);
  return Reply{};
}

Result<Reply> ListTeams(Ctx& ctx) {
  int64_t after = 0;
  if (!ctx.Cursor().empty()) {
    KEFU_ASSIGN_OR_RETURN(after, DecodeCursor(ctx.Cursor()));
  }
  int limit = ctx.Limit();
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        ctx.impl.db->Query("SELECT id, code, name FROM teams WHERE id > $1 "
                                           "ORDER BY id LIMIT $2",
                                           {after, limit + 1}));
  json::array items;
  for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(limit); ++i) {
    items.push_back(json::object{{"id", IdString(rows[i].Int64(0))},
                                 {"code", rows[i].Text(1)},
                                 {"name", rows[i].Text(2)}});
  }
  json::value next = nullptr;
  if (rows.size() > static_cast<size_t>(limit)) {
    next = json::string(EncodeCursor(rows[limit - 1].Int64(0)));
  }
  Reply reply;
  reply.body = json::object{{"items", std::move(items)}, {"next_cursor", next}};
  return reply;
}

Result<Reply> ListAudit(Ctx& ctx) {
  AuditFilter filter;
  auto opt = [&](const char* name) -> std::optional<std::string> {
    auto it = ctx.query.find(name);
    if (it == ctx.query.end() || it->second.empty()) {
      return std::nullopt;
    }
    return it->second;
  };
  filter.actor = opt("actor");
  filter.action = opt("action");
  filter.object_type = opt("object_type");
  filter.object_id = opt("object_id");
  for (const char* name : {"since_ms", "until_ms"}) {
    if (auto v = opt(name)) {
      int64_t ms = 0;
      auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), ms);
      if (ec != std::errc() || ptr != v->data() + v->size()) {
        return InvalidArgumentError(std::string(name) + " must be milliseconds", name);
      }
      (std::string_view(name) == "since_ms" ? filter.since_ms : filter.until_ms) = ms;
    }
  }
  KEFU_ASSIGN_OR_RETURN(Page<AuditRecord> page,
                        ctx.api.audit().Query(filter, ctx.Cursor(), ctx.Limit()));
  Reply reply;
  reply.body = PageJson(page, [](const AuditRecord& r) {
    return json::object{{"id", IdString(r.id)},         {"at_ms", r.at_ms},
                        {"actor_id", OptId(r.actor_id)}, {"actor_name", r.actor_name},
                        {"action", r.action},           {"object_type", r.object_type},
                        {"object_id", r.object_id},     {"ip", r.ip},
                        {"detail", r.detail},           {"trace_id", r.trace_id}};
  });
  return reply;
}

json::object TokenJson(const ApiToken& t) {
  json::array scopes;
  for (Permission p : t.scopes) {
    scopes.push_back(json::string(PermissionName(p)));
  }
  return json::object{
      {"id", IdString(t.id)},
      {"name", t.name},
      {"scopes", std::move(scopes)},
      {"created_ms", t.created_ms},
      {"last_used_ms", t.last_used_ms ? json::value(*t.last_used_ms) : json::value(nullptr)},
      {"revoked_ms", t.revoked_ms ? json::value(*t.revoked_ms) : json::value(nullptr)}};
}

Result<Reply> ListTokens(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(Page<ApiToken> page,
                        ctx.api.accounts().ListTokens(ctx.Cursor(), ctx.Limit()));
  Reply reply;
  reply.body = PageJson(page, TokenJson);
  return reply;
}

Result<Reply> CreateToken(Ctx& ctx) {
  std::vector<Permission> scopes;
  for (const json::value& v : ctx.Body().at("scopes").as_array()) {
    std::optional<Permission> p = ParsePermission(v.as_string());
    if (!p) {
      return InvalidArgumentError("unknown scope \"" + std::string(v.as_string()) + "\"",
                                  "scopes");
    }
    scopes.push_back(*p);
  }
  KEFU_ASSIGN_OR_RETURN(auto created, ctx.api.accounts().CreateToken(ctx.BodyString("name"),
                                                                     scopes, ctx.ToActor()));
  Reply reply;
  reply.status = 201;
  json::object body = TokenJson(created.first);
  body["token"] = created.second;  // shown once
  reply.body = std::move(body);
  return reply;
}

Result<Reply> RevokeToken(Ctx& ctx) {
  KEFU_ASSIGN_OR_RETURN(int64_t id, ctx.IdParam("id"));
  KEFU_RETURN_IF_ERROR(ctx.api.accounts().RevokeToken(id, ctx.ToActor()));
  return Reply{};
}

Result<Reply> Broadcast(Ctx& ctx) {
  std::string topic = ctx.BodyString("topic");
  std::string text = ctx.BodyString("text");
  if (topic != "all") {
    int64_t team = 0;
    std::string_view digits = std::string_view(topic).substr(std::min<size_t>(5, topic.size()));
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), team);
    bool well_formed = topic.starts_with("team.") && ec == std::errc() &&
                       ptr == digits.data() + digits.size();
    if (!well_formed) {
      return InvalidArgumentError("topic must be \"all\" or \"team.<id>\"", "topic");
    }
    KEFU_ASSIGN_OR_RETURN(int64_t exists,
                          ctx.impl.db->QueryInt64("SELECT COUNT(*) FROM teams WHERE id = $1",
                                                  {team}));
    if (exists == 0) {
      return InvalidArgumentError("no team with id " + std::string(digits), "topic");
    }
  }
  if (!text::IsValidUtf8(text) || text::CodePointCount(text) < 1 ||
      text::CodePointCount(text) > 500) {
    return InvalidArgumentError("text must have 1 to 500 characters", "text");
  }
  int64_t id = ctx.impl.ids->Next();
  int64_t now = ctx.impl.clock->NowMs();
  KEFU_RETURN_IF_ERROR(ctx.api.audit().Append(
      ctx.ToActor(), {"broadcast.send", "broadcast", IdString(id),
                      json::serialize(json::object{{"topic", topic}, {"text", text}})}));
  json::object data{{"id", IdString(id)},
                    {"text", text},
                    {"from", ctx.auth->user.display_name},
                    {"at_ms", now}};
  size_t reached = ctx.api.hub().Publish(topic, "broadcast", json::serialize(data));
  Reply reply;
  reply.status = 201;
  reply.body = json::object{{"id", IdString(id)}, {"reached", reached}};
  return reply;
}

Result<Reply> WebSocketOnly(Ctx&) {
  Reply r = ErrorReply(426, "upgrade_required", "connect with a WebSocket");
  r.headers.emplace_back("Upgrade", "websocket");
  return r;
}

Result<Reply> OpenApi(Ctx& ctx) {
  Reply reply;
  reply.body = json::parse(ctx.api.OpenApiJson());
  return reply;
}

const std::vector<Field> kLoginBody = {
    {"username", FieldType::kString, true, "用户名"},
    {"password", FieldType::kString, true, "密码"},
};

}  // namespace

const std::vector<Route>& RouteTable() {
  using P = Permission;
  static const std::vector<Route> kRoutes = [] {
  std::vector<Route> routes = {
      {"POST", "/api/v1/auth/login", Login, Access::kPublic, P::kDesktopUse, "login",
       "Log in with username and password; sets the session cookie", kLoginBody},
      {"GET", "/api/v1/auth/me", Me, Access::kLoggedIn, P::kDesktopUse, "default",
       "The caller, its permissions and CSRF token", {}},
      {"POST", "/api/v1/auth/logout", Logout, Access::kLoggedIn, P::kDesktopUse, "default",
       "End the session", {}, false, 204},
      {"POST", "/api/v1/auth/password", ChangePassword, Access::kLoggedIn, P::kDesktopUse,
       "default", "Change one's own password",
       {{"current_password", FieldType::kString, true, "current password"},
        {"new_password", FieldType::kString, true, "new password, at least 10 characters"}},
       false, 204},
      {"GET", "/api/v1/users", ListUsers, Access::kPermission, P::kUsersRead, "default",
       "List users", {}, true},
      {"POST", "/api/v1/users", CreateUser, Access::kPermission, P::kUsersWrite, "default",
       "Create a user",
       {{"username", FieldType::kString, true, "2–32 of a-z 0-9 _ . -"},
        {"display_name", FieldType::kString, true, "name shown to people"},
        {"role", FieldType::kString, true, "agent|expert|supervisor|qa|analyst|admin"},
        {"team_id", FieldType::kString, false, "team id"},
        {"password", FieldType::kString, false, "initial password, at least 10 characters"}},
       false, 201},
      {"GET", "/api/v1/users/{id}", GetUser, Access::kPermission, P::kUsersRead, "default",
       "One user", {}},
      {"POST", "/api/v1/users/{id}/disable", DisableUser, Access::kPermission, P::kUsersWrite,
       "default", "Disable a user and end their sessions", {}},
      {"POST", "/api/v1/users/{id}/enable", EnableUser, Access::kPermission, P::kUsersWrite,
       "default", "Enable a user", {}},
      {"POST", "/api/v1/users/{id}/password", ResetPassword, Access::kPermission, P::kUsersWrite,
       "default", "Set a user's password (ends their sessions)",
       {{"password", FieldType::kString, true, "at least 10 characters"}}, false, 204},
      {"GET", "/api/v1/teams", ListTeams, Access::kPermission, P::kUsersRead, "default",
       "List teams", {}, true},
      {"GET", "/api/v1/audit", ListAudit, Access::kPermission, P::kAuditRead, "default",
       "Query the audit log (newest first; filters actor, action, object_type, object_id, "
       "since_ms, until_ms)",
       {}, true},
      {"GET", "/api/v1/tokens", ListTokens, Access::kPermission, P::kTokensManage, "default",
       "List integration API tokens", {}, true},
      {"POST", "/api/v1/tokens", CreateToken, Access::kPermission, P::kTokensManage, "default",
       "Create an integration API token (the secret is returned once)",
       {{"name", FieldType::kString, true, "what uses the token"},
        {"scopes", FieldType::kStringArray, true, "permissions granted to the token"}},
       false, 201},
      {"DELETE", "/api/v1/tokens/{id}", RevokeToken, Access::kPermission, P::kTokensManage,
       "default", "Revoke a token", {}, false, 204},
      {"POST", "/api/v1/broadcasts", Broadcast, Access::kPermission, P::kBroadcastSend,
       "default", "Push a 班组公告 to everyone or a team over the WebSocket",
       {{"topic", FieldType::kString, true, "all or team.<id>"},
        {"text", FieldType::kString, true, "1–500 characters"}},
       false, 201},
      {"GET", "/api/v1/ws", WebSocketOnly, Access::kLoggedIn, P::kDesktopUse, "default",
       "WebSocket for the desktops (upgrade)", {}},
      {"GET", "/api/v1/openapi.json", OpenApi, Access::kPublic, P::kDesktopUse, "default",
       "This document", {}},
  };
  AppendCustomerRoutes(routes);
  AppendKbRoutes(routes);
  return routes;
  }();
  return kRoutes;
}

Result<std::string> DecodeBase64(std::string_view in) {
  static const auto table = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) {
      t[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    }
    return t;
  }();
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r') {
      continue;
    }
    int8_t v = table[static_cast<unsigned char>(c)];
    if (v < 0) {
      return InvalidArgumentError("content_base64 is not base64", "content_base64");
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}


std::string IdString(int64_t id) { return std::to_string(id); }

json::value OptId(const std::optional<int64_t>& id) {
  return id ? json::value(IdString(*id)) : json::value(nullptr);
}

int Ctx::Limit() const {
  auto it = query.find("limit");
  if (it == query.end()) {
    return 50;
  }
  int limit = 50;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), limit);
  return std::clamp(limit, 1, 500);
}

std::string Ctx::Cursor() const {
  auto it = query.find("cursor");
  return it == query.end() ? std::string() : it->second;
}

Result<int64_t> Ctx::IdParam(const char* name) const {
  auto it = params.find(name);
  int64_t id = 0;
  if (it != params.end()) {
    auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), id);
    if (ec == std::errc() && ptr == it->second.data() + it->second.size() && id > 0) {
      return id;
    }
  }
  return InvalidArgumentError(std::string(name) + " must be an id", name);
}

std::string Ctx::BodyString(const char* name) const {
  if (!body.is_object()) {
    return "";
  }
  const json::value* v = body.as_object().if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

Actor Ctx::ToActor() const { return auth->ToActor(request.remote_ip); }

}  // namespace kefu::api::internal
