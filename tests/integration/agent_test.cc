// The real agent against the real collector: exposition checked by promtool, metrics shipped,
// and a collector outage bridged by the disk spool with every batch arriving exactly once.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "agent/ship/spool.h"
#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

// The value of the exposition line that starts with `series` (name and labels), or -1.
double ExposedValue(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// cpu0's user time in seconds from /proc/stat (USER_HZ = 100).
double Cpu0UserSeconds() {
  for (const std::string& line : ReadLines("/proc/stat")) {
    if (line.rfind("cpu0 ", 0) == 0) return std::stod(line.substr(5)) / 100.0;
  }
  return -1;
}

}  // namespace

TEST_CASE("agent --once agrees with /proc read at the same moment", "[integration][agent]") {
  const double user_before = Cpu0UserSeconds();
  CommandResult once = RunCommand({AgentBinary(), "--once"});
  const double user_after = Cpu0UserSeconds();
  REQUIRE(once.exit_code == 0);
  double mem_total_kb = -1, boot_time = -1;
  for (const std::string& line : ReadLines("/proc/meminfo")) {
    if (line.rfind("MemTotal:", 0) == 0) mem_total_kb = std::stod(line.substr(9));
  }
  for (const std::string& line : ReadLines("/proc/stat")) {
    if (line.rfind("btime ", 0) == 0) boot_time = std::stod(line.substr(6));
  }
  CHECK(ExposedValue(once.out, "node_memory_MemTotal_bytes") == mem_total_kb * 1024);
  CHECK(ExposedValue(once.out, "node_boot_time_seconds") == boot_time);
  const double user = ExposedValue(once.out, "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"}");
  CHECK(user >= user_before);
  CHECK(user <= user_after);
}

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
  Process agent = Process::Start(
      {AgentBinary(), "--config", "/dev/null", "--collector", collector.url(), "--token", ingest,
       "--host", "agent-itest", "--interval", "1s", "--state-dir", state.path() + "/state"},
      state.path() + "/agent.out", log_path);
  bool shipped = WaitFor([&] { return Batches(collector.url(), read, "agent-itest") >= 2; },
                         std::chrono::seconds(20));
  INFO("agent log:\n" << ReadFile(log_path) << "\ncollector log:\n" << collector.log());
  REQUIRE(shipped);
  json host = HostEntry(collector.url(), read, "agent-itest");
  CHECK(host["samples"].get<int64_t>() > 100);  // a whole node_exporter-like collection
  {
    // The shipped metrics are queryable with PromQL, with the agent's host as `host`.
    HttpClient client;
    Result<HttpResponse> q = client.Get(
        collector.url() + "/api/v1/query?query=count%20by%20(mode)%20(node_cpu_seconds_total" +
            "%7Bhost%3D%22agent-itest%22%7D)",
        {{"Authorization", "Bearer " + read}});
    REQUIRE(q.ok());
    INFO(q->body);
    REQUIRE(q->status == 200);
    const json result = json::parse(q->body)["data"]["result"];
    CHECK(result.size() >= 4);  // user, system, idle, iowait, … each counted over the CPUs
  }

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

namespace {

// The number of records waiting in a spool directory, counted on a copy (so the agent's own
// spool is untouched).
int CountSpooled(const std::string& spool_dir, const std::string& scratch) {
  std::filesystem::remove_all(scratch);
  if (!std::filesystem::exists(spool_dir)) return 0;
  std::filesystem::copy(spool_dir, scratch, std::filesystem::copy_options::recursive);
  Result<std::unique_ptr<Spool>> spool = Spool::Open(SpoolOptions{scratch});
  REQUIRE(spool.ok());
  int n = 0;
  for (;;) {
    Result<std::optional<SpoolRecord>> head = (*spool)->Peek();
    REQUIRE(head.ok());
    if (!head->has_value()) break;
    REQUIRE((*spool)->Ack((*head)->batch_id).ok());
    ++n;
  }
  return n;
}

// Flips one byte inside the second record of a segment file: its checksum no longer matches.
void CorruptSecondRecord(const std::string& segment) {
  std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  unsigned char header[12];
  f.read(reinterpret_cast<char*>(header), sizeof header);
  const uint32_t len = header[4] | header[5] << 8 | header[6] << 16 | uint32_t{header[7]} << 24;
  const std::streamoff target = 12 + static_cast<std::streamoff>(len) + 12 + 40;
  f.seekg(target);
  char byte = 0;
  f.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x5a);
  f.seekp(target);
  f.write(&byte, 1);
  REQUIRE(f.good());
}

}  // namespace

TEST_CASE("after kill -9 the agent resends its backlog and skips a corrupted record",
          "[integration][agent]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  collector.Stop();  // the port is known; the collector is away while the backlog builds up
  TempDir dir;
  const std::string state = dir.path() + "/state";
  const std::vector<std::string> argv = {
      AgentBinary(), "--config",    "/dev/null",  "--collector", collector.url(), "--token", ingest,
      "--host",      "agent-crash", "--interval", "1s",          "--state-dir",   state};
  Process agent = Process::Start(argv, dir.path() + "/agent.out", dir.path() + "/agent1.log");
  REQUIRE(WaitFor([&] { return CountSpooled(state + "/spool", dir.path() + "/copy") >= 3; },
                  std::chrono::seconds(30)));
  agent.Signal(SIGKILL);
  agent.Wait();
  const int backlog = CountSpooled(state + "/spool", dir.path() + "/copy");
  INFO("records in the spool at kill -9: " << backlog);
  CorruptSecondRecord(state + "/spool/seg-000001.log");

  collector.Start();
  const std::string log_path = dir.path() + "/agent2.log";
  agent = Process::Start(argv, dir.path() + "/agent.out", log_path);
  // Everything but the damaged record arrives, and the agent keeps running and collecting.
  REQUIRE(WaitFor([&] { return Batches(collector.url(), read, "agent-crash") >= backlog + 1; },
                  std::chrono::seconds(30)));
  CHECK(agent.Running());
  agent.Signal(SIGTERM);
  REQUIRE(agent.Wait(std::chrono::seconds(30)) == 0);
  const std::string log = ReadFile(log_path);
  INFO("agent log:\n" << log);
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex("this run: (\\d+) batches collected")));
  const int64_t second_run = std::stoll(m[1].str());
  CHECK(Batches(collector.url(), read, "agent-crash") == backlog - 1 + second_run);
  CHECK(log.find("damaged record") != std::string::npos);
}
