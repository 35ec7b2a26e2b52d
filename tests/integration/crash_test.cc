// kill -9 of the collector in the middle of a stream of pushes: every batch that got a 200
// is there after a restart, exactly once; no batch is ever half stored.
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/batch_codec.h"
#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;

namespace {

constexpr int kLinesPerBatch = 25;

std::string CrashBatch(int n) {
  Batch b;
  b.agent = {"crash-host", "crash-agent", "test"};
  b.batch_id = "crash-" + std::to_string(n);
  for (int j = 0; j < kLinesPerBatch; ++j) {
    LogRecord r;
    r.ts_ms = NowMs();
    r.service = "crash";
    r.message = "crash test batch " + std::to_string(n) + " line " + std::to_string(j);
    r.fields = {{"batch", std::to_string(n)}, {"line", std::to_string(j)}};
    b.logs.push_back(std::move(r));
  }
  return EncodeBatch(b);
}

}  // namespace

TEST_CASE("every acknowledged batch survives kill -9 of the collector exactly once",
          "[integration][crash]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  const std::string url = collector.url();

  constexpr int kThreads = 4;
  constexpr int kBatchesPerThread = 500;
  std::mutex mu;
  std::set<int> acked;
  std::atomic<int> acked_count{0};
  std::vector<std::thread> pushers;
  for (int t = 0; t < kThreads; ++t) {
    pushers.emplace_back([&, t] {
      HttpClient client(HttpClientOptions{2000, 5000, ""});
      for (int i = 0; i < kBatchesPerThread; ++i) {
        int n = t * kBatchesPerThread + i;
        Result<HttpResponse> r = client.Post(url + "/api/v1/push", CrashBatch(n),
                                             {{"Content-Type", "application/json"}});
        if (!r.ok()) return;  // the collector is gone
        if (r->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          acked.insert(n);
          acked_count++;
        }
      }
    });
  }
  // Kill while the stream is well under way (and before it can have finished).
  REQUIRE(WaitFor([&] { return acked_count >= 200; }, std::chrono::seconds(60)));
  collector.Kill9();
  for (auto& t : pushers) t.join();
  INFO("acknowledged before kill: " << acked.size());
  REQUIRE(acked.size() < kThreads * kBatchesPerThread);

  collector.Start();
  HttpClient client;
  std::map<int, std::set<int>> stored;  // batch -> lines
  for (const auto& rec : QueryAllLogs(client, collector.url(), "", "service=crash")) {
    int batch = std::stoi(rec["fields"]["batch"].get<std::string>());
    int line = std::stoi(rec["fields"]["line"].get<std::string>());
    CHECK(stored[batch].insert(line).second);  // never twice
  }
  for (int n : acked) {
    INFO("acknowledged batch " << n);
    CHECK(stored[n].size() == kLinesPerBatch);
  }
  for (const auto& [n, lines] : stored) {
    INFO("batch " << n << " is stored whole or not at all");
    CHECK(lines.size() == kLinesPerBatch);
  }

  // Agents retry what was not acknowledged; afterwards everything is there exactly once.
  for (int n = 0; n < kThreads * kBatchesPerThread; ++n) {
    if (acked.count(n)) continue;
    Result<HttpResponse> r = client.Post(collector.url() + "/api/v1/push", CrashBatch(n),
                                         {{"Content-Type", "application/json"}});
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
  }
  CHECK(QueryAllLogs(client, collector.url(), "", "service=crash").size() ==
        static_cast<size_t>(kThreads * kBatchesPerThread * kLinesPerBatch));
}
