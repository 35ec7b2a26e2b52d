// hivewatch-agent: flags, wiring and the run loop only (see agent/agent.h).
#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <unistd.h>

#include "common/daemon.h"
#include "common/service_loop.h"
#include "common/systemd_notify.h"
#include "common/time_util.h"

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/exposition.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

constexpr const char* kUsage = R"(Usage:
  hivewatch-agent [--config FILE] [options]
  hivewatch-agent --once [--proc-root DIR] [--sys-root DIR]

Collects this host's metrics (names as node_exporter's) every interval, and service logs from
the inputs the config file enables ([[inputs.file]], [inputs.journald], [inputs.syslog]), and
ships them to a hivewatch collector (POST /api/v1/push, gzip, bearer token). Batches wait in a
disk spool under the state directory until the collector has committed them, and log read
positions advance only then: nothing is lost or sent twice across outages and restarts.
Flags override the config file (default /etc/hivewatch/agent.toml when it exists).
SIGHUP re-reads the file and the token file (an invalid one is logged and the running
configuration kept); SIGTERM stops. Under systemd it reports readiness and feeds the watchdog
(Type=notify, WatchdogSec; see docs/operations.md).

  hivewatch-agent --once                       one collection as Prometheus text, then exit
  hivewatch-agent --collector http://c:9800 --token-file /etc/hivewatch/token

)";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "hivewatch-agent: " << message << "\n";
  return code;
}

// The configuration file (if any) with the flags over it, validated. Run at start and again on
// every SIGHUP, so that a reload sees the same flags.
Result<AgentConfig> BuildConfig(const std::string& config_path, const po::variables_map& vm) {
  AgentConfig config;
  if (!config_path.empty()) {
    Result<AgentConfig> loaded = LoadAgentConfig(config_path);
    HW_RETURN_IF_ERROR(loaded.status());
    config = std::move(loaded).value();
  }
  if (vm.count("collector")) config.collectors = vm["collector"].as<std::vector<std::string>>();
  if (vm.count("token")) config.token = vm["token"].as<std::string>();
  if (vm.count("token-file")) config.token_file = vm["token-file"].as<std::string>();
  if (vm.count("ca-file")) config.ca_file = vm["ca-file"].as<std::string>();
  if (vm.count("host")) config.host = vm["host"].as<std::string>();
  if (vm.count("state-dir")) config.state_dir = vm["state-dir"].as<std::string>();
  if (vm.count("proc-root")) config.proc.proc_root = vm["proc-root"].as<std::string>();
  if (vm.count("sys-root")) config.proc.sys_root = vm["sys-root"].as<std::string>();
  if (vm.count("log-level")) config.log_level = vm["log-level"].as<std::string>();
  if (vm.count("interval")) {
    Result<int64_t> ms = ParseDurationMs(vm["interval"].as<std::string>());
    if (!ms.ok()) return InvalidArgument("--interval: " + ms.status().message());
    config.interval_ms = *ms;
  }
  HW_RETURN_IF_ERROR(ValidateAgentConfig(&config));
  return config;
}

// SIGHUP: the new configuration replaces the running one only when it is valid and the agent
// starts with it. The old agent stops without waiting for the collector: batches in the
// spool (and log lines the batcher held, which it spools on Stop) are shipped by the new one.
bool Reload(const std::string& config_path, const po::variables_map& vm,
            std::unique_ptr<Agent>* agent, AgentConfig* running) {
  Result<AgentConfig> next = BuildConfig(config_path, vm);
  if (!next.ok()) {
    spdlog::error("reload rejected, keeping the running configuration: {}",
                  next.status().message());
    return true;
  }
  if (next->state_dir != running->state_dir) {
    spdlog::error(
        "reload rejected, keeping the running configuration: state_dir cannot change "
        "on reload ({} -> {}); restart the agent to move it",
        running->state_dir, next->state_dir);
    return true;
  }
  (*agent)->Stop(std::chrono::milliseconds(0));
  agent->reset();
  spdlog::set_level(spdlog::level::from_str(next->log_level));
  *agent = std::make_unique<Agent>(*next);
  if (Status s = (*agent)->Start(); !s.ok()) {
    spdlog::error(
        "reload rejected, going back to the previous configuration: cannot start with "
        "the new one: {}",
        s.message());
    agent->reset();
    spdlog::set_level(spdlog::level::from_str(running->log_level));
    *agent = std::make_unique<Agent>(*running);
    if (Status back = (*agent)->Start(); !back.ok()) {
      spdlog::error("cannot start again with the previous configuration either: {}",
                    back.message());
      return false;
    }
    return true;
  }
  *running = std::move(next).value();
  spdlog::info("configuration reloaded{}", config_path.empty() ? "" : " from " + config_path);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description visible("Options", 100, 50);
  visible.add_options()
      ("help,h", "show this help")
      ("version", "print the version")
      ("config,c", po::value<std::string>()->value_name("FILE"),
       "TOML configuration file (docs/configuration.md)")
      ("once", "collect once, print Prometheus text exposition to stdout and exit")
      ("check-config", "validate the configuration and exit (0 if valid)")
      ("collector", po::value<std::vector<std::string>>()->value_name("URL"),
       "collector URL; repeat to fail over in order (default http://127.0.0.1:9800)")
      ("token", po::value<std::string>()->value_name("TOKEN"), "ingest token")
      ("token-file", po::value<std::string>()->value_name("FILE"), "file holding the ingest token")
      ("ca-file", po::value<std::string>()->value_name("FILE"),
       "https collectors: trust the CA certificates in this PEM file (default: the system's)")
      ("host", po::value<std::string>()->value_name("NAME"), "host name to report (default: this machine's)")
      ("state-dir", po::value<std::string>()->value_name("DIR"),
       "spool and state (default /var/lib/hivewatch-agent)")
      ("interval", po::value<std::string>()->value_name("DURATION"), "collection interval (default 10s)")
      ("proc-root", po::value<std::string>()->value_name("DIR"), "where /proc is (default /proc)")
      ("sys-root", po::value<std::string>()->value_name("DIR"), "where /sys is (default /sys)")
      ("log-level", po::value<std::string>()->value_name("LEVEL"),
       "trace, debug, info, warn or error (default info)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + " (see --help)", 2);
  }
  if (vm.count("help")) {
    std::cout << kUsage << visible << std::endl;
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "hivewatch-agent " << HIVEWATCH_VERSION << std::endl;
    return 0;
  }

  std::string config_path = vm.count("config") ? vm["config"].as<std::string>() : "";
  if (config_path.empty() && !vm.count("once") && access("/etc/hivewatch/agent.toml", R_OK) == 0) {
    config_path = "/etc/hivewatch/agent.toml";
  }
  Result<AgentConfig> built = BuildConfig(config_path, vm);
  if (!built.ok()) {
    return Fail("invalid configuration: " + built.status().message(),
                vm.count("check-config") ? 1 : 2);
  }
  AgentConfig config = std::move(built).value();
  if (vm.count("check-config")) {
    std::cout << "configuration is valid" << std::endl;
    return 0;
  }

  SetUpLogging("agent", config.log_level);

  if (vm.count("once")) {
    std::vector<MetricFamily> families;
    if (Status s = CollectOnce(config, &families); !s.ok()) return Fail(s.message());
    std::cout << ToPrometheusText(families);
    return 0;
  }

  ServiceSignals signals;  // before any thread starts

  auto agent = std::make_unique<Agent>(config);
  if (Status s = agent->Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  ServiceLoopHooks hooks;
  hooks.ready_status = "shipping to " + config.collectors.front();
  hooks.reload = [&] { return Reload(config_path, vm, &agent, &config); };
  // The collection loop must come round within an interval plus the watchdog's own period.
  const auto grace =
      std::chrono::duration_cast<std::chrono::milliseconds>(systemd::WatchdogInterval());
  hooks.healthy = [&] { return agent->Healthy(grace); };
  const std::string stop = RunServiceLoop(signals, hooks);
  if (!agent) return 1;
  spdlog::info("received {}, flushing what can be sent; the rest stays in the spool", stop);
  agent->Stop();
  spdlog::info("stopped cleanly");
  return stop == "failed reload" ? 1 : 0;
}
