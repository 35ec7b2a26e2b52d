#include "common/batch_codec.h"

#include "common/names.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

using namespace hivewatch;
using nlohmann::json;

namespace {

constexpr int64_t kNow = 1763900000000;

json ValidBatch() {
  return json::parse(R"({
    "agent": {"host": "web1", "id": "6f1c", "version": "0.1.0"},
    "batch_id": "6f1c-000042",
    "metrics": [{"name": "node_load1", "type": "gauge", "labels": {"k": "v"},
                 "samples": [[1763900000000, 0.42], [1763900010000, "NaN"]]}],
    "logs": [{"ts": 1763900000123, "service": "nginx", "level": "warn", "message": "first",
              "fields": {"path": "/x", "status": 502, "cached": false}},
             {"ts": 1763900000100, "message": "second"}]
  })");
}

// The error message DecodeBatch gives for `body`, or "" if it was accepted.
std::string ErrorFor(const json& body, DecodeLimits limits = {}) {
  Result<Batch> r = DecodeBatch(body.dump(), limits, kNow);
  if (r.ok()) return "";
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("a valid batch decodes with every field", "[codec]") {
  Result<Batch> r = DecodeBatch(ValidBatch().dump(), {}, kNow);
  REQUIRE(r.ok());
  const Batch& b = *r;
  CHECK(b.agent.host == "web1");
  CHECK(b.agent.id == "6f1c");
  CHECK(b.agent.version == "0.1.0");
  CHECK(b.batch_id == "6f1c-000042");
  REQUIRE(b.metrics.size() == 1);
  CHECK(b.metrics[0].name == "node_load1");
  CHECK(b.metrics[0].type == MetricType::kGauge);
  CHECK(b.metrics[0].labels.at("k") == "v");
  REQUIRE(b.metrics[0].samples.size() == 2);
  CHECK(b.metrics[0].samples[0].value == Approx(0.42));
  CHECK(std::isnan(b.metrics[0].samples[1].value));
  REQUIRE(b.logs.size() == 2);
  CHECK(b.logs[0].level == Level::kWarning);  // "warn" normalised
  CHECK(b.logs[0].fields.at("status") == "502");
  CHECK(b.logs[0].fields.at("cached") == "false");
  CHECK(b.logs[1].level == Level::kInfo);  // missing level → info
  CHECK(b.logs[1].service.empty());
}

TEST_CASE("log records keep the order they were sent in", "[codec]") {
  json body = ValidBatch();
  body["logs"] = json::array();
  for (int i = 0; i < 50; ++i) {
    body["logs"].push_back({{"ts", kNow - i * 7 % 13}, {"message", "m" + std::to_string(i)}});
  }
  Result<Batch> r = DecodeBatch(body.dump(), {}, kNow);
  REQUIRE(r.ok());
  for (int i = 0; i < 50; ++i) CHECK(r->logs[i].message == "m" + std::to_string(i));
}

TEST_CASE("encoding then decoding gives the same batch", "[codec]") {
  Result<Batch> first = DecodeBatch(ValidBatch().dump(), {}, kNow);
  REQUIRE(first.ok());
  Result<Batch> second = DecodeBatch(EncodeBatch(*first), {}, kNow);
  REQUIRE(second.ok());
  CHECK(second->batch_id == first->batch_id);
  CHECK(second->logs.size() == first->logs.size());
  CHECK(second->logs[0].fields == first->logs[0].fields);
  CHECK(second->logs[0].level == first->logs[0].level);
  CHECK(second->metrics[0].labels == first->metrics[0].labels);
  CHECK(std::isnan(second->metrics[0].samples[1].value));
}

TEST_CASE("level aliases are normalised", "[codec][level]") {
  CHECK(ParseLevel("WARN") == Level::kWarning);
  CHECK(ParseLevel("err") == Level::kError);
  CHECK(ParseLevel("fatal") == Level::kCritical);
  CHECK(ParseLevel("Information") == Level::kInfo);
  CHECK(ParseLevel("3") == Level::kError);
  CHECK_FALSE(ParseLevel("loud").has_value());
  for (int i = 0; i < kLevelCount; ++i) {
    Level l = static_cast<Level>(i);
    CHECK(ParseLevel(LevelName(l)) == l);
  }
}

TEST_CASE("every malformed batch is rejected with a message naming the problem and where",
          "[codec]") {
  struct Case {
    const char* what;
    std::function<void(json&)> mutate;
    const char* expected;  // substring of the error
  };
  const std::vector<Case> cases = {
      {"not an object", [](json& b) { b = json::array(); }, "body: expected a JSON object"},
      {"missing agent", [](json& b) { b.erase("agent"); }, "agent: missing"},
      {"agent not object", [](json& b) { b["agent"] = 3; }, "agent: expected an object"},
      {"missing host", [](json& b) { b["agent"].erase("host"); }, "agent.host: missing"},
      {"empty host", [](json& b) { b["agent"]["host"] = ""; }, "agent.host: must not be empty"},
      {"missing agent id", [](json& b) { b["agent"].erase("id"); }, "agent.id: missing"},
      {"missing batch id", [](json& b) { b.erase("batch_id"); }, "batch_id: missing"},
      {"batch id number", [](json& b) { b["batch_id"] = 42; }, "batch_id: expected string"},
      {"metrics not array", [](json& b) { b["metrics"] = json::object(); },
       "metrics: expected an array"},
      {"bad metric name", [](json& b) { b["metrics"][0]["name"] = "node-load"; },
       "metrics[0].name: 'node-load' is not a valid metric name"},
      {"bad metric type", [](json& b) { b["metrics"][0]["type"] = "summary"; },
       "metrics[0].type: 'summary' is not 'counter' or 'gauge'"},
      {"bad label name", [](json& b) { b["metrics"][0]["labels"] = {{"1x", "v"}}; },
       "metrics[0].labels.1x: invalid label name"},
      {"reserved label", [](json& b) { b["metrics"][0]["labels"] = {{"__name__", "v"}}; },
       "metrics[0].labels.__name__: names starting with '__' are reserved"},
      {"label value number", [](json& b) { b["metrics"][0]["labels"] = {{"k", 1}}; },
       "metrics[0].labels.k: expected string"},
      {"missing samples", [](json& b) { b["metrics"][0].erase("samples"); },
       "metrics[0].samples: missing"},
      {"sample not pair", [](json& b) { b["metrics"][0]["samples"] = {{1}}; },
       "metrics[0].samples[0]: expected [timestamp_ms, value]"},
      {"sample ts float", [](json& b) { b["metrics"][0]["samples"] = {{1.5, 1}}; },
       "metrics[0].samples[0][0]: expected integer"},
      {"sample value bool", [](json& b) { b["metrics"][0]["samples"] = {{kNow, true}}; },
       "metrics[0].samples[0][1]: expected number"},
      {"logs not array", [](json& b) { b["logs"] = "x"; }, "logs: expected an array"},
      {"log not object", [](json& b) { b["logs"][1] = 5; }, "logs[1]: expected an object"},
      {"log ts string", [](json& b) { b["logs"][1]["ts"] = "now"; },
       "logs[1].ts: expected integer"},
      {"log ts missing", [](json& b) { b["logs"][0].erase("ts"); }, "logs[0].ts: missing"},
      {"log ts negative", [](json& b) { b["logs"][0]["ts"] = -5; },
       "logs[0].ts: must not be negative"},
      {"log ts far future", [](json& b) { b["logs"][1]["ts"] = kNow + 2LL * 86400 * 1000; },
       "logs[1].ts: 1764072800000 is too far in the future"},
      {"log ts in microseconds", [](json& b) { b["logs"][0]["ts"] = kNow * 1000; },
       "logs[0].ts: 1763900000000000 is too far in the future"},
      {"message missing", [](json& b) { b["logs"][0].erase("message"); },
       "logs[0].message: missing"},
      {"message not string", [](json& b) { b["logs"][0]["message"] = json::array(); },
       "logs[0].message: expected string, got array"},
      {"unknown level", [](json& b) { b["logs"][0]["level"] = "loud"; },
       "logs[0].level: unknown level 'loud'"},
      {"level number", [](json& b) { b["logs"][0]["level"] = 3; },
       "logs[0].level: expected string"},
      {"misspelt log member", [](json& b) { b["logs"][1]["mesage"] = "x"; },
       "logs[1].mesage: unknown member (expected ts, service, level, message, fields)"},
      {"misspelt top member", [](json& b) { b["log"] = json::array(); },
       "log: unknown member (expected agent, batch_id, metrics, logs)"},
      {"misspelt agent member", [](json& b) { b["agent"]["hostname"] = "x"; },
       "agent.hostname: unknown member"},
      {"fields nested", [](json& b) { b["logs"][0]["fields"] = {{"a", {{"b", 1}}}}; },
       "logs[0].fields.a: expected string, number or boolean"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.what) {
      json body = ValidBatch();
      c.mutate(body);
      CHECK_THAT(ErrorFor(body), Catch::Contains(c.expected));
    }
  }
}

TEST_CASE("too many labels is rejected, at the limit is accepted", "[codec]") {
  DecodeLimits limits;
  limits.max_labels = 3;
  json body = ValidBatch();
  body["metrics"][0]["labels"] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  CHECK(ErrorFor(body, limits).empty());
  body["metrics"][0]["labels"]["d"] = "4";
  CHECK_THAT(ErrorFor(body, limits),
             Catch::Contains("metrics[0].labels: 4 entries, more than the limit of 3"));
}

TEST_CASE("malformed JSON is rejected with its position", "[codec]") {
  Result<Batch> r = DecodeBatch(R"({"agent": {"host": "a", "id": "b"}, "batch_id": "x",)", {}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::StartsWith("invalid JSON: "));
  CHECK_THAT(r.status().message(), Catch::Contains("column"));

  Result<Batch> bad_utf8 = DecodeBatch("{\"batch_id\": \"\xff\xfe\"}", {}, kNow);
  REQUIRE_FALSE(bad_utf8.ok());
  CHECK_THAT(bad_utf8.status().message(), Catch::StartsWith("invalid JSON"));
}

TEST_CASE("names follow Prometheus's rules", "[codec][names]") {
  CHECK(IsValidMetricName("node_cpu_seconds_total"));
  CHECK(IsValidMetricName("job:rate5m"));
  CHECK_FALSE(IsValidMetricName("5xx"));
  CHECK_FALSE(IsValidMetricName(""));
  CHECK(IsValidLabelName("_k9"));
  CHECK_FALSE(IsValidLabelName("a:b"));
  CHECK_FALSE(IsValidLabelName("é"));
}
