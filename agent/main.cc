// hivewatch-agent: flags, wiring and the run loop only (see agent/agent.h).
#include <spdlog/spdlog.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <unistd.h>

#include "common/daemon.h"
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

  hivewatch-agent --once                       one collection as Prometheus text, then exit
  hivewatch-agent --collector http://c:9800 --token-file /etc/hivewatch/token

)";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "hivewatch-agent: " << message << "\n";
  return code;
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

  AgentConfig config;
  std::string config_path = vm.count("config") ? vm["config"].as<std::string>() : "";
  if (config_path.empty() && !vm.count("once") && access("/etc/hivewatch/agent.toml", R_OK) == 0) {
    config_path = "/etc/hivewatch/agent.toml";
  }
  if (!config_path.empty()) {
    Result<AgentConfig> loaded = LoadAgentConfig(config_path);
    if (!loaded.ok()) return Fail("invalid configuration: " + loaded.status().message());
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
    if (!ms.ok()) return Fail("--interval: " + ms.status().message(), 2);
    config.interval_ms = *ms;
  }
  if (Status s = ValidateAgentConfig(&config); !s.ok()) {
    return Fail("invalid configuration: " + s.message(), vm.count("check-config") ? 1 : 2);
  }
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

  StopSignals stop_signals;  // before any thread starts

  Agent agent(config);
  if (Status s = agent.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", s.message());
    return 1;
  }
  spdlog::info("received {}, flushing what can be sent; the rest stays in the spool",
               stop_signals.Wait());
  agent.Stop();
  spdlog::info("stopped cleanly");
  return 0;
}
