// The real agent against the real collector: exposition checked by promtool, metrics shipped,
// and a collector outage bridged by the disk spool with every batch arriving exactly once.
#include <signal.h>

#include <catch2/catch.hpp>
#include <regex>
#include <filesystem>
#include <sstream>

#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

// The host entry the collector lists for `host`, or null.
json HostEntry(const std::string& url, const std::string& token, const std::string& host) {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url + "/api/v1/hosts", {{"Authorization", "Bearer " + token}});
  if (!r.ok() || r->status != 200) return nullptr;
  const json body = json::parse(r->body);  // kept alive: the loop refers into it
  for (const json& h : body["hosts"]) {
    if (h["host"] == host) return h;
  }
  return nullptr;
}

int64_t Batches(const std::string& url, const std::string& token, const std::string& host) {
  json h = HostEntry(url, token, host);
  return h.is_null() ? 0 : h["batches"].get<int64_t>();
}

}  // namespace

TEST_CASE("agent --once prints node_exporter-style metrics that promtool accepts",
          "[integration][agent]") {
  CommandResult once = RunCommand({AgentBinary(), "--once"});
  INFO(once.err);
  REQUIRE(once.exit_code == 0);
  for (const char* name : {"node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"}", "node_load1 ",
                           "node_memory_MemTotal_bytes ", "node_network_receive_bytes_total{",
                           "hivewatch_agent_resident_memory_bytes "}) {
    INFO(name);
    CHECK(once.out.find(name) != std::string::npos);
  }
  CommandResult promtool = RunCommand({"promtool", "check", "metrics"}, {}, once.out);
  // promtool parses everything; its only remarks may be the camelCase lint it also makes for
  // node_exporter's own meminfo names (node_memory_MemTotal_bytes …), which are kept on purpose.
  std::istringstream remarks(promtool.out + promtool.err);
  int camel = 0;
  for (std::string line; std::getline(remarks, line);) {
    INFO(line);
    CHECK(line.find("node_memory_") == 0);
    CHECK(line.find("should be written in 'snake_case' not 'camelCase'") != std::string::npos);
    ++camel;
  }
  CHECK((promtool.exit_code == 0 || (promtool.exit_code == 3 && camel > 0)));
}

TEST_CASE("the agent spools through a collector outage and every batch arrives once",
          "[integration][agent]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  TempDir state;
  const std::string log_path = state.path() + "/agent.log";
  Process agent = Process::Start({AgentBinary(), "--collector", collector.url(), "--token", ingest,
                                  "--host", "agent-itest", "--interval", "1s", "--state-dir",
                                  state.path() + "/state"},
                                 state.path() + "/agent.out", log_path);
  bool shipped = WaitFor([&] { return Batches(collector.url(), read, "agent-itest") >= 2; },
                         std::chrono::seconds(20));
  INFO("agent log:\n" << ReadFile(log_path) << "\ncollector log:\n" << collector.log());
  REQUIRE(shipped);
  json host = HostEntry(collector.url(), read, "agent-itest");
  CHECK(host["samples"].get<int64_t>() > 100);  // a whole node_exporter-like collection

  // The collector goes away; the agent keeps collecting into its spool.
  collector.Stop();
  const auto spool_size = [&] {
    uint64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(state.path() + "/state/spool")) {
      if (e.path().filename().string().rfind("seg-", 0) == 0) total += e.file_size();
    }
    return total;
  };
  const uint64_t before = spool_size();
  // A batch is about 4-5 KB gzipped: wait for at least two collected while it is away, and
  // for the agent to say that pushing fails.
  REQUIRE(WaitFor(
      [&] {
        return spool_size() > before + 9000 &&
               ReadFile(log_path).find("push failed, retrying") != std::string::npos;
      },
      std::chrono::seconds(30)));

  // Back again (same port): SIGTERM now, so the backlog must drain during the agent's
  // shutdown flush (which retries at once instead of sleeping out its backoff).
  collector.Start();
  agent.Signal(SIGTERM);
  REQUIRE(agent.Wait(std::chrono::seconds(30)) == 0);
  const std::string log = ReadFile(log_path);
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex("this run: (\\d+) batches collected")));
  const int64_t collected = std::stoll(m[1].str());
  CHECK(collected >= 5);
  // hosts.batches counts distinct batch ids: equal means none lost and none stored twice.
  CHECK(Batches(collector.url(), read, "agent-itest") == collected);
}
