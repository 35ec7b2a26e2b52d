// /federate's content: labels with `instance`, match[] selection over a real SQLite store, and
// the exact text exposition.
#include "collector/export/federation.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "tests/support/temp_dir.h"

using namespace hivewatch;
using hivewatch::testing::TempDir;

namespace {

constexpr int64_t kNow = 1763900000000;  // 2025-11-23T12:13:20Z

SeriesSamples Series(Labels labels, MetricType type, double value, int64_t ts = kNow) {
  SeriesSamples s;
  s.labels = std::move(labels);
  s.type = type;
  s.samples = {{ts, value}};
  return s;
}

MetricSeries Metric(std::string name, MetricType type, Labels labels, std::vector<Sample> samples) {
  MetricSeries m;
  m.name = std::move(name);
  m.type = type;
  m.labels = std::move(labels);
  m.samples = std::move(samples);
  return m;
}

// A real SQLite store with two hosts' metrics.
struct Store {
  Store() {
    StorageOptions options;
    options.data_dir = dir.path() + "/data";
    options.synchronous_full = false;
    auto opened = OpenStorage(options);
    REQUIRE(opened.ok());
    storage = std::move(opened).value();
    Push("web1",
         {Metric("node_load1", MetricType::kGauge, {}, {{kNow - 20000, 0.5}, {kNow - 5000, 0.75}}),
          Metric("node_cpu_seconds_total", MetricType::kCounter, {{"cpu", "0"}, {"mode", "idle"}},
                 {{kNow - 5000, 1234.5}}),
          Metric("node_cpu_seconds_total", MetricType::kCounter, {{"cpu", "0"}, {"mode", "user"}},
                 {{kNow - 5000, 99.25}}),
          // Only older than the 5 minute lookback: not federated.
          Metric("node_boot_time_seconds", MetricType::kGauge, {},
                 {{kNow - kFederateLookbackMs - 1, 1.7e9}})});
    Push("db1", {Metric("node_load1", MetricType::kGauge, {}, {{kNow - 1000, 2}}),
                 // An application's series that carries its own instance label.
                 Metric("app_requests_total", MetricType::kCounter, {{"instance", "10.0.0.7:8080"}},
                        {{kNow - 1000, 42}}),
                 // Newer than now: not federated either (at or before now only).
                 Metric("node_load5", MetricType::kGauge, {}, {{kNow + 1000, 1}})});
  }

  void Push(const std::string& host, std::vector<MetricSeries> metrics) {
    Batch batch;
    batch.agent = {host, "agent-" + host, "1.0.0"};
    batch.batch_id = host + "-1";
    batch.metrics = std::move(metrics);
    auto r = storage->Append(batch, kNow);
    REQUIRE(r.ok());
  }

  // The (name, instance) of every series the selectors select.
  std::vector<std::string> Select(const std::vector<std::string>& selectors) {
    auto r = SelectFederatedSeries(*storage, selectors, kNow);
    INFO(r.status().message());
    REQUIRE(r.ok());
    std::vector<std::string> out;
    for (const SeriesSamples& s : *r) {
      REQUIRE(s.samples.size() == 1);
      std::string id = s.labels.at("__name__") + "@" + s.labels.at("instance");
      if (s.labels.count("mode")) id += "/" + s.labels.at("mode");
      out.push_back(id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir;
  std::unique_ptr<Storage> storage;
};

}  // namespace

TEST_CASE("federated series get instance = host and keep host", "[federate]") {
  CHECK(FederatedLabels({{"__name__", "up"}, {"host", "web1"}}) ==
        Labels{{"__name__", "up"}, {"host", "web1"}, {"instance", "web1"}});
}

TEST_CASE("a pushed instance label is kept as exported_instance", "[federate]") {
  CHECK(FederatedLabels({{"__name__", "up"}, {"host", "web1"}, {"instance", "10.0.0.7:80"}}) ==
        Labels{{"__name__", "up"},
               {"host", "web1"},
               {"instance", "web1"},
               {"exported_instance", "10.0.0.7:80"}});
  CHECK(FederatedLabels({{"host", "h"}, {"instance", "a"}, {"exported_instance", "b"}}) ==
        Labels{{"host", "h"},
               {"instance", "h"},
               {"exported_instance", "b"},
               {"exported_exported_instance", "a"}});
}

TEST_CASE("sample values are written so that they read back as the same double", "[federate]") {
  CHECK(FormatSampleValue(1057) == "1057");
  CHECK(FormatSampleValue(0.42) == "0.42");
  CHECK(FormatSampleValue(0.1 + 0.2) == "0.30000000000000004");
  CHECK(FormatSampleValue(1.7e9) == "1.7e+09");  // shorter than 1700000000, as Go writes it too
  CHECK(FormatSampleValue(123456789) == "123456789");
  CHECK(FormatSampleValue(1e21) == "1e+21");
  CHECK(FormatSampleValue(-2.5e-7) == "-2.5e-07");
  CHECK(FormatSampleValue(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(FormatSampleValue(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatSampleValue(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("the exposition groups series by name with HELP and TYPE, escaping label values",
          "[federate]") {
  const std::string text = RenderFederation(
      {Series({{"__name__", "node_load1"}, {"host", "web1"}, {"instance", "web1"}},
              MetricType::kGauge, 0.75, kNow - 5000),
       Series({{"__name__", "app_requests_total"},
               {"host", "db1"},
               {"instance", "db1"},
               {"path", "/a \"b\"\\c\nd"}},
              MetricType::kCounter, 42),
       Series({{"__name__", "node_load1"}, {"host", "db1"}, {"instance", "db1"}},
              MetricType::kGauge, std::numeric_limits<double>::quiet_NaN(), kNow - 1000)});
  CHECK(text ==
        "# HELP app_requests_total Newest sample of each host's series, federated by hivewatch "
        "(no help text is stored).\n"
        "# TYPE app_requests_total counter\n"
        "app_requests_total{host=\"db1\",instance=\"db1\",path=\"/a \\\"b\\\"\\\\c\\nd\"} 42 "
        "1763900000000\n"
        "# HELP node_load1 Newest sample of each host's series, federated by hivewatch (no help "
        "text is stored).\n"
        "# TYPE node_load1 gauge\n"
        "node_load1{host=\"db1\",instance=\"db1\"} NaN 1763899999000\n"
        "node_load1{host=\"web1\",instance=\"web1\"} 0.75 1763899995000\n");
}

TEST_CASE("a name pushed as a counter by one host and a gauge by another is untyped",
          "[federate]") {
  const std::string text = RenderFederation(
      {Series({{"__name__", "jobs"}, {"host", "a"}, {"instance", "a"}}, MetricType::kCounter, 1),
       Series({{"__name__", "jobs"}, {"host", "b"}, {"instance", "b"}}, MetricType::kGauge, 2)});
  CHECK(text.find("# TYPE jobs untyped\n") != std::string::npos);
  CHECK(RenderFederation({}).empty());
}

TEST_CASE("without match[] every host's series with a sample in the lookback is federated",
          "[federate]") {
  Store s;
  CHECK(s.Select({}) == std::vector<std::string>{"app_requests_total@db1",
                                                 "node_cpu_seconds_total@web1/idle",
                                                 "node_cpu_seconds_total@web1/user",
                                                 "node_load1@db1", "node_load1@web1"});
}

TEST_CASE("match[] selectors are unioned and a series is written once", "[federate]") {
  Store s;
  CHECK(s.Select({"node_load1"}) == std::vector<std::string>{"node_load1@db1", "node_load1@web1"});
  CHECK(s.Select({R"(node_cpu_seconds_total{mode="idle"})", R"({__name__=~"node_.+",host="db1"})",
                  "node_load1"}) == std::vector<std::string>{"node_cpu_seconds_total@web1/idle",
                                                             "node_load1@db1", "node_load1@web1"});
  CHECK(s.Select({R"({__name__=~"nothing.*"})"}).empty());
}

TEST_CASE("match[] may select by the instance labels federation adds", "[federate]") {
  Store s;
  CHECK(s.Select({R"({instance="db1"})"}) ==
        std::vector<std::string>{"app_requests_total@db1", "node_load1@db1"});
  CHECK(s.Select({R"({exported_instance=~"10\\..*"})"}) ==
        std::vector<std::string>{"app_requests_total@db1"});
  CHECK(s.Select({R"(node_load1{instance!="db1"})"}) ==
        std::vector<std::string>{"node_load1@web1"});
}

TEST_CASE("the newest sample in the lookback is the one federated", "[federate]") {
  Store s;
  auto r = SelectFederatedSeries(*s.storage, {R"(node_load1{host="web1"})"}, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].samples[0].ts_ms == kNow - 5000);
  CHECK((*r)[0].samples[0].value == 0.75);
  CHECK((*r)[0].type == MetricType::kGauge);
  // Five minutes later, that sample is out of the lookback.
  r = SelectFederatedSeries(*s.storage, {R"(node_load1{host="web1"})"},
                            kNow - 5000 + kFederateLookbackMs + 1);
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("an invalid match[] is an error naming it", "[federate]") {
  Store s;
  auto r = SelectFederatedSeries(*s.storage, {"node_load1", "up{job=}"}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message() ==
        "match[] 'up{job=}': 1:8: parse error: unexpected right brace \"}\" in label matching, "
        "expected string");
  r = SelectFederatedSeries(*s.storage, {R"({job=""})"}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(),
             Catch::Contains("vector selector must contain at least one non-empty matcher"));
  r = SelectFederatedSeries(*s.storage, {R"({job=~"("})"}, kNow);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::StartsWith("match[] '{job=~\"(\"}': "));
}
