// hivewatch-collector: flags, wiring and the run loop only (see collector/collector.h).
#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "collector/auth/token_registry.h"
#include "collector/collector.h"
#include "common/daemon.h"
#include "common/service_loop.h"
#include "common/time_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

constexpr const char* kVersion = HIVEWATCH_VERSION;  // from the CMake project version

constexpr const char* kUsage = R"(Usage:
  hivewatch-collector [--config FILE] [--listen ADDR] [--data-dir DIR] [--no-auth] [options]
  hivewatch-collector [--config FILE | --data-dir DIR] token create --name NAME --scope SCOPES
  hivewatch-collector [--config FILE | --data-dir DIR] token list
  hivewatch-collector [--config FILE | --data-dir DIR] token revoke NAME

Receives batches of metrics and logs from hivewatch agents (POST /api/v1/push), stores them
in one SQLite file in the data directory (or in ClickHouse, shared by several collectors:
--storage clickhouse), and answers queries (GET /api/v1/logs, /api/v1/hosts).
Flags override the config file. API reference: docs/api.md, or GET /api/v1/openapi.yaml.
SIGHUP re-reads the config file (log_level applies at once, other settings at the next restart;
an invalid file is logged and ignored); SIGTERM stops. Under systemd it reports readiness and
feeds the watchdog (Type=notify, WatchdogSec; see docs/operations.md).

Tokens: every API call needs 'Authorization: Bearer <token>' unless --no-auth is given.
Scopes are ingest (push), read (queries) and admin (everything); combine with commas.
With --storage clickhouse the tokens are kept in ClickHouse, for every collector sharing it.
  hivewatch-collector --data-dir /var/lib/hivewatch-collector token create --name web1 --scope ingest

)";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "hivewatch-collector: " << message << "\n";
  return code;
}

int RunTokenCommand(const CollectorConfig& config, const std::vector<std::string>& args) {
  po::options_description opts("token options");
  opts.add_options()("name", po::value<std::string>(), "token name (create)")(
      "scope", po::value<std::string>()->default_value("ingest"),
      "ingest, read, admin or a comma list (create)");
  po::positional_options_description pos;
  pos.add("action", 1).add("target", 1);
  po::options_description all;
  all.add(opts).add_options()("action", po::value<std::string>())("target",
                                                                  po::value<std::string>());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + " (see --help)", 2);
  }
  const std::string action = vm.count("action") ? vm["action"].as<std::string>() : "";
  Result<std::unique_ptr<TokenRegistry>> store = OpenTokenRegistry(config);
  if (!store.ok()) return Fail(store.status().message());

  if (action == "create") {
    if (!vm.count("name")) return Fail("token create needs --name NAME", 2);
    Result<Scopes> scopes = ParseScopes(vm["scope"].as<std::string>());
    if (!scopes.ok()) return Fail(scopes.status().message(), 2);
    Result<std::string> token = (*store)->Create(vm["name"].as<std::string>(), *scopes);
    if (!token.ok()) return Fail(token.status().message());
    std::cerr << "Created token '" << vm["name"].as<std::string>() << "' with scope "
              << scopes->ToString() << ". It is shown only this once; keep it safe:\n";
    std::cout << *token << std::endl;
    return 0;
  }
  if (action == "list") {
    Result<std::vector<TokenInfo>> list = (*store)->List();
    if (!list.ok()) return Fail(list.status().message());
    std::printf("%-4s %-24s %-20s %-25s %s\n", "ID", "NAME", "SCOPES", "CREATED", "REVOKED");
    for (const TokenInfo& t : *list) {
      std::printf("%-4lld %-24s %-20s %-25s %s\n", static_cast<long long>(t.id), t.name.c_str(),
                  t.scopes.ToString().c_str(), FormatRfc3339(t.created_ms).c_str(),
                  t.revoked_ms ? FormatRfc3339(*t.revoked_ms).c_str() : "-");
    }
    return 0;
  }
  if (action == "revoke") {
    if (!vm.count("target")) return Fail("token revoke needs a token NAME or ID", 2);
    Status s = (*store)->Revoke(vm["target"].as<std::string>());
    if (!s.ok()) return Fail(s.message());
    std::cerr << "Revoked token '" << vm["target"].as<std::string>() << "'.\n";
    return 0;
  }
  return Fail("unknown token action '" + action + "' (expected create, list or revoke)", 2);
}

// The configuration file (if any) with the flags over it, validated; at start and on SIGHUP.
Result<CollectorConfig> BuildConfig(const std::string& config_path, const po::variables_map& vm) {
  CollectorConfig config;
  if (!config_path.empty()) {
    Result<CollectorConfig> loaded = LoadCollectorConfig(config_path);
    HW_RETURN_IF_ERROR(loaded.status());
    config = std::move(loaded).value();
  }
  if (vm.count("listen")) config.listen = vm["listen"].as<std::string>();
  if (vm.count("data-dir")) config.data_dir = vm["data-dir"].as<std::string>();
  if (vm.count("storage")) config.storage.backend = vm["storage"].as<std::string>();
  if (vm.count("clickhouse-url")) {
    config.storage.clickhouse.url = vm["clickhouse-url"].as<std::string>();
  }
  if (vm.count("clickhouse-database")) {
    config.storage.clickhouse.database = vm["clickhouse-database"].as<std::string>();
  }
  if (vm.count("no-auth")) config.no_auth = true;
  if (vm.count("tls-cert")) config.tls.cert_file = vm["tls-cert"].as<std::string>();
  if (vm.count("tls-key")) config.tls.key_file = vm["tls-key"].as<std::string>();
  if (vm.count("log-level")) config.log_level = vm["log-level"].as<std::string>();
  HW_RETURN_IF_ERROR(ValidateCollectorConfig(&config));
  return config;
}

// SIGHUP: a valid new file changes log_level at once; everything else it changes takes effect
// at the next restart (the listener, storage and handlers hold the configuration they started
// with). Tokens need no reload: they are looked up in the database on every request.
void Reload(const std::string& config_path, const po::variables_map& vm, CollectorConfig* running) {
  if (config_path.empty()) {
    spdlog::warn("reload: no --config file to re-read; nothing changed");
    return;
  }
  Result<CollectorConfig> next = BuildConfig(config_path, vm);
  if (!next.ok()) {
    spdlog::error("reload rejected, keeping the running configuration: {}",
                  next.status().message());
    return;
  }
  running->log_level = next->log_level;
  spdlog::set_level(spdlog::level::from_str(running->log_level));
  spdlog::info(
      "configuration reloaded from {}: log_level = {}; other settings take effect at "
      "the next restart",
      config_path, running->log_level);
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible("Options", 100, 50);
  visible.add_options()
      ("help,h", "show this help")
      ("version", "print the version")
      ("config,c", po::value<std::string>()->value_name("FILE"), "TOML configuration file (docs/configuration.md)")
      ("listen,l", po::value<std::string>()->value_name("ADDR"),
       "host:port to listen on (default 127.0.0.1:9800; port 0 picks one)")
      ("data-dir,d", po::value<std::string>()->value_name("DIR"),
       "where the database lives (default /var/lib/hivewatch-collector)")
      ("storage", po::value<std::string>()->value_name("BACKEND"),
       "sqlite (default: one file in the data directory) or clickhouse (docs/scale-out.md)")
      ("clickhouse-url", po::value<std::string>()->value_name("URL"),
       "the ClickHouse HTTP interface (default http://127.0.0.1:8123)")
      ("clickhouse-database", po::value<std::string>()->value_name("DB"),
       "the ClickHouse database (default hivewatch)")
      ("no-auth", "accept requests without a token (local experiments only)")
      ("tls-cert", po::value<std::string>()->value_name("FILE"),
       "serve HTTPS with this PEM certificate chain (needs --tls-key)")
      ("tls-key", po::value<std::string>()->value_name("FILE"), "the PEM private key of --tls-cert")
      ("log-level", po::value<std::string>()->value_name("LEVEL"), "trace, debug, info, warn or error (default info)")
      ("check-config", "validate the configuration and exit (0 if valid)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())(
      "args", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("args", -1);

  po::variables_map vm;
  std::vector<std::string> rest;
  try {
    po::parsed_options parsed =
        po::command_line_parser(argc, argv).options(all).positional(pos).allow_unregistered().run();
    po::store(parsed, vm);
    rest = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + " (see --help)", 2);
  }
  if (vm.count("help")) {
    std::cout << kUsage << visible << std::endl;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "hivewatch-collector " << kVersion << std::endl;
    return 0;
  }
  const std::string command = vm.count("command") ? vm["command"].as<std::string>() : "";
  if (!command.empty() && command != "token") {
    return Fail("unknown command or argument '" + command + "' (see --help)", 2);
  }
  if (command.empty() && !rest.empty()) {
    return Fail("unknown option '" + rest.front() + "' (see --help)", 2);
  }

  const std::string config_path = vm.count("config") ? vm["config"].as<std::string>() : "";
  Result<CollectorConfig> built = BuildConfig(config_path, vm);
  if (!built.ok()) {
    return Fail("invalid configuration: " + built.status().message(),
                vm.count("check-config") ? 1 : 2);
  }
  CollectorConfig config = std::move(built).value();
  if (vm.count("check-config")) {
    std::cout << "configuration is valid" << std::endl;
    return 0;
  }

  if (command == "token") {
    // rest = ["token", action, ...]
    return RunTokenCommand(config, std::vector<std::string>(rest.begin() + 1, rest.end()));
  }

  SetUpLogging("collector", config.log_level);
  ServiceSignals signals;  // before any thread starts

  Collector collector(config);
  if (Status s = collector.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  const std::string data = config.storage.backend == "clickhouse"
                               ? "ClickHouse " + config.storage.clickhouse.url + ", database " +
                                     config.storage.clickhouse.database
                               : config.data_dir + "/hivewatch.db";
  spdlog::info("hivewatch-collector {} listening on {}://{} (data: {})", kVersion,
               config.tls.enabled() ? "https" : "http", collector.BoundAddress(), data);

  ServiceLoopHooks hooks;
  hooks.ready_status = std::string("listening on ") + (config.tls.enabled() ? "https" : "http") +
                       "://" + collector.BoundAddress();
  hooks.reload = [&] {
    Reload(config_path, vm, &config);
    return true;
  };
  const std::string stop = RunServiceLoop(signals, hooks);
  spdlog::info("received {}, draining requests and closing the database", stop);
  collector.Stop();
  spdlog::info("stopped cleanly");
  return 0;
}
