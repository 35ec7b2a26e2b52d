// The agent's log pipeline end to end in one process: a scripted LogInput → LogBatcher →
// spool → Shipper → a loopback "collector" that decodes every push. Checks that positions are
// recorded only after the collector committed, and that a restart resumes after what is
// delivered or spooled — never earlier (duplicates) or later (loss).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>

#include "agent/agent.h"
#include "agent/ship/checkpoint_store.h"
#include "common/batch_codec.h"
#include "common/gzip.h"
#include "common/time_util.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/process.h"

namespace hivewatch {
namespace {

using testing::CannedResponse;
using testing::ReceivedRequest;
using testing::TempDir;
using testing::WaitFor;

// Emits lines `from`..`to`-1 as soon as it starts, each Emit carrying key "scripted:a" with the
// position after it; remembers what it was told to resume from.
class ScriptedInput : public LogInput {
 public:
  ScriptedInput(int from, int to, Checkpoints* resumed) : from_(from), to_(to), resumed_(resumed) {}
  const char* Name() const override { return "scripted"; }
  Status Start(const Checkpoints& resume, LogSink* sink) override {
    *resumed_ = resume;
    for (int i = from_; i < to_; ++i) {
      LogRecord r;
      r.service = "app";
      r.message = "line " + std::to_string(i);
      if (!sink->Emit({r}, "scripted:a", std::to_string(i + 1))) break;
    }
    return Status::Ok();
  }
  void Stop() override {}

 private:
  int from_, to_;
  Checkpoints* resumed_;
};

// Decodes pushes; answers `status` (200 stores the lines).
class RecordingCollector {
 public:
  RecordingCollector()
      : server_([this](const ReceivedRequest& req) {
          CannedResponse r;
          r.status = status_.load();
          r.body = "{}";
          r.close = true;
          if (r.status == 200) {
            auto json = Gunzip(req.body, 64 << 20);
            auto batch = json.ok() ? DecodeBatch(*json, DecodeLimits{}, NowMs()) : Result<Batch>(json.status());
            std::lock_guard<std::mutex> lock(mu_);
            if (batch.ok() && seen_.insert(batch->batch_id).second) {
              for (const LogRecord& l : batch->logs) lines_.push_back(l.message);
            }
          }
          return r;
        }) {}
  std::string url() const { return server_.Url(""); }
  void set_status(int s) { status_ = s; }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::atomic<int> status_{200};
  std::mutex mu_;
  std::set<std::string> seen_;
  std::vector<std::string> lines_;
  testing::LoopbackServer server_;
};

AgentConfig TestConfig(const std::string& state_dir, const std::string& url) {
  AgentConfig c;
  c.host = "test-host";
  c.collectors = {url};
  c.state_dir = state_dir;
  c.interval_ms = 3600 * 1000;  // one metrics batch per run
  c.batch_max_wait_ms = 20;
  c.proc.enabled = false;
  return c;
}

std::vector<std::string> Expected(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back("line " + std::to_string(i));
  return out;
}

Checkpoints Stored(const std::string& state_dir) {
  auto store = CheckpointStore::Open(state_dir + "/state.db");
  REQUIRE(store.ok());
  auto points = (*store)->Load();
  REQUIRE(points.ok());
  return *points;
}

TEST_CASE("log positions advance on commit, and a restart resumes after spooled data",
          "[agent][logs]") {
  TempDir tmp;
  RecordingCollector collector;
  const std::string state = tmp.path() + "/state";
  Checkpoints resumed;

  // 1. Collector refusing (503): lines are spooled, no position is recorded as delivered.
  collector.set_status(503);
  {
    std::vector<std::unique_ptr<LogInput>> inputs;
    inputs.push_back(std::make_unique<ScriptedInput>(0, 100, &resumed));
    Agent agent(TestConfig(state, collector.url()), std::move(inputs));
    REQUIRE(agent.Start().ok());
    agent.Stop();  // seals the rest; shipping gives up after its deadline
  }
  CHECK(resumed.empty());
  CHECK(collector.lines().empty());
  CHECK(Stored(state).empty());

  // 2. Restart: the input resumes after the spooled lines (not from the start), the spool is
  //    delivered, and its positions are recorded.
  collector.set_status(200);
  {
    std::vector<std::unique_ptr<LogInput>> inputs;
    inputs.push_back(std::make_unique<ScriptedInput>(100, 150, &resumed));
    Agent agent(TestConfig(state, collector.url()), std::move(inputs));
    REQUIRE(agent.Start().ok());
    CHECK(resumed == Checkpoints{{"scripted:a", "100"}});
    CHECK(WaitFor([&] { return collector.lines().size() >= 150; }, std::chrono::seconds(20)));
    agent.Stop();
  }
  CHECK(collector.lines() == Expected(0, 150));
  CHECK(Stored(state) == Checkpoints{{"scripted:a", "150"}});

  // 3. Nothing spooled: the input resumes from the delivered position.
  {
    std::vector<std::unique_ptr<LogInput>> inputs;
    inputs.push_back(std::make_unique<ScriptedInput>(150, 150, &resumed));
    Agent agent(TestConfig(state, collector.url()), std::move(inputs));
    REQUIRE(agent.Start().ok());
    agent.Stop();
  }
  CHECK(resumed == Checkpoints{{"scripted:a", "150"}});
  CHECK(collector.lines() == Expected(0, 150));
}

}  // namespace
}  // namespace hivewatch
