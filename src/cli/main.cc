// The kefu binary: `kefu serve` runs the server; the other subcommands administer the database,
// accounts and data from the machine itself. Commands of later modules register through
// command.h.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "accounts_cli.h"
#include "app.h"
#include "command.h"
#include "demo_seed.h"
#include "demo_show.h"
#include "import_cli.h"
#include "kb_cli.h"
#include "sim_cli.h"
#include "progress.h"
#include "kefu/core/clock.h"
#include "kefu/server/server.h"
#include "kefu/store/migrate.h"

namespace kefu::cli {
namespace {

int Fail(const Status& status) {
  std::fprintf(stderr, "kefu: %s\n", status.ToString().c_str());
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

Status RunMigrate(App& app) {
  KEFU_ASSIGN_OR_RETURN(int applied, store::Migrate(*app.db, store::KefuMigrations()));
  KEFU_ASSIGN_OR_RETURN(int version, store::CurrentSchemaVersion(*app.db));
  std::printf("%s: applied %d migration(s); schema version %d\n",
              std::string(store::DialectName(app.db->dialect())).c_str(), applied, version);
  return OkStatus();
}

Status RunSeed(App& app, int customers, bool quiet) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  DemoSeedOptions options;
  options.customers = customers;
  options.pii_key = app.pii_key;
  options.node_id = static_cast<int>(app.config.GetInt("node.id"));
  ProgressBar bar;
  KEFU_ASSIGN_OR_RETURN(
      DemoSeedReport report,
      SeedDemo(*app.db, *SystemClock::Get(), options,
               [&](std::string_view stage, int64_t done, int64_t total) {
                 if (!quiet) {
                   bar.Update(stage, done, total);
                 }
               }));
  if (report.already_seeded) {
    std::printf("demo data already present; nothing changed\n");
    return OkStatus();
  }
  std::printf(
      "demo seeded: %d regions, %d branches, %d teams, %d agents, %d skills, %d queues, "
      "%d customers, %d cards, %d loans, %d transactions (%d failed), %d contacts, "
      "%d tickets (%d complaints), %d survey answers\n",
      report.regions, report.branches, report.teams, report.agents, report.skills,
      report.queues, report.customers, report.cards, report.loans, report.transactions,
      report.failed_transactions, report.interactions, report.tickets, report.complaints,
      report.surveys);
  return OkStatus();
}

Status RunServe(App& app) {
  KEFU_RETURN_IF_ERROR(store::Migrate(*app.db, store::KefuMigrations()).status());
  const Config& c = app.config;
  api::ApiOptions api_options;
  api_options.rate_limit_rps = static_cast<double>(c.GetInt("api.rate_limit_rps"));
  api_options.rate_limit_burst = api_options.rate_limit_rps * 2;
  api_options.login_per_minute = static_cast<double>(c.GetInt("api.login_per_minute"));
  api::AccountsOptions accounts;
  accounts.session_idle_ms = c.GetInt("auth.session_idle_minutes") * 60'000;
  accounts.session_max_ms = c.GetInt("auth.session_max_hours") * 3'600'000;
  accounts.lockout_failures = static_cast<int>(c.GetInt("auth.lockout_failures"));
  accounts.lockout_window_ms = c.GetInt("auth.lockout_minutes") * 60'000;
  api_options.secure_cookies = !c.GetString("server.tls_cert").empty();
  api_options.pii_key = app.pii_key;
  api::Api api(app.db.get(), SystemClock::Get(), app.ids.get(), api_options, accounts);
  server::ServerOptions options;
  options.listen = c.GetString("server.listen");
  options.io_threads = static_cast<int>(c.GetInt("server.io_threads"));
  options.workers = static_cast<int>(c.GetInt("server.workers"));
  options.max_body_bytes = static_cast<size_t>(c.GetInt("server.max_body_bytes"));
  options.max_upload_bytes = static_cast<size_t>(c.GetInt("server.max_upload_bytes"));
  options.web_root = c.GetString("server.web_root");
  options.port_file = c.GetString("server.port_file");
  options.shutdown_grace_ms = c.GetInt("server.shutdown_grace_ms");
  options.tls_cert = c.GetString("server.tls_cert");
  options.tls_key = c.GetString("server.tls_key");
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  return server::RunServer(api, options, [&](int port) {
    std::printf("kefu 客服中心 %s listening on %s://%s:%d (database: %s)\n", KEFU_VERSION,
                options.tls_cert.empty() ? "http" : "https",
                host.empty() || host == "0.0.0.0" ? "127.0.0.1" : host.c_str(), port,
                std::string(store::DialectName(app.db->dialect())).c_str());
    std::fflush(stdout);
  });
}

int Main(int argc, char** argv) {
  CLI::App cli{"kefu — 客服中心: a bank's customer-service center in one binary", "kefu"};
  cli.require_subcommand(1);
  ConfigSources sources;
  std::string db_url;
  std::vector<std::string> sets;
  cli.add_option("--config", sources.file, "TOML configuration file (default ./kefu.toml if present)");
  cli.add_option("--db", db_url,
                 "Database URL: sqlite:PATH (default sqlite:var/kefu.db) or "
                 "postgresql://user@host:port/dbname");
  cli.add_option("--set", sets, "Override a setting: --set key=value (see `kefu config`)");

  auto* version = cli.add_subcommand("version", "Print the version");
  auto* config = cli.add_subcommand("config", "Print every setting, its value and its source");
  auto* migrate = cli.add_subcommand("migrate", "Bring the database schema up to date");
  auto* demo = cli.add_subcommand("demo", "Demo data");
  demo->require_subcommand(1);
  auto* seed = demo->add_subcommand("seed", "Create the demo bank (once; re-running is safe)");
  int customers = 2000;
  bool quiet = false;
  seed->add_option("--customers", customers, "Number of demo customers")->check(CLI::Range(1, 1000000));
  seed->add_flag("--quiet", quiet, "No progress bar");
  auto* show = demo->add_subcommand("show", "Show what is in the database");
  std::string logins_file = "var/demo-logins.txt";
  seed->add_option("--logins-file", logins_file, "Where the demo logins are written");

  auto* serve = cli.add_subcommand("serve", "Run the server: HTTP API, WebSocket and web UI");

  auto* user = cli.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);
  UserArgs user_args;
  auto* user_add = user->add_subcommand("add", "Create a user");
  user_add->add_option("username", user_args.username, "Login name")->required();
  user_add->add_option("--role", user_args.role,
                       "agent, expert, supervisor, qa, analyst or admin")->required();
  user_add->add_option("--name", user_args.name, "Display name, e.g. 王小明");
  user_add->add_option("--team", user_args.team, "Team code, e.g. credit_card");
  user_add->add_flag("--password-stdin", user_args.password_stdin,
                     "Read the password from standard input");
  auto* user_passwd = user->add_subcommand("passwd", "Set a user's password");
  user_passwd->add_option("username", user_args.username, "Login name")->required();
  user_passwd->add_flag("--password-stdin", user_args.password_stdin,
                        "Read the password from standard input");
  auto* user_disable = user->add_subcommand("disable", "Disable a user (ends their sessions)");
  user_disable->add_option("username", user_args.username, "Login name")->required();
  auto* user_enable = user->add_subcommand("enable", "Enable a disabled user");
  user_enable->add_option("username", user_args.username, "Login name")->required();

  auto* token = cli.add_subcommand("token", "Manage integration API tokens");
  token->require_subcommand(1);
  std::string token_name;
  std::string token_id;
  std::vector<std::string> scopes;
  auto* token_create = token->add_subcommand("create", "Create a token (the secret is shown once)");
  token_create->add_option("name", token_name, "What uses the token")->required();
  token_create->add_option("--scope", scopes, "A permission the token grants (repeatable)")
      ->required();
  auto* token_revoke = token->add_subcommand("revoke", "Revoke a token");
  token_revoke->add_option("id", token_id, "Token id")->required();
  auto* token_list = token->add_subcommand("list", "List tokens");

  // Commands that live in their own files (one Add…Commands call each).
  Commands commands;
  AddSimulateCommands(cli, commands);
  AddImportCommands(cli, commands);
  AddKbCommands(cli, commands);


  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  if (*version) {
    std::printf("kefu %s\n", KEFU_VERSION);
    return 0;
  }
  sources.environment = ProcessEnvironment();
  for (const std::string& kv : sets) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      return Fail(InvalidArgumentError("--set needs key=value, got '" + kv + "'", "--set"));
    }
    sources.overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!db_url.empty()) {
    sources.overrides.emplace_back("db.url", db_url);
  }
  const Command* chosen = nullptr;
  for (const Command& command : commands) {
    if (command.sub->parsed()) {
      chosen = &command;
    }
  }
  bool needs_db = chosen != nullptr ? chosen->needs_db : !*config;
  Result<App> app = StartApp(sources, needs_db);
  if (!app.ok()) {
    return Fail(app.status());
  }
  Status status;
  if (chosen != nullptr) {
    status = chosen->run(*app);
  } else if (*config) {
    std::fputs(app->config.Describe().c_str(), stdout);
  } else if (*migrate) {
    status = RunMigrate(*app);
  } else if (*seed) {
    status = RunSeed(*app, customers, quiet);
    if (status.ok()) {
      status = SeedKbDemo(*app);
    }
    if (status.ok()) {
      status = SeedDemoLogins(*app, logins_file);
    }
  } else if (*show) {
    status = ShowDemo(*app->db, std::cout);
  } else if (*serve) {
    status = RunServe(*app);
  } else if (*user_add) {
    status = RunUserAdd(*app, user_args);
  } else if (*user_passwd) {
    status = RunUserPasswd(*app, user_args);
  } else if (*user_disable || *user_enable) {
    status = RunUserDisable(*app, user_args.username, user_disable->parsed());
  } else if (*token_create) {
    status = RunTokenCreate(*app, token_name, scopes);
  } else if (*token_revoke) {
    status = RunTokenRevoke(*app, token_id);
  } else if (*token_list) {
    status = RunTokenList(*app);
  }
  return status.ok() ? 0 : Fail(status);
}

}  // namespace
}  // namespace kefu::cli

int main(int argc, char** argv) { return kefu::cli::Main(argc, argv); }
