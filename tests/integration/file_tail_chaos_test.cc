// The delivery guarantee for tailed files, end to end with real processes: a writer
// appends real sample lines at a steady rate while the file is rotated every 100 ms, by rename
// and by copytruncate in turn; meanwhile the agent is kill -9ed six times — each time staying
// down over one to three rotations, so every combination of the two kinds happens while it is
// down — and the collector is restarted once. The agent runs with the default start_at = "end".
// At the end every line is stored exactly once (content compared) and arrived in the order it
// was written (no inversions).
//
// Limits of what this shows: copytruncate itself loses the lines written between the copy and
// the truncation (logrotate cannot avoid that race, and no tailer can read lines that are in
// neither file); the writer here does the copy and the truncation between two of its writes,
// as if the application paused, so every written line exists in some file and a missing line
// is the agent's fault. The rotated files keep names that match `paths` and are not deleted,
// so nothing is lost to a file removed before it was read (the agent reads such a file to its
// end only while it has it open).
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "common/http_client.h"
#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

constexpr int64_t kBaseMs = 1764000000000;  // line i carries ts kBaseMs + i (ms): ts order = i

// Appends lines "<RFC 3339 ts> seq=<i> <real sample line>" to dir/app.log, one every ~0.5 ms,
// and every 100 ms rotates: odd rotations rename app.log to app.log.<n> (the writer then
// reopens app.log, as an application does on SIGHUP); even ones copy app.log to app.log.<n>
// and truncate app.log (logrotate's copytruncate; the writer keeps its O_APPEND descriptor).
class RotatingWriter {
 public:
  // Writes lines [first, lines).
  RotatingWriter(std::string dir, std::vector<std::string> samples, int lines, int first)
      : dir_(std::move(dir)), samples_(std::move(samples)), lines_(lines), first_(first) {}
  ~RotatingWriter() { Join(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int written() const { return written_; }
  int rotations() const { return rotations_; }
  std::string Line(int i) const {
    return FormatRfc3339(kBaseMs + i) + " seq=" + std::to_string(i) + " " +
           samples_[static_cast<size_t>(i) % samples_.size()];
  }

 private:
  void Run() {
    const std::string path = dir_ + "/app.log";
    FILE* f = std::fopen(path.c_str(), "a");
    auto next_rotation = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    for (int i = first_; i < lines_; ++i) {
      std::string line = Line(i) + "\n";
      std::fwrite(line.data(), 1, line.size(), f);
      std::fflush(f);
      written_ = i + 1;
      if (std::chrono::steady_clock::now() >= next_rotation) {
        next_rotation += std::chrono::milliseconds(100);
        const std::string rotated = dir_ + "/app.log." + std::to_string(++rotations_);
        if (rotations_ % 2 == 1) {
          std::filesystem::rename(path, rotated);
          std::fclose(f);
          f = std::fopen(path.c_str(), "a");
        } else {
          std::filesystem::copy_file(path, rotated);
          std::filesystem::resize_file(path, 0);
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));  // the steady rate
    }
    std::fclose(f);
  }

  const std::string dir_;
  const std::vector<std::string> samples_;
  const int lines_;
  const int first_;
  std::atomic<int> written_{0};
  std::atomic<int> rotations_{0};
  std::thread thread_;
};

std::vector<json> Stored(const std::string& url, const std::string& token) {
  HttpClient client;
  return QueryAllLogs(client, url, token, "service=app&host=tail-itest");
}

}  // namespace

TEST_CASE("tailed lines survive rotation, agent kill -9 and a collector restart exactly once",
          "[integration][agent][file]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  TempDir dir;
  const std::string logs = dir.path() + "/logs";
  std::filesystem::create_directories(logs);
  const std::string config = dir.path() + "/agent.toml";
  std::ofstream(config) << "[agent]\n"
                        << "collectors = [\"" << collector.url() << "\"]\n"
                        << "token = \"" << ingest << "\"\n"
                        << "host = \"tail-itest\"\n"
                        << "state_dir = \"" << dir.path() << "/state\"\n"
                        << "interval = \"1h\"\n"
                        << "batch_max_wait = \"50ms\"\n"
                        << "[inputs.proc]\nenabled = false\n"
                        << "[[inputs.file]]\n"
                        << "paths = [\"" << logs << "/app.log*\"]\n"
                        << "service = \"app\"\n"
                        << "poll_interval = \"10ms\"\n";  // start_at = "end", the default

  std::vector<std::string> samples =
      ReadLines(std::string(HIVEWATCH_SHARED_LOGS) + "/Linux_2k.log");
  for (const char* f : {"/OpenSSH_2k.log", "/HDFS_2k.log", "/Hadoop_2k.log"}) {
    for (std::string& l : ReadLines(std::string(HIVEWATCH_SHARED_LOGS) + f)) samples.push_back(l);
  }
  const int kLines = 10000;
  // Line 0 is there before the agent first starts, so it skips it (start_at = "end"); every
  // other file is one it has to read from its start: app.log after its rotations, and the
  // rotated files and copies made while it was down.
  RotatingWriter writer(logs, samples, kLines, /*first=*/1);
  std::ofstream(logs + "/app.log") << writer.Line(0) << "\n";

  int run = 0;
  auto start_agent = [&] {
    ++run;
    return Process::Start({AgentBinary(), "--config", config},
                          dir.path() + "/agent" + std::to_string(run) + ".out",
                          dir.path() + "/agent" + std::to_string(run) + ".log");
  };
  Process agent = start_agent();
  REQUIRE(WaitFor(
      [&] {
        return ReadFile(dir.path() + "/agent1.log").find("following " + logs + "/app.log") !=
               std::string::npos;
      },
      std::chrono::seconds(20)));
  writer.Start();
  // Chaos while the writer runs: six kill -9s of the agent, one collector restart. The agent
  // stays down until the writer has rotated 1, 2 or 3 more times (a condition, not a sleep):
  // rotations alternate, so the restarts find a rename, a copytruncate, or both in either order.
  constexpr int kKills = 6;
  int down_rotations = 0;
  for (int i = 0; i < kKills; ++i) {
    const int target = (i + 1) * kLines / (kKills + 2);
    REQUIRE(WaitFor([&] { return writer.written() >= target; }, std::chrono::seconds(60)));
    agent.Signal(SIGKILL);
    agent.Wait();
    const int rotations = writer.rotations();
    const int wait_for = 1 + i % 3;
    REQUIRE(WaitFor([&] { return writer.rotations() >= rotations + wait_for; },
                    std::chrono::seconds(60)));
    down_rotations += writer.rotations() - rotations;
    if (i == 2) {
      collector.Stop();
      collector.Start();
    }
    agent = start_agent();
  }
  writer.Join();
  INFO("rotations: " << writer.rotations() << ", " << down_rotations
                     << " while the agent was down");
  CHECK(writer.rotations() >= 30);
  CHECK(down_rotations >= 12);

  std::vector<json> stored;
  WaitFor(
      [&] {
        stored = Stored(collector.url(), read);
        return stored.size() >= static_cast<size_t>(kLines - 1);
      },
      std::chrono::seconds(60));
  agent.Signal(SIGTERM);
  CHECK(agent.Wait() == 0);
  stored = Stored(collector.url(), read);

  // Content, not only counts: oldest first, line i must be exactly the i-th line written.
  std::vector<std::string> messages;
  std::set<int64_t> ids;
  for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
    messages.push_back((*it)["message"]);
    ids.insert((*it)["id"].get<int64_t>());
  }
  std::vector<std::string> expected;
  for (int i = 1; i < kLines; ++i) expected.push_back(writer.Line(i));
  size_t mismatches = 0;
  for (size_t i = 0; i < std::max(messages.size(), expected.size()); ++i) {
    const std::string got = i < messages.size() ? messages[i] : "<missing>";
    const std::string want = i < expected.size() ? expected[i] : "<extra>";
    if (got != want && ++mismatches <= 5) {
      UNSCOPED_INFO("line " << i << ": stored '" << got << "' expected '" << want << "'");
    }
  }
  CHECK(mismatches == 0);
  CHECK(messages.size() == expected.size());
  // In arrival order too: ids increase with the line number.
  std::vector<int64_t> id_order;
  for (auto it = stored.rbegin(); it != stored.rend(); ++it) id_order.push_back((*it)["id"]);
  int inversions = 0;
  for (size_t i = 1; i < id_order.size(); ++i) {
    if (id_order[i] < id_order[i - 1] && ++inversions <= 5) {
      UNSCOPED_INFO("line " << i << " arrived before line " << i - 1);
    }
  }
  CHECK(inversions == 0);
}
