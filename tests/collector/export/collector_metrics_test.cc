// The collector's own metrics: what each hook counts, and the exposition /metrics serves.
#include "collector/export/collector_metrics.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "common/time_util.h"
#include "tests/support/exposition.h"
#include "tests/support/temp_dir.h"

using namespace hivewatch;
using hivewatch::testing::ExposedValue;
using hivewatch::testing::TempDir;

namespace {

double Value(const CollectorMetrics& metrics, const std::string& series,
             Storage* storage = nullptr) {
  return ExposedValue(metrics.Render(storage), series).value_or(-1);
}

}  // namespace

TEST_CASE("requests are counted by handler and status code", "[metrics]") {
  CollectorMetrics metrics;
  metrics.AddHandlers({"/api/v1/push", "/api/v1/logs", "/metrics", "other"});
  metrics.OnRequest("/api/v1/logs", 200, 0.003);
  metrics.OnRequest("/api/v1/logs", 200, 0.004);
  metrics.OnRequest("/api/v1/logs", 400, 0.0001);
  metrics.OnRequest("/wp-login.php", 404, 0.0001);  // not a handler name: counted as other
  metrics.OnRequest("other", 400, std::nullopt);    // refused while reading: no duration
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="200",handler="/api/v1/logs"})") == 2);
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="400",handler="/api/v1/logs"})") == 1);
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="404",handler="other"})") == 1);
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="400",handler="other"})") == 1);
  // No series for a code never answered.
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="500",handler="/api/v1/logs"})") ==
        -1);

  CHECK(Value(metrics,
              R"(hivewatch_http_request_duration_seconds_count{handler="/api/v1/logs"})") == 3);
  CHECK(Value(metrics, R"(hivewatch_http_request_duration_seconds_sum{handler="/api/v1/logs"})") ==
        Approx(0.0071));
  const std::string bucket =
      "hivewatch_http_request_duration_seconds_bucket{handler=\"/api/v1/logs\",";
  CHECK(Value(metrics, bucket + "le=\"0.0005\"}") == 1);
  CHECK(Value(metrics, bucket + "le=\"0.005\"}") == 3);
  CHECK(Value(metrics, R"(hivewatch_http_request_duration_seconds_count{handler="other"})") == 1);
  // Every handler's histogram exists from the start, so rates work before its first request.
  CHECK(Value(metrics, R"(hivewatch_http_request_duration_seconds_count{handler="/metrics"})") ==
        0);
}

TEST_CASE("the push endpoint's 401, 403 and 413 answers are rejected batches", "[metrics]") {
  CollectorMetrics metrics;
  metrics.AddHandlers({"/api/v1/push", "/api/v1/logs"});
  metrics.OnRequest("/api/v1/push", 401, 0.001);
  metrics.OnRequest("/api/v1/push", 401, 0.001);
  metrics.OnRequest("/api/v1/push", 403, 0.001);
  metrics.OnRequest("/api/v1/push", 413, std::nullopt);
  metrics.OnRequest("/api/v1/logs", 401, 0.001);  // not a push
  metrics.OnRequest("/api/v1/push", 200, 0.001);
  const auto rejected = [&](const char* reason) {
    return Value(metrics, std::string("hivewatch_collector_rejected_batches_total{reason=\"") +
                              reason + "\"}");
  };
  CHECK(rejected("unauthenticated") == 2);
  CHECK(rejected("forbidden") == 1);
  CHECK(rejected("too_large") == 1);
  // Every reason exists from the start at 0.
  for (const char* reason : {"unsupported_media_type", "bad_gzip", "empty", "invalid", "storage"}) {
    CHECK(rejected(reason) == 0);
  }
}

TEST_CASE("commits feed the commit latency histogram and failures are counted", "[metrics]") {
  CollectorMetrics metrics;
  metrics.OnCommit({0.004, 3, true});
  metrics.OnCommit({0.030, 1, false});
  CHECK(Value(metrics, "hivewatch_collector_commit_duration_seconds_count") == 2);
  CHECK(Value(metrics, "hivewatch_collector_commit_duration_seconds_sum") == Approx(0.034));
  CHECK(Value(metrics, R"(hivewatch_collector_commit_duration_seconds_bucket{le="0.005"})") == 1);
  CHECK(Value(metrics, "hivewatch_collector_commit_failures_total") == 1);
}

TEST_CASE("counting from many threads loses nothing", "[metrics]") {
  CollectorMetrics metrics;
  metrics.AddHandlers({"/api/v1/push"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        metrics.OnRequest("/api/v1/push", 200 + (i % 2) * 300, 0.001);  // 200 and 500
        metrics.OnBatchStored(2, 3);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="200",handler="/api/v1/push"})") ==
        4000);
  CHECK(Value(metrics, R"(hivewatch_http_requests_total{code="500",handler="/api/v1/push"})") ==
        4000);
  CHECK(Value(metrics, "hivewatch_collector_batches_total") == 8000);
  CHECK(Value(metrics, "hivewatch_collector_log_lines_total") == 16000);
  CHECK(Value(metrics, "hivewatch_collector_samples_total") == 24000);
}

TEST_CASE("the storage's figures come from its running counters", "[metrics]") {
  TempDir dir;
  CollectorMetrics metrics;
  StorageOptions options;
  options.data_dir = dir.path();
  options.synchronous_full = false;
  options.observer = &metrics;
  auto storage = OpenStorage(options);
  REQUIRE(storage.ok());
  Batch batch;
  batch.agent = {"web1", "a1", "1.0"};
  batch.batch_id = "b1";
  batch.logs = {LogRecord{NowMs(), "app", Level::kInfo, "one", {}},
                LogRecord{NowMs(), "app", Level::kInfo, "two", {}}};
  MetricSeries load;
  load.name = "node_load1";
  load.samples = {{NowMs() - 1000, 0.5}, {NowMs(), 0.25}};
  batch.metrics = {load};
  REQUIRE((*storage)->Append(batch, NowMs()).ok());
  batch.agent.host = "db1";
  REQUIRE((*storage)->Append(batch, NowMs()).ok());  // the same agent id and batch id

  Storage* s = storage->get();
  CHECK(Value(metrics, "hivewatch_collector_hosts", s) == 1);
  CHECK(Value(metrics, "hivewatch_collector_series", s) == 1);
  CHECK(Value(metrics, "hivewatch_collector_stored_samples", s) == 2);
  CHECK(Value(metrics, "hivewatch_collector_stored_log_lines", s) == 2);
  CHECK(Value(metrics, "hivewatch_collector_writer_queue_batches", s) == 0);
  CHECK(Value(metrics, "hivewatch_collector_writer_queue_rows", s) == 0);
  CHECK(Value(metrics, "hivewatch_collector_storage_bytes", s) > 4096);
  CHECK(Value(metrics, "hivewatch_collector_commit_duration_seconds_count", s) == 2);
  // Without a storage, its figures are left out.
  CHECK(Value(metrics, "hivewatch_collector_hosts") == -1);
}

TEST_CASE("/metrics carries the process figures every exporter has", "[metrics]") {
  CollectorMetrics metrics;
  const std::string text = metrics.Render(nullptr);
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(ExposedValue(text, "process_resident_memory_bytes").value_or(0) > 1e6);
  CHECK(ExposedValue(text, "process_virtual_memory_bytes").value_or(0) >
        ExposedValue(text, "process_resident_memory_bytes").value_or(0));
  const double start = ExposedValue(text, "process_start_time_seconds").value_or(0);
  CHECK(start <= NowMs() / 1000.0 + 1);
  CHECK(start > NowMs() / 1000.0 - 3600);  // this test process started within the hour
  CHECK(ExposedValue(text, "process_open_fds").value_or(0) >= 3);
  CHECK(ExposedValue(text, "process_max_fds").value_or(0) >=
        ExposedValue(text, "process_open_fds").value_or(0));
}
