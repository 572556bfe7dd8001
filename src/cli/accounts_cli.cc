#include "accounts_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "kefu/api/accounts.h"
#include "kefu/api/audit.h"

namespace kefu::cli {
namespace {

api::Actor CliActor() {
  const char* user = std::getenv("USER");
  api::Actor a;
  a.name = std::string("cli:") + (user != nullptr ? user : std::to_string(getuid()));
  return a;
}

struct Services {
  explicit Services(App& app)
      : audit(app.db.get(), SystemClock::Get(), app.ids.get()),
        accounts(app.db.get(), SystemClock::Get(), app.ids.get(), &audit) {}
  api::AuditLog audit;
  api::Accounts accounts;
};

Result<std::string> ReadPassword(bool from_stdin) {
  std::string password;
  if (from_stdin || !isatty(STDIN_FILENO)) {
    std::getline(std::cin, password);
  } else {
    // Typed by a person: hide it.
    char* typed = getpass("密码 password (10+ characters): ");
    password = typed != nullptr ? typed : "";
  }
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
    password.pop_back();
  }
  if (password.empty()) {
    return InvalidArgumentError("no password given", "password");
  }
  return password;
}

Result<std::optional<int64_t>> TeamId(App& app, const std::string& code) {
  if (code.empty()) {
    return std::optional<int64_t>();
  }
  KEFU_ASSIGN_OR_RETURN(store::Rows rows,
                        app.db->Query("SELECT id FROM teams WHERE code = $1", {code}));
  if (rows.empty()) {
    return InvalidArgumentError("no team with code '" + code + "'", "team");
  }
  return std::optional<int64_t>(rows.front().Int64(0));
}

}  // namespace

Status RunUserAdd(App& app, const UserArgs& args) {
  Services s(app);
  api::NewUser user;
  user.username = args.username;
  user.display_name = args.name.empty() ? args.username : args.name;
  std::optional<api::Role> role = api::ParseRole(args.role);
  if (!role) {
    return InvalidArgumentError("role must be one of agent, expert, supervisor, qa, analyst, admin",
                                "role");
  }
  user.role = *role;
  KEFU_ASSIGN_OR_RETURN(user.team_id, TeamId(app, args.team));
  KEFU_ASSIGN_OR_RETURN(user.password, ReadPassword(args.password_stdin));
  KEFU_ASSIGN_OR_RETURN(api::User created, s.accounts.CreateUser(user, CliActor()));
  std::printf("user %s (%s, %s) created with id %lld\n", created.username.c_str(),
              std::string(api::RoleName(created.role)).c_str(),
              std::string(api::RoleLabel(created.role)).c_str(),
              static_cast<long long>(created.id));
  return OkStatus();
}

Status RunUserPasswd(App& app, const UserArgs& args) {
  Services s(app);
  KEFU_ASSIGN_OR_RETURN(api::User user, s.accounts.FindUser(args.username));
  KEFU_ASSIGN_OR_RETURN(std::string password, ReadPassword(args.password_stdin));
  KEFU_RETURN_IF_ERROR(s.accounts.SetPassword(user.id, password, CliActor()));
  std::printf("password of %s changed; their sessions have ended\n", user.username.c_str());
  return OkStatus();
}

Status RunUserDisable(App& app, const std::string& username, bool disabled) {
  Services s(app);
  KEFU_ASSIGN_OR_RETURN(api::User user, s.accounts.FindUser(username));
  KEFU_RETURN_IF_ERROR(s.accounts.SetDisabled(user.id, disabled, CliActor()));
  std::printf("user %s %s\n", user.username.c_str(), disabled ? "disabled" : "enabled");
  return OkStatus();
}

Status RunTokenCreate(App& app, const std::string& name, const std::vector<std::string>& scopes) {
  Services s(app);
  std::vector<api::Permission> permissions;
  for (const std::string& scope : scopes) {
    std::optional<api::Permission> p = api::ParsePermission(scope);
    if (!p) {
      std::string all;
      for (api::Permission known : api::AllPermissions()) {
        all += std::string(all.empty() ? "" : ", ") + std::string(api::PermissionName(known));
      }
      return InvalidArgumentError("unknown scope '" + scope + "'; known: " + all, "scope");
    }
    permissions.push_back(*p);
  }
  KEFU_ASSIGN_OR_RETURN(auto created, s.accounts.CreateToken(name, permissions, CliActor()));
  std::printf("token %lld created. Its secret is shown once:\n%s\n",
              static_cast<long long>(created.first.id), created.second.c_str());
  return OkStatus();
}

Status RunTokenRevoke(App& app, const std::string& id_text) {
  Services s(app);
  int64_t id = 0;
  try {
    id = std::stoll(id_text);
  } catch (...) {
    return InvalidArgumentError("token id must be a number", "id");
  }
  KEFU_RETURN_IF_ERROR(s.accounts.RevokeToken(id, CliActor()));
  std::printf("token %lld revoked\n", static_cast<long long>(id));
  return OkStatus();
}

Status RunTokenList(App& app) {
  Services s(app);
  std::string cursor;
  do {
    KEFU_ASSIGN_OR_RETURN(api::Page<api::ApiToken> page, s.accounts.ListTokens(cursor, 500));
    for (const api::ApiToken& t : page.items) {
      std::string scopes;
      for (api::Permission p : t.scopes) {
        scopes += std::string(scopes.empty() ? "" : ",") + std::string(api::PermissionName(p));
      }
      std::printf("%lld  %-24s %-40s %s\n", static_cast<long long>(t.id), t.name.c_str(),
                  scopes.c_str(), t.revoked_ms ? "revoked" : "active");
    }
    cursor = page.next_cursor.value_or("");
  } while (!cursor.empty());
  return OkStatus();
}

Status SeedDemoLogins(App& app, const std::string& logins_file) {
  Services s(app);
  if (s.accounts.FindUser("admin").ok()) {
    return OkStatus();
  }
  // Readable but random: nothing secret is in the repository, and each install differs.
  std::string password = "kefu-" + api::Accounts::RandomToken(9);
  struct Demo {
    const char* username;
    api::Role role;
    const char* team_code;
    const char* agent_role;  // link to the first seeded agent with this role
  };
  const Demo demos[] = {
      {"agent", api::Role::kAgent, "credit_card", "agent"},
      {"expert", api::Role::kExpert, "expert", "expert"},
      {"supervisor", api::Role::kSupervisor, "credit_card", "supervisor"},
      {"qa", api::Role::kQa, "qa", "qa"},
      {"analyst", api::Role::kAnalyst, nullptr, "analyst"},
      {"admin", api::Role::kAdmin, nullptr, "admin"},
  };
  std::string lines;
  for (const Demo& d : demos) {
    api::NewUser user;
    user.username = d.username;
    user.role = d.role;
    user.password = password;
    KEFU_ASSIGN_OR_RETURN(
        store::Rows agent,
        app.db->Query("SELECT id, name, team_id FROM agents WHERE role = $1 ORDER BY id LIMIT 1",
                      {d.agent_role}));
    if (!agent.empty()) {
      user.agent_id = agent.front().Int64(0);
      user.display_name = agent.front().Text(1);
      user.team_id = agent.front().OptInt64(2);
    } else {
      user.display_name = d.username;
    }
    if (d.team_code != nullptr && !user.team_id) {
      auto team = TeamId(app, d.team_code);
      if (team.ok()) {
        user.team_id = *team;
      }
    }
    KEFU_ASSIGN_OR_RETURN(api::User created, s.accounts.CreateUser(user, CliActor()));
    lines += "  " + std::string(d.username) + " / " + password + "   (" +
             std::string(api::RoleLabel(d.role)) + " " + created.display_name + ")\n";
  }
  {
    std::ofstream out(logins_file, std::ios::trunc);
    out << "演示账号 demo logins (username / password):\n" << lines;
    if (!out) {
      return UnavailableError("cannot write " + logins_file);
    }
  }
  ::chmod(logins_file.c_str(), 0600);
  std::printf("demo logins written to %s\n", logins_file.c_str());
  return OkStatus();
}

}  // namespace kefu::cli
