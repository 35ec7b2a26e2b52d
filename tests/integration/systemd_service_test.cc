// The daemons as systemd runs them (Type=notify, WatchdogSec=, ExecReload= SIGHUP), with a
// notify socket the test listens on in place of systemd: READY=1 once serving, watchdog pings,
// RELOADING=1/READY=1 around a reload, STOPPING=1; a bad new configuration is rejected and the
// old one kept; a reload loses no buffered batch.
#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"
#include "tests/support/notify_socket.h"
#include "tests/support/refusing_port.h"

using namespace hivewatch;
using namespace hivewatch::testing;

namespace {

// What systemd puts in the environment of a Type=notify service with WatchdogSec=0.4s.
std::map<std::string, std::string> SystemdEnv(const NotifySocket& socket) {
  return {{"NOTIFY_SOCKET", socket.path()}, {"WATCHDOG_USEC", "400000"}};
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  REQUIRE(out.flush());
}

}  // namespace

TEST_CASE("the collector tells systemd it is ready, pings the watchdog and reloads log_level",
          "[integration][systemd]") {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify");
  const std::string config = dir.path() + "/collector.toml";
  WriteFile(config, "listen = \"127.0.0.1:0\"\nno_auth = true\n");
  const std::string log_path = dir.path() + "/collector.log";
  Process collector =
      Process::Start({CollectorBinary(), "--config", config, "--data-dir", dir.path() + "/data"},
                     dir.path() + "/collector.out", log_path, SystemdEnv(notify));
  const std::string ready = notify.WaitFor("READY=1");
  INFO("collector log:\n" << ReadFile(log_path));
  REQUIRE(!ready.empty());
  std::smatch m;
  REQUIRE(std::regex_search(ready, m, std::regex("STATUS=listening on (http://\\S+)")));
  const std::string url = m[1].str();
  HttpClient client;
  CHECK(client.Get(url + "/healthz").value().status == 200);  // READY=1 means it serves
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());  // again: pinged periodically

  // A bad file is rejected with the reason; the collector goes on serving.
  WriteFile(config, "listen = \"127.0.0.1:0\"\nno_auth = true\nlog_level = \"loud\"\n");
  collector.Signal(SIGHUP);
  CHECK(!notify.WaitFor("RELOADING=1").empty());
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(WaitFor([&] {
    return ReadFile(log_path).find(
               "reload rejected, keeping the running configuration: "
               "log_level: 'loud'") != std::string::npos;
  }));
  CHECK(client.Get(url + "/healthz").value().status == 200);

  // A good one takes effect: debug lines appear.
  WriteFile(config, "listen = \"127.0.0.1:0\"\nno_auth = true\nlog_level = \"debug\"\n");
  collector.Signal(SIGHUP);
  CHECK(!notify.WaitFor("RELOADING=1").empty());
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(WaitFor([&] {
    return ReadFile(log_path).find("configuration reloaded from " + config +
                                   ": log_level = debug") != std::string::npos;
  }));

  collector.Signal(SIGTERM);
  CHECK(!notify.WaitFor("STOPPING=1").empty());
  CHECK(collector.Wait() == 0);
}

TEST_CASE(
    "the agent reloads on SIGHUP without losing a spooled batch and keeps a good config "
    "over a bad one",
    "[integration][systemd]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  RefusingPort nowhere;
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify");
  WriteFile(dir.path() + "/token", ingest + "\n");
  const auto config_text = [&](const std::string& collector_url, const std::string& extra) {
    return "[agent]\nhost = \"reload-itest\"\ninterval = \"1s\"\ncollectors = [\"" + collector_url +
           "\"]\ntoken_file = \"" + dir.path() + "/token\"\nstate_dir = \"" + dir.path() +
           "/state\"\n" + extra;
  };
  const std::string config = dir.path() + "/agent.toml";
  // First the agent cannot reach any collector: its batches wait in the spool.
  WriteFile(config, config_text("http://127.0.0.1:" + std::to_string(nowhere.port()), ""));
  const std::string log_path = dir.path() + "/agent.log";
  Process agent = Process::Start({AgentBinary(), "--config", config}, dir.path() + "/agent.out",
                                 log_path, SystemdEnv(notify));
  INFO("agent log:\n" << ReadFile(log_path));
  REQUIRE(!notify.WaitFor("READY=1").empty());
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());
  REQUIRE(
      WaitFor([&] { return ReadFile(log_path).find("push failed, retrying") != std::string::npos; },
              std::chrono::seconds(20)));

  // Reloaded onto the real collector: the batches spooled before are delivered by the new run.
  WriteFile(config, config_text(collector.url(), ""));
  agent.Signal(SIGHUP);
  CHECK(!notify.WaitFor("RELOADING=1").empty());
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(WaitFor([&] { return Batches(collector.url(), read, "reload-itest") >= 3; },
                std::chrono::seconds(20)));

  // A bad file (and one moving the spool) is rejected; the agent goes on shipping.
  WriteFile(config, config_text(collector.url(), "batch_max_wait = \"2h\"\n"));
  agent.Signal(SIGHUP);
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(WaitFor([&] {
    return ReadFile(log_path).find("reload rejected, keeping the running configuration: " + config +
                                   ":7: agent.batch_max_wait") != std::string::npos;
  }));
  WriteFile(config, config_text(collector.url(), "")
                        .replace(config_text(collector.url(), "").find("/state\""), 7, "/other\""));
  agent.Signal(SIGHUP);
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(WaitFor([&] {
    return ReadFile(log_path).find("state_dir cannot change on reload") != std::string::npos;
  }));
  const int64_t before = Batches(collector.url(), read, "reload-itest");
  CHECK(WaitFor([&] { return Batches(collector.url(), read, "reload-itest") > before; },
                std::chrono::seconds(20)));

  agent.Signal(SIGTERM);
  CHECK(!notify.WaitFor("STOPPING=1").empty());
  REQUIRE(agent.Wait() == 0);
  // Every batch of both runs arrived, once: the collector counts distinct batch ids.
  const std::string log = ReadFile(log_path);
  int64_t collected = 0;
  int runs = 0;
  const std::regex run_line("this run: (\\d+) batches collected");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), run_line);
       it != std::sregex_iterator(); ++it, ++runs) {
    collected += std::stoll((*it)[1].str());
  }
  CHECK(runs == 2);
  CHECK(Batches(collector.url(), read, "reload-itest") == collected);
}
