// Several collectors on one ClickHouse, as real processes: tokens made through either one work
// on both (and a revocation reaches both), either one answers any query, and a real agent
// configured with both URLs fails over when the first is killed with SIGKILL in the middle of
// a stream of lines — every line stored exactly once, compared by content.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/clickhouse_process.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

long HttpStatus(const std::string& url, const std::string& path, const std::string& token) {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url + path, {{"Authorization", "Bearer " + token}});
  return r.ok() ? r->status : -1;
}

std::string ClickhouseConfig(const std::string& database) {
  return "[storage]\nbackend = \"clickhouse\"\n[storage.clickhouse]\nurl = \"" +
         SharedClickhouse().url() + "\"\ndatabase = \"" + database + "\"\n";
}

// Appends "seq=<i> <sample line>" lines to `path`, about one every 0.3 ms.
class LineWriter {
 public:
  LineWriter(std::string path, int lines) : path_(std::move(path)), lines_(lines) {
    samples_ = ReadLines(SharedLogsDir() + "/OpenSSH_2k.log");
  }
  ~LineWriter() {
    if (thread_.joinable()) thread_.join();
  }
  void Start() {
    thread_ = std::thread([this] {
      std::ofstream out(path_, std::ios::app);
      for (int i = 0; i < lines_; ++i) {
        out << Line(i) << "\n" << std::flush;
        written_ = i + 1;
        std::this_thread::sleep_for(std::chrono::microseconds(300));  // the steady rate
      }
    });
  }
  void Join() { thread_.join(); }
  int written() const { return written_; }
  std::string Line(int i) const {
    return "seq=" + std::to_string(i) + " " + samples_[static_cast<size_t>(i) % samples_.size()];
  }

 private:
  const std::string path_;
  const int lines_;
  std::vector<std::string> samples_;
  std::atomic<int> written_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("tokens made through one collector work on the other, and so does a revocation",
          "[clickhouse][multi]") {
  const std::string toml = ClickhouseConfig(NewClickhouseDatabase());
  CollectorProcess a, b;
  a.UseConfig(toml);
  b.UseConfig(toml);
  const std::string read_a = a.CreateToken("reader-a", "read");
  const std::string read_b = b.CreateToken("reader-b", "read");
  a.Start();
  b.Start();
  for (const std::string& url : {a.url(), b.url()}) {
    CHECK(HttpStatus(url, "/api/v1/hosts", read_a) == 200);
    CHECK(HttpStatus(url, "/api/v1/hosts", read_b) == 200);
    CHECK(HttpStatus(url, "/api/v1/hosts", "hw_not_a_token") == 401);
  }
  // `token list` through either shows both; a revocation through b stops the token on a too.
  CommandResult list = RunCommand(
      {CollectorBinary(), "--config", a.data_dir() + "/collector.toml", "token", "list"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("reader-a") != std::string::npos);
  CHECK(list.out.find("reader-b") != std::string::npos);
  CommandResult revoke =
      RunCommand({CollectorBinary(), "--config", b.data_dir() + "/collector.toml", "token",
                  "revoke", "reader-a"});
  INFO(revoke.err);
  REQUIRE(revoke.exit_code == 0);
  // Collectors remember a verified token for up to 5 s.
  CHECK(WaitFor([&] { return HttpStatus(a.url(), "/api/v1/hosts", read_a) == 401; },
                std::chrono::seconds(15)));
  CHECK(WaitFor([&] { return HttpStatus(b.url(), "/api/v1/hosts", read_a) == 401; },
                std::chrono::seconds(15)));
  CHECK(HttpStatus(a.url(), "/api/v1/hosts", read_b) == 200);
}

TEST_CASE("an agent with two collectors fails over when one is killed, every line stored once",
          "[clickhouse][multi]") {
  const std::string toml = ClickhouseConfig(NewClickhouseDatabase());
  CollectorProcess a, b;
  a.UseConfig(toml);
  b.UseConfig(toml);
  const std::string ingest = a.CreateToken("agent", "ingest");
  const std::string read = b.CreateToken("reader", "read");
  a.Start();
  b.Start();

  TempDir dir;
  const std::string config = dir.path() + "/agent.toml";
  std::ofstream(config) << "[agent]\n"
                        << "collectors = [\"" << a.url() << "\", \"" << b.url() << "\"]\n"
                        << "token = \"" << ingest << "\"\n"
                        << "host = \"multi-itest\"\n"
                        << "state_dir = \"" << dir.path() << "/state\"\n"
                        << "interval = \"1h\"\n"
                        << "batch_max_wait = \"20ms\"\n"
                        << "[inputs.proc]\nenabled = false\n"
                        << "[[inputs.file]]\n"
                        << "paths = [\"" << dir.path() << "/app.log\"]\n"
                        << "service = \"app\"\n"
                        << "start_at = \"beginning\"\n"
                        << "poll_interval = \"10ms\"\n";
  constexpr int kLines = 6000;
  LineWriter writer(dir.path() + "/app.log", kLines);
  Process agent = Process::Start({AgentBinary(), "--config", config}, dir.path() + "/agent.out",
                                 dir.path() + "/agent.log");
  writer.Start();
  auto stored = [&](const std::string& url) {
    HttpClient client;
    return QueryAllLogs(client, url, read, "service=app&host=multi-itest");
  };
  // a takes the pushes while it lives (the agent tries the URLs in order); b answers too.
  REQUIRE(WaitFor([&] { return stored(b.url()).size() >= kLines / 3; }, std::chrono::seconds(60)));
  a.Kill9();
  writer.Join();
  std::vector<json> logs;
  WaitFor(
      [&] {
        logs = stored(b.url());
        return logs.size() >= static_cast<size_t>(kLines);
      },
      std::chrono::seconds(60));
  agent.Signal(SIGTERM);
  CHECK(agent.Wait() == 0);
  logs = stored(b.url());
  INFO("agent log:\n" << ReadFile(dir.path() + "/agent.log"));

  std::vector<std::string> got;
  for (auto it = logs.rbegin(); it != logs.rend(); ++it) got.push_back((*it)["message"]);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want;
  for (int i = 0; i < kLines; ++i) want.push_back(writer.Line(i));
  std::sort(want.begin(), want.end());
  size_t mismatches = 0;
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    const std::string g = i < got.size() ? got[i] : "<missing>";
    const std::string w = i < want.size() ? want[i] : "<extra>";
    if (g != w && ++mismatches <= 5) UNSCOPED_INFO("stored '" << g << "' expected '" << w << "'");
  }
  CHECK(mismatches == 0);
  CHECK(got.size() == want.size());

  // The agent's batches are counted once, whichever collector took them.
  HttpClient client;
  Result<HttpResponse> hosts =
      client.Get(b.url() + "/api/v1/hosts", {{"Authorization", "Bearer " + read}});
  REQUIRE(hosts.ok());
  const json body = json::parse(hosts->body);
  int64_t lines = -1;
  for (const json& h : body["hosts"]) {
    if (h["host"] == "multi-itest") lines = h["log_lines"].get<int64_t>();
  }
  CHECK(lines == kLines);
}
