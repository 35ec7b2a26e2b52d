// PromQL correctness against the real thing: the same samples go into a real
// hivewatch-collector (pushed over HTTP) and into a real Prometheus 2.42 (OpenMetrics text with
// timestamps, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`), and
// a list of queries is run through /api/v1/query_range on both. Series label sets must be equal
// and every point equal within 1e-9 relative. The fixture is realistic on purpose: 10 s scrapes
// with jitter (rate extrapolation depends on sample alignment), counters with resets, a counter
// born mid-range, a gauge with a gap longer than the lookback, several hosts and labels.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/batch_codec.h"
#include "common/http_client.h"
#include "tests/support/collector_process.h"
#include "tests/support/process.h"

namespace hivewatch::testing {
namespace {

using nlohmann::json;

constexpr int64_t kT0 = 1763800000000;  // first scrape (2025-11-22T08:26:40Z)
constexpr int kScrapes = 360;           // one hour at 10 s
constexpr int64_t kInterval = 10000;

struct FixtureSeries {
  std::string host;
  std::string name;
  MetricType type = MetricType::kGauge;
  Labels labels;  // without host and __name__
  std::vector<Sample> samples;
};

// Scrape times of one host: every 10 s with up to ±1.5 s of jitter.
std::vector<int64_t> ScrapeTimes(std::mt19937& rng) {
  std::uniform_int_distribution<int64_t> jitter(-1500, 1500);
  std::vector<int64_t> times;
  for (int i = 0; i < kScrapes; ++i) times.push_back(kT0 + i * kInterval + jitter(rng));
  return times;
}

std::vector<FixtureSeries> BuildFixture() {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<FixtureSeries> all;
  for (const std::string host : {"web-1", "web-2", "db-1"}) {
    const std::vector<int64_t> times = ScrapeTimes(rng);
    // CPU seconds per cpu and mode; web-2's agent restarts at scrape 200 (every counter of it
    // starts again from zero).
    for (const std::string cpu : {"0", "1"}) {
      for (const std::string mode : {"idle", "user", "system"}) {
        FixtureSeries s{host,
                        "node_cpu_seconds_total",
                        MetricType::kCounter,
                        {{"cpu", cpu}, {"mode", mode}},
                        {}};
        const double share = mode == "idle" ? 8.0 : mode == "user" ? 1.2 : 0.4;
        double value = 100000 * unit(rng);
        for (int i = 0; i < kScrapes; ++i) {
          if (host == "web-2" && cpu == "1" && i == 200) value = 0;
          value += share * (0.5 + unit(rng));
          s.samples.push_back({times[i], value});
        }
        all.push_back(std::move(s));
      }
    }
    FixtureSeries memory{host, "node_memory_MemAvailable_bytes", MetricType::kGauge, {}, {}};
    double bytes = 4e9;
    for (int i = 0; i < kScrapes; ++i) {
      bytes += (unit(rng) - 0.5) * 5e7;
      memory.samples.push_back({times[i], std::round(bytes)});
    }
    all.push_back(std::move(memory));
    if (host != "db-1") {
      for (const std::string code : {"200", "500"}) {
        FixtureSeries s{host,
                        "http_requests_total",
                        MetricType::kCounter,
                        {{"code", code}, {"path", "/api"}},
                        {}};
        double value = code == "200" ? 5000 : 20;
        for (int i = 0; i < kScrapes; ++i) {
          if (host == "web-1" && code == "200" && i == 150) value = 0;
          value += std::floor((code == "200" ? 40 : 2) * unit(rng));
          s.samples.push_back({times[i], value});
        }
        all.push_back(std::move(s));
      }
    } else {
      // A counter that appears 40 minutes in, starting near zero: rate() must not extrapolate
      // it below zero.
      FixtureSeries jobs{
          host, "jobs_processed_total", MetricType::kCounter, {{"queue", "mail"}}, {}};
      double value = 3;
      for (int i = 240; i < kScrapes; ++i) {
        jobs.samples.push_back({times[i], value});
        value += std::floor(5 * unit(rng));
      }
      all.push_back(std::move(jobs));
      // A gauge with a 10-minute gap (longer than the 5-minute lookback).
      FixtureSeries queue{host, "queue_depth", MetricType::kGauge, {{"queue", "mail"}}, {}};
      for (int i = 0; i < kScrapes; ++i) {
        if (i >= 100 && i < 160) continue;
        queue.samples.push_back({times[i], std::floor(100 * unit(rng))});
      }
      all.push_back(std::move(queue));
    }
  }
  return all;
}

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// OpenMetrics text with timestamps (seconds), one metric family at a time.
std::string OpenMetrics(const std::vector<FixtureSeries>& fixture) {
  std::map<std::string, std::vector<const FixtureSeries*>> families;
  for (const FixtureSeries& s : fixture) families[s.name].push_back(&s);
  std::string out;
  for (const auto& [name, members] : families) {
    for (const FixtureSeries* s : members) {
      Labels labels = s->labels;
      labels["host"] = s->host;
      std::string prefix = name + "{";
      bool first = true;
      for (const auto& [k, v] : labels) {
        prefix += (first ? "" : ",") + k + "=\"" + v + "\"";
        first = false;
      }
      prefix += "} ";
      for (const Sample& sample : s->samples) {
        char ts[32];
        std::snprintf(ts, sizeof ts, "%lld.%03lld", static_cast<long long>(sample.ts_ms / 1000),
                      static_cast<long long>(sample.ts_ms % 1000));
        out += prefix + FormatDouble(sample.value) + " " + ts + "\n";
      }
    }
  }
  return out + "# EOF\n";
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// label set (as JSON text) → [(ts, value)].
using Matrix = std::map<std::string, std::vector<std::pair<double, std::string>>>;

Matrix QueryRange(HttpClient& client, const std::string& base, const std::string& query,
                  int64_t start_ms, int64_t end_ms, const std::string& step) {
  const std::string url = base + "/api/v1/query_range?query=" + UrlEncode(query) +
                          "&start=" + std::to_string(start_ms / 1000) +
                          "&end=" + std::to_string(end_ms / 1000) + "&step=" + step;
  auto response = client.Get(url);
  REQUIRE(response.ok());
  INFO(base << ": " << query << " -> " << response->body.substr(0, 500));
  REQUIRE(response->status == 200);
  const json body = json::parse(response->body);
  REQUIRE(body["status"] == "success");
  REQUIRE(body["data"]["resultType"] == "matrix");
  Matrix m;
  for (const json& series : body["data"]["result"]) {
    auto& points = m[series["metric"].dump()];
    for (const json& p : series["values"]) {
      points.push_back({p[0].get<double>(), p[1].get<std::string>()});
    }
  }
  return m;
}

// /api/v1/query: label set (as JSON text) → points (one for a vector, the raw samples for a
// matrix), whatever the order of the series in the answer.
Matrix QueryInstant(HttpClient& client, const std::string& base, const std::string& query,
                    int64_t at_ms, std::string* type) {
  char at[32];
  std::snprintf(at, sizeof at, "%lld.%03lld", static_cast<long long>(at_ms / 1000),
                static_cast<long long>(at_ms % 1000));
  auto response =
      client.Get(base + "/api/v1/query?query=" + UrlEncode(query) + "&time=" + std::string(at));
  REQUIRE(response.ok());
  INFO(base << ": " << query << " -> " << response->body.substr(0, 500));
  REQUIRE(response->status == 200);
  const json body = json::parse(response->body);
  REQUIRE(body["status"] == "success");
  *type = body["data"]["resultType"].get<std::string>();
  Matrix m;
  const json& result = body["data"]["result"];
  if (*type == "scalar" || *type == "string") {
    m["scalar"].push_back({result[0].get<double>(), result[1].get<std::string>()});
    return m;
  }
  for (const json& series : result) {
    auto& points = m[series["metric"].dump()];
    if (series.contains("value")) {
      points.push_back({series["value"][0].get<double>(), series["value"][1].get<std::string>()});
    } else {
      for (const json& p : series["values"]) {
        points.push_back({p[0].get<double>(), p[1].get<std::string>()});
      }
    }
  }
  return m;
}

bool Close(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const double x = std::strtod(a.c_str(), nullptr);
  const double y = std::strtod(b.c_str(), nullptr);
  if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
  return std::fabs(x - y) <= 1e-9 * std::max({1e-300, std::fabs(x), std::fabs(y)});
}

TEST_CASE("PromQL range queries agree with a real Prometheus 2.42 on the same samples",
          "[integration][promql]") {
  const std::vector<FixtureSeries> fixture = BuildFixture();

  // hivewatch: one batch per host, pushed over HTTP.
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  HttpClient client;
  std::map<std::string, Batch> batches;
  for (const FixtureSeries& s : fixture) {
    Batch& b = batches[s.host];
    b.agent = {s.host, s.host + "-agent", "1.0.0"};
    b.batch_id = s.host + "-fixture";
    b.metrics.push_back(MetricSeries{s.name, s.type, s.labels, s.samples});
  }
  for (const auto& [host, batch] : batches) {
    auto pushed = client.Post(collector.url() + "/api/v1/push", EncodeBatch(batch),
                              {{"Content-Type", "application/json"}});
    REQUIRE(pushed.ok());
    INFO(pushed->body);
    REQUIRE(pushed->status == 200);
  }

  // Prometheus: the same samples as TSDB blocks.
  TempDir dir;
  const std::string om_path = dir.path() + "/fixture.om";
  std::ofstream(om_path) << OpenMetrics(fixture);
  const CommandResult blocks = RunCommand(
      {"promtool", "tsdb", "create-blocks-from", "openmetrics", om_path, dir.path() + "/data"});
  INFO(blocks.out << blocks.err);
  REQUIRE(blocks.exit_code == 0);
  std::ofstream(dir.path() + "/prometheus.yml") << "global:\n  scrape_interval: 1m\n";
  const int port = FreePort();
  Process prometheus = Process::Start(
      {"prometheus", "--config.file=" + dir.path() + "/prometheus.yml",
       "--storage.tsdb.path=" + dir.path() + "/data", "--storage.tsdb.retention.time=100y",
       "--web.listen-address=127.0.0.1:" + std::to_string(port)},
      dir.path() + "/prometheus.out", dir.path() + "/prometheus.err");
  const std::string prom_url = "http://127.0.0.1:" + std::to_string(port);
  const bool ready = WaitFor(
      [&] {
        auto r = client.Get(prom_url + "/-/ready");
        return r.ok() && r->status == 200;
      },
      std::chrono::seconds(60));
  INFO(ReadFile(dir.path() + "/prometheus.err"));
  REQUIRE(ready);

  struct Case {
    std::string query;
    int64_t start_ms;
    int64_t end_ms;
    std::string step;
  };
  const int64_t start = kT0 + 6 * 60000;
  const int64_t end = kT0 + 66 * 60000;  // past the data: the lookback tail too
  std::vector<Case> cases;
  for (const std::string q : {
           "node_memory_MemAvailable_bytes",
           "rate(node_cpu_seconds_total[1m])",
           "rate(node_cpu_seconds_total[5m])",
           "irate(node_cpu_seconds_total[1m])",
           "increase(http_requests_total[2m])",
           "increase(http_requests_total[10m])",
           "rate(http_requests_total[45s])",
           "rate(jobs_processed_total[5m])",
           "increase(jobs_processed_total[30m])",
           "delta(node_memory_MemAvailable_bytes[5m])",
           "deriv(node_memory_MemAvailable_bytes[5m])",
           "idelta(queue_depth[1m])",
           "sum by (host) (rate(node_cpu_seconds_total[5m]))",
           "avg without (cpu) (rate(node_cpu_seconds_total[1m]))",
           "max by (mode) (rate(node_cpu_seconds_total[2m]))",
           "min(rate(node_cpu_seconds_total{mode!=\"idle\"}[2m]))",
           "count by (host) (node_cpu_seconds_total)",
           "sum(http_requests_total) by (code)",
           "avg(node_memory_MemAvailable_bytes)",
           "stddev by (host) (rate(node_cpu_seconds_total[5m]))",
           "quantile(0.9, rate(node_cpu_seconds_total[5m]))",
           "topk(2, rate(node_cpu_seconds_total{mode=\"user\"}[5m]))",
           "1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))",
           "avg_over_time(node_memory_MemAvailable_bytes[5m])",
           "min_over_time(queue_depth[5m])",
           "max_over_time(queue_depth[5m])",
           "sum_over_time(queue_depth[2m])",
           "count_over_time(queue_depth[3m])",
           "last_over_time(queue_depth[10m])",
           "queue_depth",
           "changes(queue_depth[10m])",
           "resets(http_requests_total[30m])",
           "node_memory_MemAvailable_bytes / 1024 / 1024",
           "node_memory_MemAvailable_bytes > 4e9",
           "node_memory_MemAvailable_bytes > bool 4e9",
           "4e9 >= node_memory_MemAvailable_bytes",
           "-node_memory_MemAvailable_bytes % 7 + 2 ^ 3",
           "rate(http_requests_total{code=\"500\"}[5m]) / ignoring(code) "
           "rate(http_requests_total{code=\"200\"}[5m])",
           "sum by (host) (rate(http_requests_total[5m])) / on(host) "
           "sum by (host) (rate(node_cpu_seconds_total{mode=\"user\"}[5m]))",
           "rate(node_cpu_seconds_total{mode=\"user\"}[5m]) / on(host) group_left "
           "sum by (host) (rate(node_cpu_seconds_total[5m]))",
           "node_memory_MemAvailable_bytes < on(host) node_memory_MemAvailable_bytes offset 10m",
           "http_requests_total offset 5m",
           "rate(http_requests_total[5m] offset 1m)",
           "node_cpu_seconds_total{mode=~\"us.*|sys\\\\w+\", cpu!~\"1\"}",
           "{__name__=~\"node_memory_.*|queue_depth\"}",
           "node_memory_MemAvailable_bytes and on(host) queue_depth",
           "queue_depth or jobs_processed_total",
           "http_requests_total unless http_requests_total{code=\"500\"}",
           "abs(delta(queue_depth[1m]))",
           "round(rate(node_cpu_seconds_total[1m]) * 100)",
           "clamp_max(queue_depth, 50)",
           "clamp_min(queue_depth, 50)",
           "ceil(queue_depth / 7)",
           "time()",
           "vector(1) + time() % 60",
           "scalar(sum(node_memory_MemAvailable_bytes)) / 1e9",
           "absent(nonexistent_metric{job=\"x\"})",
           "predict_linear(node_memory_MemAvailable_bytes[10m], 3600)",
           "sum by (host) (increase(node_cpu_seconds_total[10m])) > 1000",
       }) {
    cases.push_back({q, start, end, "30"});
  }
  // Steps that do not line up with the scrapes, and short windows at the reset points.
  cases.push_back({"rate(node_cpu_seconds_total{host=\"web-2\"}[1m])", kT0 + 30 * 60000,
                   kT0 + 38 * 60000, "7s"});
  cases.push_back({"increase(http_requests_total{host=\"web-1\"}[1m])", kT0 + 23 * 60000,
                   kT0 + 28 * 60000, "3"});
  cases.push_back({"rate(jobs_processed_total[1m])", kT0 + 39 * 60000, kT0 + 45 * 60000, "2s"});
  cases.push_back({"queue_depth", kT0 + 15 * 60000, kT0 + 30 * 60000, "13"});

  size_t compared_points = 0;
  for (const Case& c : cases) {
    INFO("query: " << c.query);
    const Matrix want = QueryRange(client, prom_url, c.query, c.start_ms, c.end_ms, c.step);
    const Matrix got = QueryRange(client, collector.url(), c.query, c.start_ms, c.end_ms, c.step);
    CHECK_FALSE(want.empty());  // every case must compare something
    std::vector<std::string> want_keys, got_keys;
    for (const auto& kv : want) want_keys.push_back(kv.first);
    for (const auto& kv : got) got_keys.push_back(kv.first);
    REQUIRE(got_keys == want_keys);
    for (const auto& [labels, points] : want) {
      INFO("series: " << labels);
      const auto& ours = got.at(labels);
      REQUIRE(ours.size() == points.size());
      for (size_t i = 0; i < points.size(); ++i) {
        INFO("point " << i << " at " << FormatDouble(points[i].first));
        CHECK(ours[i].first == points[i].first);
        if (!Close(ours[i].second, points[i].second)) {
          CHECK(ours[i].second == points[i].second);  // differ beyond 1e-9 relative
        }
        ++compared_points;
      }
    }
  }
  CHECK(compared_points > 10000);

  // Instant queries, at times between scrapes and past the end of the data; a bare range
  // selector returns the raw samples with their own (millisecond) timestamps.
  for (const std::string q :
       {"http_requests_total[1m]", "queue_depth[2m] offset 90s", "node_memory_MemAvailable_bytes",
        "rate(node_cpu_seconds_total[5m])", "topk(3, rate(node_cpu_seconds_total[5m]))",
        "sort_desc(sum by (host) (rate(http_requests_total[5m])))", "count(queue_depth)",
        "scalar(count(node_cpu_seconds_total)) * 2", "time()", "\"text\""}) {
    for (const int64_t at : {kT0 + 17 * 60000 + 4321, kT0 + 59 * 60000 + 999, kT0 + 63 * 60000}) {
      INFO("instant query: " << q << " at " << at);
      std::string want_type, got_type;
      const Matrix want = QueryInstant(client, prom_url, q, at, &want_type);
      const Matrix got = QueryInstant(client, collector.url(), q, at, &got_type);
      CHECK(got_type == want_type);
      REQUIRE(got.size() == want.size());
      for (const auto& [labels, points] : want) {
        INFO("series: " << labels);
        REQUIRE(got.count(labels) == 1);
        const auto& ours = got.at(labels);
        REQUIRE(ours.size() == points.size());
        for (size_t i = 0; i < points.size(); ++i) {
          CHECK(ours[i].first == points[i].first);
          if (!Close(ours[i].second, points[i].second)) {
            CHECK(ours[i].second == points[i].second);
          }
        }
      }
    }
  }
  prometheus.Signal(SIGTERM);
  prometheus.Wait();
}

}  // namespace
}  // namespace hivewatch::testing
