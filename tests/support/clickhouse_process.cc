#include "tests/support/clickhouse_process.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <regex>

#include "common/http_client.h"

namespace hivewatch::testing {
namespace {

std::string Replace(const std::string& text, const std::string& pattern,
                    const std::string& replacement) {
  return std::regex_replace(text, std::regex(pattern), replacement);
}

// The stock config with everything that touches the machine moved into `dir`.
std::string TestConfig(const std::string& stock, const std::string& dir, int http_port,
                       int tcp_port, int interserver_port) {
  std::string c = stock;
  c = Replace(c, "<log>[^<]*</log>", "<log>" + dir + "/log/server.log</log>");
  c = Replace(c, "<errorlog>[^<]*</errorlog>",
              "<errorlog>" + dir + "/log/server.err.log</errorlog>");
  c = Replace(c, "<level>[^<]*</level>", "<level>warning</level>");
  c = Replace(c, "<http_port>[^<]*</http_port>",
              "<http_port>" + std::to_string(http_port) + "</http_port>");
  c = Replace(c, "<tcp_port>[^<]*</tcp_port>",
              "<tcp_port>" + std::to_string(tcp_port) + "</tcp_port>");
  c = Replace(
      c, "<interserver_http_port>[^<]*</interserver_http_port>",
      "<interserver_http_port>" + std::to_string(interserver_port) + "</interserver_http_port>");
  c = Replace(c, "<listen_host>[^<]*</listen_host>", "");
  c = Replace(c, "<path>/var/lib/clickhouse/</path>", "<path>" + dir + "/data/</path>");
  c = Replace(c, "<tmp_path>[^<]*</tmp_path>", "<tmp_path>" + dir + "/tmp/</tmp_path>");
  c = Replace(c, "<user_files_path>[^<]*</user_files_path>",
              "<user_files_path>" + dir + "/user_files/</user_files_path>");
  c = Replace(c, "<format_schema_path>[^<]*</format_schema_path>",
              "<format_schema_path>" + dir + "/format_schemas/</format_schema_path>");
  // Instead of the example clusters (on the default ports): `hivewatch_test`, one shard, this
  // server (for Distributed tables: tests/clickhouse/cluster_test.cc).
  c = Replace(c, "<remote_servers[\\s\\S]*?</remote_servers>",
              "<remote_servers><hivewatch_test><shard><replica><host>127.0.0.1</host><port>" +
                  std::to_string(tcp_port) +
                  "</port></replica></shard></hivewatch_test></remote_servers>");
  const size_t end = c.rfind("</yandex>");
  if (end != std::string::npos) c.insert(end, "    <listen_host>127.0.0.1</listen_host>\n");
  return c;
}

}  // namespace

std::string ClickhouseServerBinary() {
  for (const char* path : {"/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "/usr/sbin/clickhouse-server";
}

ClickhouseProcess::ClickhouseProcess() = default;

ClickhouseProcess::~ClickhouseProcess() {
  if (!process_.Running()) return;
  process_.Signal(SIGTERM);
  if (process_.Wait(std::chrono::seconds(30)) < 0) process_.Signal(SIGKILL);
}

std::string ClickhouseProcess::log() const {
  return ReadFile(dir_.path() + "/log/server.err.log") + ReadFile(dir_.path() + "/server.out");
}

void ClickhouseProcess::Start() {
  const std::string binary = ClickhouseServerBinary();
  if (access(binary.c_str(), X_OK) != 0) {
    FAIL(binary << " is missing: run packaging/install-deps.sh (it installs clickhouse-server)");
  }
  const std::string stock = ReadFile("/etc/clickhouse-server/config.xml");
  REQUIRE_FALSE(stock.empty());
  std::filesystem::copy_file("/etc/clickhouse-server/users.xml", dir_.path() + "/users.xml",
                             std::filesystem::copy_options::overwrite_existing);
  HttpClient client(HttpClientOptions{1000, 2000, ""});
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int http_port = FreeLoopbackPort();
    const int tcp_port = FreeLoopbackPort();
    const int interserver_port = FreeLoopbackPort();
    REQUIRE(http_port > 0);
    std::ofstream(dir_.path() + "/config.xml")
        << TestConfig(stock, dir_.path(), http_port, tcp_port, interserver_port);
    process_ = Process::Start({binary, "--config-file=" + dir_.path() + "/config.xml"},
                              dir_.path() + "/server.out", dir_.path() + "/server.out");
    url_ = "http://127.0.0.1:" + std::to_string(http_port);
    const bool ready = WaitFor(
        [&] {
          if (!process_.Running()) return true;  // exited: maybe a port was taken meanwhile
          Result<HttpResponse> r = client.Get(url_ + "/ping");
          return r.ok() && r->status == 200;
        },
        std::chrono::seconds(30));
    if (ready && process_.Running()) return;
    if (log().find("Address already in use") == std::string::npos) break;
  }
  INFO("clickhouse-server log:\n" << log());
  FAIL("clickhouse-server did not become ready");
}

std::string ClickhouseProcess::Query(const std::string& sql) {
  HttpClient client;
  Result<HttpResponse> r = client.Post(url_ + "/", sql);
  if (!r.ok()) FAIL("ClickHouse: " << r.status().message());
  if (r->status != 200)
    FAIL("ClickHouse answered " << r->status << " to " << sql << ": " << r->body);
  return r->body;
}

ClickhouseProcess& SharedClickhouse() {
  static std::mutex mu;
  static std::unique_ptr<ClickhouseProcess> shared;
  std::lock_guard<std::mutex> lock(mu);
  if (!shared) {
    auto server = std::make_unique<ClickhouseProcess>();
    server->Start();
    shared = std::move(server);
  }
  return *shared;
}

std::string NewClickhouseDatabase() {
  static std::atomic<int> next{0};
  return "hw_test_" + std::to_string(getpid()) + "_" + std::to_string(next++);
}

}  // namespace hivewatch::testing
