#pragma once

#include <string>
#include <vector>

#include "app.h"
#include "kefu/core/status.h"

namespace kefu::cli {

// `kefu user …` and `kefu token …`: account administration from the machine itself, audited
// as the operating-system user ("cli:<name>").
struct UserArgs {
  std::string username;
  std::string role = "agent";
  std::string name;
  std::string team;  // team code, e.g. credit_card
  bool password_stdin = false;
};
Status RunUserAdd(App& app, const UserArgs& args);
Status RunUserPasswd(App& app, const UserArgs& args);
Status RunUserDisable(App& app, const std::string& username, bool disabled);

Status RunTokenCreate(App& app, const std::string& name, const std::vector<std::string>& scopes);
Status RunTokenRevoke(App& app, const std::string& id);
Status RunTokenList(App& app);

// Creates one demo login per role (agent, expert, supervisor, qa, analyst, admin) sharing one
// random password, which is written to `logins_file` (mode 0600) and printed. Does nothing
// when the users exist.
Status SeedDemoLogins(App& app, const std::string& logins_file);

}  // namespace kefu::cli
