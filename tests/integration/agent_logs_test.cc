// The real agent's log inputs against the real collector: syslog lines sent by util-linux
// `logger` over TCP and UDP come back from the collector's search, each exactly once.
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

// A loopback port that was free a moment ago (for processes that cannot report theirs).
int FreePort(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::vector<std::string> FirstLines(const std::string& path, size_t n) {
  std::vector<std::string> lines = ReadLines(path);
  lines.resize(std::min(n, lines.size()));
  return lines;
}

// Messages of `service` stored for `host`, oldest first.
std::vector<std::string> StoredMessages(const std::string& url, const std::string& token,
                                        const std::string& host, const std::string& service) {
  HttpClient client;
  std::vector<json> logs =
      QueryAllLogs(client, url, token, "host=" + host + "&service=" + service);
  std::vector<std::string> out;
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) out.push_back((*it)["message"]);
  return out;
}

}  // namespace

TEST_CASE("syslog lines sent with logger are stored once each, in order",
          "[integration][agent][syslog]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  TempDir dir;
  const int udp = FreePort(SOCK_DGRAM), tcp = FreePort(SOCK_STREAM);
  const std::string config = dir.path() + "/agent.toml";
  std::ofstream(config) << "[agent]\n"
                        << "collectors = [\"" << collector.url() << "\"]\n"
                        << "token = \"" << ingest << "\"\n"
                        << "host = \"syslog-itest\"\n"
                        << "state_dir = \"" << dir.path() << "/state\"\n"
                        << "interval = \"1h\"\n"
                        << "batch_max_wait = \"100ms\"\n"
                        << "[inputs.proc]\nenabled = false\n"
                        << "[inputs.syslog]\nenabled = true\n"
                        << "udp_listen = \"127.0.0.1:" << udp << "\"\n"
                        << "tcp_listen = \"127.0.0.1:" << tcp << "\"\n";
  const std::string log_path = dir.path() + "/agent.log";
  Process agent = Process::Start({AgentBinary(), "--config", config}, dir.path() + "/agent.out",
                                 log_path);
  REQUIRE(WaitFor([&] { return ReadFile(log_path).find("started") != std::string::npos; }));
  INFO("agent log:\n" << ReadFile(log_path));

  // 300 real sshd lines over TCP with octet counting, as RFC 5424 messages.
  const std::string sshd_lines = std::string(HIVEWATCH_SHARED_LOGS) + "/OpenSSH_2k.log";
  const std::vector<std::string> sent = FirstLines(sshd_lines, 300);
  {
    std::string text;
    for (const std::string& l : sent) text += l + "\n";
    CommandResult r = RunCommand({"logger", "--rfc5424", "--tcp", "--octet-count", "-n",
                                  "127.0.0.1", "-P", std::to_string(tcp), "-t", "sshd"},
                                 {}, text);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  // One line over UDP in the old BSD format, with a level.
  CommandResult r = RunCommand({"logger", "--rfc3164", "--udp", "-n", "127.0.0.1", "-P",
                                std::to_string(udp), "-t", "cron", "-p", "cron.err",
                                "disk quota exceeded for backup job"});
  REQUIRE(r.exit_code == 0);

  REQUIRE(WaitFor(
      [&] { return StoredMessages(collector.url(), read, "syslog-itest", "sshd").size() >= 300; },
      std::chrono::seconds(20)));
  CHECK(StoredMessages(collector.url(), read, "syslog-itest", "sshd") == sent);
  REQUIRE(WaitFor(
      [&] { return !StoredMessages(collector.url(), read, "syslog-itest", "cron").empty(); }));
  HttpClient client;
  std::vector<json> cron =
      QueryAllLogs(client, collector.url(), read, "service=cron&level=error");
  REQUIRE(cron.size() == 1);
  CHECK(cron[0]["message"] == "disk quota exceeded for backup job");
  CHECK(cron[0]["host"] == "syslog-itest");

  agent.Signal(SIGTERM);
  CHECK(agent.Wait(std::chrono::seconds(20)) == 0);
}
