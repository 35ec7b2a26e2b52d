// HandlePush (POST /api/v1/push) against an in-memory Storage.
#include <catch2/catch.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "collector/export/collector_metrics.h"
#include "collector/http/handlers.h"
#include "common/gzip.h"
#include "common/time_util.h"
#include "tests/support/exposition.h"

using namespace hivewatch;
using nlohmann::json;

namespace {

// A Storage that keeps appended batches in memory, reports (agent.id, batch_id) repeats as
// duplicates like the real backends, and can be told to fail.
class FakeStorage : public Storage {
 public:
  Result<AppendResult> Append(const Batch& batch, int64_t received_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++append_calls;
    if (!fail_with.ok()) return fail_with;
    AppendResult result;
    result.duplicate = !seen_.insert({batch.agent.id, batch.batch_id}).second;
    if (!result.duplicate) {
      batches.push_back(batch);
      received.push_back(received_ms);
    }
    return result;
  }
  Result<LogPage> QueryLogs(const LogQuery&) override { return LogPage{}; }
  Result<std::vector<HostInfo>> ListHosts() override { return std::vector<HostInfo>{}; }
  Result<std::vector<SeriesSamples>> SelectSeries(const SeriesSelection&) override {
    return std::vector<SeriesSamples>{};
  }
  Result<std::vector<Labels>> ListSeries(const SeriesSelection&) override {
    return std::vector<Labels>{};
  }
  Result<std::vector<SeriesSamples>> LatestSamples(const std::vector<LabelMatcher>&, int64_t,
                                                   int64_t) override {
    return std::vector<SeriesSamples>{};
  }
  Result<StorageStats> Stats() override { return StorageStats{}; }
  bool Ready() override { return true; }

  Status fail_with;  // returned by Append when not ok
  int append_calls = 0;
  std::vector<Batch> batches;
  std::vector<int64_t> received;

 private:
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> seen_;
};

constexpr int64_t kTs = 1763900000000;  // 2025-11-23T12:13:20Z: in the past, so never "future"

json ValidBatch(const std::string& batch_id = "6f1c-000001") {
  return {{"agent", {{"host", "web1"}, {"id", "6f1c"}, {"version", "0.1.0"}}},
          {"batch_id", batch_id},
          {"metrics",
           {{{"name", "node_load1"},
             {"type", "gauge"},
             {"labels", {{"cpu", "0"}}},
             {"samples", {{kTs, 0.5}, {kTs + 10000, 0.75}}}},
            {{"name", "node_boots_total"}, {"type", "counter"}, {"samples", {{kTs, 3}}}}}},
          {"logs",
           {{{"ts", kTs + 1}, {"service", "nginx"}, {"level", "error"}, {"message", "upstream"}},
            {{"ts", kTs + 2}, {"message", "second"}}}}};
}

HttpRequest Push(std::string body, std::string content_type = "application/json") {
  HttpRequest r;
  r.method = "POST";
  r.target = r.path = "/api/v1/push";
  if (!content_type.empty()) r.headers["content-type"] = std::move(content_type);
  r.body = std::move(body);
  return r;
}

// The HttpError the push throws; fails the test if it succeeds.
HttpError PushError(const HttpRequest& request, const HandlerContext& ctx) {
  try {
    (void)HandlePush(request, ctx);
  } catch (const HttpError& e) {
    return e;
  }
  FAIL("expected an HttpError");
  return HttpError(0, "");
}

struct Fixture {
  Fixture() {
    ctx.storage = &storage;
    ctx.config = &config;
  }
  FakeStorage storage;
  CollectorConfig config;
  HandlerContext ctx;
};

}  // namespace

TEST_CASE("a valid batch reaches storage and the response counts it", "[push]") {
  Fixture f;
  const int64_t before = NowMs();
  HttpResponse r = HandlePush(Push(ValidBatch().dump()), f.ctx);
  const int64_t after = NowMs();

  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  json body = json::parse(r.body);
  CHECK(body["status"] == "ok");
  CHECK(body["duplicate"] == false);
  CHECK(body["batch_id"] == "6f1c-000001");
  CHECK(body["logs"] == 2);
  CHECK(body["samples"] == 3);

  REQUIRE(f.storage.batches.size() == 1);
  const Batch& b = f.storage.batches[0];
  CHECK(b.agent.host == "web1");
  CHECK(b.agent.id == "6f1c");
  CHECK(b.batch_id == "6f1c-000001");
  REQUIRE(b.metrics.size() == 2);
  CHECK(b.metrics[0].name == "node_load1");
  CHECK(b.metrics[0].labels.at("cpu") == "0");
  CHECK(b.metrics[1].type == MetricType::kCounter);
  REQUIRE(b.logs.size() == 2);
  CHECK(b.logs[0].message == "upstream");
  CHECK(b.logs[0].level == Level::kError);
  CHECK(b.logs[1].ts_ms == kTs + 2);
  // The received time is the collector's clock at the push.
  CHECK(f.storage.received[0] >= before);
  CHECK(f.storage.received[0] <= after);
}

TEST_CASE("a repeated batch is reported as a duplicate with nothing counted", "[push]") {
  Fixture f;
  (void)HandlePush(Push(ValidBatch().dump()), f.ctx);
  HttpResponse r = HandlePush(Push(ValidBatch().dump()), f.ctx);

  CHECK(r.status == 200);
  json body = json::parse(r.body);
  CHECK(body["status"] == "ok");
  CHECK(body["duplicate"] == true);
  CHECK(body["batch_id"] == "6f1c-000001");
  CHECK(body["logs"] == 0);
  CHECK(body["samples"] == 0);
  CHECK(f.storage.append_calls == 2);
  CHECK(f.storage.batches.size() == 1);

  // A new batch id from the same agent is not a duplicate.
  json next = json::parse(HandlePush(Push(ValidBatch("6f1c-000002").dump()), f.ctx).body);
  CHECK(next["duplicate"] == false);
  CHECK(next["logs"] == 2);
}

TEST_CASE("JSON content types with parameters or in upper case are accepted", "[push]") {
  Fixture f;
  int n = 0;
  for (const char* type : {"application/json", "application/json; charset=utf-8",
                           "Application/JSON", "application/json ;charset=UTF-8", ""}) {
    INFO("Content-Type: " << type);
    HttpResponse r = HandlePush(Push(ValidBatch("b" + std::to_string(n++)).dump(), type), f.ctx);
    CHECK(r.status == 200);
  }
  CHECK(f.storage.batches.size() == 5);
}

TEST_CASE("another content type is a 415 that names it and hints at the fix", "[push]") {
  Fixture f;
  HttpError e = PushError(Push(ValidBatch().dump(), "application/x-www-form-urlencoded"), f.ctx);
  CHECK(e.status() == 415);
  CHECK_THAT(std::string(e.what()), Catch::StartsWith("Content-Type must be application/json") &&
                                        Catch::Contains("'application/x-www-form-urlencoded'") &&
                                        Catch::Contains("-H 'Content-Type: application/json'"));

  CHECK(PushError(Push(ValidBatch().dump(), "text/plain"), f.ctx).status() == 415);
  CHECK(PushError(Push(ValidBatch().dump(), "application/jsonl"), f.ctx).status() == 415);
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("an unsupported content encoding is a 415 naming it", "[push]") {
  Fixture f;
  for (const char* encoding : {"deflate", "br", "zstd", "gzip, deflate"}) {
    HttpRequest r = Push(ValidBatch().dump());
    r.headers["content-encoding"] = encoding;
    HttpError e = PushError(r, f.ctx);
    INFO("Content-Encoding: " << encoding);
    CHECK(e.status() == 415);
    CHECK(std::string(e.what()) ==
          "Content-Encoding '" + std::string(encoding) + "' is not supported (use gzip or none)");
  }
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("a gzip body is inflated before decoding", "[push]") {
  Fixture f;
  int n = 0;
  for (const char* encoding : {"gzip", "GZIP", "x-gzip"}) {
    HttpRequest r = Push(Gzip(ValidBatch("gz" + std::to_string(n++)).dump()));
    r.headers["content-encoding"] = encoding;
    INFO("Content-Encoding: " << encoding);
    HttpResponse resp = HandlePush(r, f.ctx);
    CHECK(resp.status == 200);
    CHECK(json::parse(resp.body)["logs"] == 2);
  }
  REQUIRE(f.storage.batches.size() == 3);
  CHECK(f.storage.batches[2].batch_id == "gz2");
  CHECK(f.storage.batches[2].logs[0].message == "upstream");

  HttpRequest identity = Push(ValidBatch("plain").dump());
  identity.headers["content-encoding"] = "identity";
  CHECK(HandlePush(identity, f.ctx).status == 200);
}

TEST_CASE("a gzip bomb is refused with 413 before storage sees it", "[push]") {
  Fixture f;
  f.config.max_body_bytes = 64 * 1024;
  HttpRequest r = Push(Gzip(std::string(16 * 1024 * 1024, ' '), 9));
  r.headers["content-encoding"] = "gzip";
  REQUIRE(r.body.size() < f.config.max_body_bytes);  // small on the wire, huge inflated

  HttpError e = PushError(r, f.ctx);
  CHECK(e.status() == 413);
  CHECK_THAT(std::string(e.what()), Catch::Contains("65536"));
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("an uncompressed body over the limit is a 413 giving both sizes", "[push]") {
  Fixture f;
  f.config.max_body_bytes = 2048;
  std::string body = ValidBatch().dump();
  body += std::string(4000, ' ');  // still valid JSON, but too long
  HttpError e = PushError(Push(body), f.ctx);
  CHECK(e.status() == 413);
  CHECK(std::string(e.what()) ==
        "body of " + std::to_string(body.size()) + " bytes exceeds the limit of 2048 bytes");
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("corrupt gzip is a 400", "[push]") {
  Fixture f;
  HttpRequest r = Push("{\"not\": \"gzip\"}");
  r.headers["content-encoding"] = "gzip";
  CHECK(PushError(r, f.ctx).status() == 400);
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("an empty body is a 400 saying a batch was expected", "[push]") {
  Fixture f;
  HttpError e = PushError(Push(""), f.ctx);
  CHECK(e.status() == 400);
  CHECK_THAT(std::string(e.what()), Catch::StartsWith("empty body: expected a JSON batch"));

  HttpRequest gz = Push(Gzip(""));
  gz.headers["content-encoding"] = "gzip";
  CHECK(PushError(gz, f.ctx).status() == 400);
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("an invalid batch is a 400 naming the field and nothing is stored", "[push]") {
  Fixture f;
  json bad = ValidBatch();
  bad["logs"][1]["ts"] = "yesterday";
  HttpError e = PushError(Push(bad.dump()), f.ctx);
  CHECK(e.status() == 400);
  CHECK_THAT(std::string(e.what()), Catch::StartsWith("logs[1].ts"));

  CHECK(PushError(Push("{\"agent\":"), f.ctx).status() == 400);
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("push applies the configured decode limits", "[push]") {
  Fixture f;
  f.config.decode.max_labels = 1;
  json batch = ValidBatch();
  batch["metrics"][0]["labels"] = {{"a", "1"}, {"b", "2"}};
  CHECK(PushError(Push(batch.dump()), f.ctx).status() == 400);

  f.config.decode.max_labels = 2;
  CHECK(HandlePush(Push(batch.dump()), f.ctx).status == 200);
}

TEST_CASE("a timestamp too far in the future is a 400", "[push]") {
  Fixture f;
  json batch = ValidBatch();
  batch["logs"][0]["ts"] = NowMs() + 2 * f.config.decode.max_future_ms;
  CHECK(PushError(Push(batch.dump()), f.ctx).status() == 400);
  CHECK(f.storage.append_calls == 0);
}

TEST_CASE("unavailable storage becomes a 503 carrying its message", "[push]") {
  Fixture f;
  f.storage.fail_with = Unavailable("database is locked");
  HttpError e = PushError(Push(ValidBatch().dump()), f.ctx);
  CHECK(e.status() == 503);
  CHECK(std::string(e.what()) == "database is locked");
  CHECK(f.storage.append_calls == 1);
}

TEST_CASE("an internal storage failure becomes a 500", "[push]") {
  Fixture f;
  f.storage.fail_with = Internal("disk I/O error");
  HttpError e = PushError(Push(ValidBatch().dump()), f.ctx);
  CHECK(e.status() == 500);
  CHECK(std::string(e.what()) == "disk I/O error");
}

namespace {

double Rejected(const CollectorMetrics& metrics, const std::string& reason) {
  return testing::ExposedValue(metrics.Render(nullptr),
                               "hivewatch_collector_rejected_batches_total{reason=\"" + reason +
                                   "\"}")
      .value_or(-1);
}

}  // namespace

TEST_CASE("push outcomes are counted in the collector's metrics, each refusal by its reason",
          "[push][metrics]") {
  Fixture f;
  CollectorMetrics metrics;
  metrics.AddHandlers({CollectorMetrics::kPushHandler});
  f.ctx.metrics = &metrics;
  (void)HandlePush(Push(ValidBatch().dump()), f.ctx);
  (void)HandlePush(Push(ValidBatch().dump()), f.ctx);  // a duplicate
  (void)HandlePush(Push(ValidBatch("6f1c-000002").dump()), f.ctx);
  const std::string text = metrics.Render(nullptr);
  CHECK(testing::ExposedValue(text, "hivewatch_collector_batches_total") == 2);
  CHECK(testing::ExposedValue(text, "hivewatch_collector_log_lines_total") == 4);
  CHECK(testing::ExposedValue(text, "hivewatch_collector_samples_total") == 6);
  CHECK(testing::ExposedValue(text, "hivewatch_collector_duplicate_batches_total") == 1);

  (void)PushError(Push("x", "text/plain"), f.ctx);
  HttpRequest deflate = Push(ValidBatch().dump());
  deflate.headers["content-encoding"] = "deflate";
  (void)PushError(deflate, f.ctx);
  CHECK(Rejected(metrics, "unsupported_media_type") == 2);
  HttpRequest corrupt = Push("{}");
  corrupt.headers["content-encoding"] = "gzip";
  (void)PushError(corrupt, f.ctx);
  CHECK(Rejected(metrics, "bad_gzip") == 1);
  (void)PushError(Push(""), f.ctx);
  CHECK(Rejected(metrics, "empty") == 1);
  (void)PushError(Push("{\"agent\":"), f.ctx);
  CHECK(Rejected(metrics, "invalid") == 1);
  f.storage.fail_with = Unavailable("database is locked");
  (void)PushError(Push(ValidBatch("6f1c-000003").dump()), f.ctx);
  CHECK(Rejected(metrics, "storage") == 1);

  // A 413 is left to the request observer, which also sees the server's own 413s.
  f.config.max_body_bytes = 1024;
  CHECK(PushError(Push(std::string(2000, ' ')), f.ctx).status() == 413);
  CHECK(Rejected(metrics, "too_large") == 0);
  metrics.OnRequest("/api/v1/push", 413, std::nullopt);
  CHECK(Rejected(metrics, "too_large") == 1);
  CHECK(testing::ExposedValue(metrics.Render(nullptr), "hivewatch_collector_batches_total") == 2);
}
