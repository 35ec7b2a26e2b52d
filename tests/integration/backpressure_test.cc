// Backpressure, end to end with real processes: the collector is down for 30 s (the issue's
// "minutes", scaled down) while a file keeps receiving ~1 MB/s of real sample lines and the
// agent's spool is capped at 1 MiB. The spool grows to its cap and no further, the agent's
// memory stays bounded (VmRSS/VmHWM from /proc), and once the collector is back every line
// arrives in order, exactly once — except the oldest spooled ones the cap dropped, whose number
// is exactly the agent's hivewatch_agent_dropped_log_lines_total{reason="spool_full"}.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/http_client.h"
#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

constexpr int64_t kBaseMs = 1764100000000;  // line i carries ts kBaseMs + i (ms)
constexpr uint64_t kSpoolCap = 1024 * 1024;

// Appends "<RFC 3339 ts> seq=<i> <sample line>" lines to `path` in bursts every 10 ms, about
// `bytes_per_s`, until Pause(); Resume() goes on with the next number.
class SteadyWriter {
 public:
  SteadyWriter(std::string path, std::vector<std::string> samples)
      : path_(std::move(path)), samples_(std::move(samples)) {}
  ~SteadyWriter() { Pause(); }

  std::string Line(int i) const {
    return FormatRfc3339(kBaseMs + i) + " seq=" + std::to_string(i) + " " +
           samples_[static_cast<size_t>(i) % samples_.size()];
  }
  // Writes lines [written(), written() + n) at once.
  void WriteNow(int n) {
    std::string text;
    for (int i = 0; i < n; ++i) text += Line(written_ + i) + "\n";
    std::ofstream(path_, std::ios::app) << text;
    written_ += n;
  }
  void Resume(size_t bytes_per_s) {
    stop_ = false;
    thread_ = std::thread([this, bytes_per_s] {
      const size_t per_burst = bytes_per_s / 100;
      auto next = std::chrono::steady_clock::now();
      std::ofstream out(path_, std::ios::app);
      while (!stop_) {
        std::string text;
        int n = 0;
        while (text.size() < per_burst) text += Line(written_ + n++) + "\n";
        out << text << std::flush;
        written_ += n;
        next += std::chrono::milliseconds(10);
        std::this_thread::sleep_until(next);  // the write rate, not synchronisation
      }
    });
  }
  void Pause() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int written() const { return written_; }

 private:
  const std::string path_;
  const std::vector<std::string> samples_;
  std::atomic<int> written_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// VmRSS and VmHWM of a process, in bytes (0 if unreadable).
std::pair<uint64_t, uint64_t> Memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  uint64_t rss = 0, hwm = 0;
  std::string key;
  uint64_t kb = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (std::sscanf(line.c_str(), "VmRSS: %lu", &kb) == 1) rss = kb * 1024;
    if (std::sscanf(line.c_str(), "VmHWM: %lu", &kb) == 1) hwm = kb * 1024;
  }
  return {rss, hwm};
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// The newest value of an agent self-metric stored in the collector, or -1.
double LatestMetric(const std::string& url, const std::string& token, const std::string& query) {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url + "/api/v1/query?query=" + UrlEncode(query),
                                      {{"Authorization", "Bearer " + token}});
  if (!r.ok() || r->status != 200) return -1;
  json result = json::parse(r->body, nullptr, false)["data"]["result"];
  if (!result.is_array() || result.size() != 1) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());
}

// Whether line `seq` is stored (a full-text search for its unique "seq=N" word).
bool IsStored(const std::string& url, const std::string& token, int seq) {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url + "/api/v1/logs?host=bp-itest&limit=1&q=" +
                                          UrlEncode("\"seq " + std::to_string(seq) + "\""),
                                      {{"Authorization", "Bearer " + token}});
  if (!r.ok() || r->status != 200) return false;
  json body = json::parse(r->body, nullptr, false);
  return body.is_object() && body["logs"].is_array() && !body["logs"].empty();
}

}  // namespace

TEST_CASE(
    "a collector outage fills the spool to its cap, memory stays bounded, the rest "
    "arrives once and in order, and what the cap dropped is counted exactly",
    "[integration][agent][file][backpressure]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  TempDir dir;
  const std::string log = dir.path() + "/app.log";
  const std::string spool = dir.path() + "/state/spool";
  const std::string config = dir.path() + "/agent.toml";
  std::ofstream(config) << "[agent]\n"
                        << "collectors = [\"" << collector.url() << "\"]\n"
                        << "token = \"" << ingest << "\"\n"
                        << "host = \"bp-itest\"\n"
                        << "state_dir = \"" << dir.path() << "/state\"\n"
                        << "interval = \"1s\"\n"
                        << "spool_max_bytes = " << kSpoolCap << "\n"
                        << "batch_max_wait = \"200ms\"\n"
                        << "retry_max = \"2s\"\n"  // the backlog moves soon after the outage
                        << "[inputs.proc]\nenabled = false\n"
                        << "[[inputs.file]]\n"
                        << "paths = [\"" << log << "\"]\n"
                        << "service = \"app\"\n"
                        << "start_at = \"beginning\"\n";
  std::vector<std::string> samples;
  for (SampleLine& l : LoadSamples()) samples.push_back(std::move(l.message));
  SteadyWriter writer(log, samples);
  writer.WriteNow(2000);
  Process agent = Process::Start({AgentBinary(), "--config", config}, dir.path() + "/agent.out",
                                 dir.path() + "/agent.log");
  INFO("agent log: " << dir.path() << "/agent.log");
  REQUIRE(WaitFor([&] { return IsStored(collector.url(), read, 1999); }, std::chrono::seconds(30)));

  // The outage: 30 s of ~1 MB/s into the file (about 10x what a 1 MiB spool of gzipped
  // batches holds).
  collector.Stop();
  writer.Resume(1000 * 1000);
  const auto outage_end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  uint64_t max_spool = 0, rss_first_half = 0, rss_second_half = 0;
  const auto half = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  WaitFor(
      [&] {
        max_spool = std::max(max_spool, DirBytes(spool));
        uint64_t rss = Memory(agent.pid()).first;
        (std::chrono::steady_clock::now() < half ? rss_first_half : rss_second_half) = std::max(
            std::chrono::steady_clock::now() < half ? rss_first_half : rss_second_half, rss);
        return std::chrono::steady_clock::now() >= outage_end;
      },
      std::chrono::seconds(40));
  writer.Pause();
  const auto [rss_end, hwm] = Memory(agent.pid());
  const int written = writer.written();
  UNSCOPED_INFO("lines written " << written << ", spool at most " << max_spool
                                 << " bytes, agent RSS max " << rss_first_half << " (first 15 s) "
                                 << rss_second_half << " (last 15 s), VmHWM " << hwm);
  // The spool reached its cap and stayed there: the cap plus at most one segment being written
  // (a quarter of the cap) and the ack file.
  CHECK(max_spool >= kSpoolCap * 3 / 4);
  CHECK(max_spool <= kSpoolCap + kSpoolCap / 4 + 64 * 1024);
  // Memory does not grow with the backlog (the backlog is on disk, a fixed amount in memory).
  CHECK(rss_second_half <= rss_first_half + 4 * 1024 * 1024);
  CHECK(hwm <= 32u * 1024 * 1024);

  // The collector is back: the rest arrives.
  const auto back = std::chrono::steady_clock::now();
  collector.Start();
  REQUIRE(WaitFor([&] { return IsStored(collector.url(), read, written - 1); },
                  std::chrono::seconds(60)));
  std::vector<json> stored;
  double dropped = -1;
  const std::string dropped_query =
      "hivewatch_agent_dropped_log_lines_total{host=\"bp-itest\",reason=\"spool_full\"}";
  // The counter is shipped every second; it settles once the last dropped batch that was in
  // flight (and so delivered after all) has been acknowledged.
  HttpClient client;
  WaitFor(
      [&] {
        stored = QueryAllLogs(client, collector.url(), read, "host=bp-itest&service=app");
        dropped = LatestMetric(collector.url(), read, dropped_query);
        return dropped >= 0 && static_cast<double>(stored.size()) + dropped == written;
      },
      std::chrono::seconds(20));
  const double recovery_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - back).count();
  agent.Signal(SIGTERM);
  CHECK(agent.Wait() == 0);

  // Oldest first by line number (the ts): no line twice, none out of order on arrival.
  std::map<int, int64_t> id_of;  // seq → storage id
  size_t duplicates = 0, wrong_content = 0;
  for (const json& r : stored) {
    const std::string m = r["message"];
    const size_t at = m.find(" seq=");
    REQUIRE(at != std::string::npos);
    const int seq = std::stoi(m.substr(at + 5));
    REQUIRE(seq < written);
    if (m != writer.Line(seq)) ++wrong_content;
    if (!id_of.emplace(seq, r["id"].get<int64_t>()).second) ++duplicates;
  }
  CHECK(wrong_content == 0);
  CHECK(duplicates == 0);
  int inversions = 0;
  int64_t last_id = -1;
  for (const auto& [seq, id] : id_of) {
    if (id < last_id) ++inversions;
    last_id = id;
  }
  CHECK(inversions == 0);
  // Missing: only lines from the outage's older part; the first 2000 (delivered before it) and
  // the newest (what the spool held when the collector came back) are all there.
  int missing = 0, first_missing = -1, last_missing = -1;
  for (int i = 0; i < written; ++i) {
    if (id_of.count(i)) continue;
    ++missing;
    if (first_missing < 0) first_missing = i;
    last_missing = i;
  }
  INFO("missing " << missing << " lines, " << first_missing << " to " << last_missing
                  << "; dropped counter " << dropped);
  std::printf(
      "backpressure: %d lines written, %zu stored, %d missing (%d..%d), counted %.0f; "
      "spool max %llu bytes; agent RSS max %.1f MiB (first half) %.1f MiB (second), "
      "VmHWM %.1f MiB; recovery %.1f s\n",
      written, stored.size(), missing, first_missing, last_missing, dropped,
      static_cast<unsigned long long>(max_spool), rss_first_half / 1048576.0,
      rss_second_half / 1048576.0, hwm / 1048576.0, recovery_s);
  CHECK(missing > 0);  // the cap was really passed
  CHECK(first_missing >= 2000);
  CHECK(last_missing < written - 1000);
  CHECK(static_cast<double>(missing) == dropped);
}
