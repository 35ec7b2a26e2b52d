// The collector's Prometheus endpoints against the real tools: promtool accepts /metrics and
// /federate without a remark, and a real Prometheus server scrapes both (the federation job
// with honor_labels and match[], through a bearer token) and answers queries with the
// collector's own series and each host's federated samples.
#include <catch2/catch.hpp>
#include <sstream>

#include "common/batch_codec.h"
#include "common/http_client.h"
#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"
#include "tests/support/exposition.h"
#include "tests/support/prometheus_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

MetricSeries Metric(std::string name, MetricType type, Labels labels, int64_t ts, double value) {
  MetricSeries m;
  m.name = std::move(name);
  m.type = type;
  m.labels = std::move(labels);
  m.samples = {{ts, value}};
  return m;
}

std::string HostBatch(const std::string& host, std::vector<MetricSeries> metrics, int64_t ts) {
  Batch b;
  b.agent = {host, "agent-" + host, "0.1.0"};
  b.batch_id = host + "-000001";
  b.metrics = std::move(metrics);
  b.logs = {LogRecord{ts, "app", Level::kInfo, "hello from " + host, {}}};
  return EncodeBatch(b);
}

HttpResponse Get(const std::string& url, const std::string& token = "") {
  HttpClient client;
  HttpClient::Headers headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  Result<HttpResponse> r = client.Get(url, headers);
  INFO(url << ": " << r.status().message());
  REQUIRE(r.ok());
  return *r;
}

// promtool's verdict on an exposition: exit code and everything it printed.
CommandResult Promtool(const std::string& exposition) {
  return RunCommand({"promtool", "check", "metrics"}, {}, exposition);
}

// The one sample of an instant-query result whose metric has label `key` = `value`.
json ResultWith(const json& result, const std::string& key, const std::string& value) {
  if (!result.is_array()) return nullptr;
  for (const json& r : result) {
    if (r["metric"].value(key, "") == value) return r;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("/metrics and /federate pass promtool and a real Prometheus scrapes both",
          "[integration][prometheus]") {
  CollectorProcess collector;
  collector.UseConfig("[limits]\nmax_body_bytes = 4096\n");
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("prometheus", "read");
  collector.Start();

  // Two hosts push one batch each, a few seconds old (inside /federate's 5 minute lookback).
  const int64_t ts = NowMs() - 3000;
  HttpClient client;
  const std::string web =
      HostBatch("web1",
                {Metric("node_load1", MetricType::kGauge, {}, ts, 0.75),
                 Metric("node_cpu_seconds_total", MetricType::kCounter,
                        {{"cpu", "0"}, {"mode", "idle"}}, ts, 1234.5678901234567),
                 Metric("node_network_receive_bytes_total", MetricType::kCounter,
                        {{"device", "eth0"}}, ts, 9876543210)},
                ts);
  const std::string db = HostBatch("db1",
                                   {Metric("node_load1", MetricType::kGauge, {}, ts + 1000, 2.5),
                                    Metric("node_cpu_seconds_total", MetricType::kCounter,
                                           {{"cpu", "0"}, {"mode", "idle"}}, ts + 1000, 99)},
                                   ts + 1000);
  REQUIRE(PostPush(client, collector.url(), ingest, web).status == 200);
  REQUIRE(PostPush(client, collector.url(), ingest, db).status == 200);
  REQUIRE(PostPush(client, collector.url(), ingest, db).status == 200);  // a duplicate
  // Refusals the server and the router decide before the push handler runs.
  REQUIRE(PostPush(client, collector.url(), "", web).status == 401);
  REQUIRE(PostPush(client, collector.url(), read, web).status == 403);
  REQUIRE(PostPush(client, collector.url(), ingest, std::string(8192, ' ')).status == 413);

  // /metrics: open by default, and promtool has nothing to say about it.
  HttpResponse metrics = Get(collector.url() + "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
  CommandResult check = Promtool(metrics.body);
  INFO("/metrics:\n" << metrics.body << "\npromtool: " << check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out + check.err == "");
  const std::string& m = metrics.body;
  CHECK(ExposedValue(m, "hivewatch_collector_batches_total") == 2);
  CHECK(ExposedValue(m, "hivewatch_collector_samples_total") == 5);
  CHECK(ExposedValue(m, "hivewatch_collector_log_lines_total") == 2);
  CHECK(ExposedValue(m, "hivewatch_collector_duplicate_batches_total") == 1);
  CHECK(ExposedValue(
            m, R"(hivewatch_collector_rejected_batches_total{reason="unauthenticated"})") == 1);
  CHECK(ExposedValue(m, R"(hivewatch_collector_rejected_batches_total{reason="forbidden"})") == 1);
  CHECK(ExposedValue(m, R"(hivewatch_collector_rejected_batches_total{reason="too_large"})") == 1);
  CHECK(ExposedValue(m, R"(hivewatch_http_requests_total{code="200",handler="/api/v1/push"})") ==
        3);
  CHECK(ExposedValue(m, R"(hivewatch_http_requests_total{code="413",handler="/api/v1/push"})") ==
        1);
  CHECK(ExposedValue(m, "hivewatch_collector_hosts") == 2);
  CHECK(ExposedValue(m, "hivewatch_collector_series") == 5);
  CHECK(ExposedValue(m, "hivewatch_collector_commit_duration_seconds_count").value_or(0) >= 1);
  CHECK(ExposedValue(m, "hivewatch_collector_storage_bytes").value_or(0) > 0);
  CHECK(ExposedValue(m, "process_resident_memory_bytes").value_or(0) > 0);

  // /federate: needs the read scope; the newest sample of each host series with instance.
  CHECK(Get(collector.url() + "/federate").status == 401);
  HttpResponse federate = Get(collector.url() + "/federate", read);
  REQUIRE(federate.status == 200);
  CHECK(federate.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8");
  check = Promtool(federate.body);
  INFO("/federate:\n" << federate.body << "\npromtool: " << check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out + check.err == "");
  CHECK(federate.body.find("# TYPE node_cpu_seconds_total counter\n") != std::string::npos);
  CHECK(ExposedValue(federate.body, R"(node_load1{host="db1",instance="db1"})") == 2.5);
  CHECK(federate.body.find("node_load1{host=\"web1\",instance=\"web1\"} 0.75 " +
                           std::to_string(ts) + "\n") != std::string::npos);
  HttpResponse bad = Get(collector.url() + "/federate?match[]=" + UrlEncode("up{job=}"), read);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("match[] 'up{job=}': 1:8: parse error"));

  // A real Prometheus scrapes both endpoints.
  const std::string target = collector.url().substr(std::string("http://").size());
  PrometheusProcess prometheus(
      "  - job_name: hivewatch\n"
      "    static_configs:\n"
      "      - targets: ['" +
      target +
      "']\n"
      "  - job_name: federate\n"
      "    honor_labels: true\n"
      "    metrics_path: /federate\n"
      "    params:\n"
      "      'match[]': ['{__name__=~\"node_.+\"}']\n"
      "    authorization:\n"
      "      credentials: '" +
      read +
      "'\n"
      "    static_configs:\n"
      "      - targets: ['" +
      target + "']\n");
  prometheus.Start();
  const bool scraped = WaitFor(
      [&] {
        json load = prometheus.Query("node_load1");
        json batches = prometheus.Query("hivewatch_collector_batches_total");
        return load.is_array() && load.size() == 2 && batches.is_array() && batches.size() == 1;
      },
      std::chrono::seconds(30));
  INFO("targets:\n" << prometheus.Targets() << "prometheus log:\n" << prometheus.log());
  REQUIRE(scraped);

  // Both scrape jobs are healthy.
  for (const char* job : {"hivewatch", "federate"}) {
    json up = ResultWith(prometheus.Query("up"), "job", job);
    INFO(job);
    REQUIRE(!up.is_null());
    CHECK(up["value"][1] == "1");
  }

  // The federated series keep instance = host (honor_labels) and the pushed timestamps.
  json load = prometheus.Query("node_load1");
  json web_load = ResultWith(load, "instance", "web1");
  json db_load = ResultWith(load, "instance", "db1");
  REQUIRE(!web_load.is_null());
  REQUIRE(!db_load.is_null());
  CHECK(web_load["metric"] == json{{"__name__", "node_load1"},
                                   {"host", "web1"},
                                   {"instance", "web1"},
                                   {"job", "federate"}});
  CHECK(web_load["value"][1] == "0.75");
  CHECK(db_load["value"][1] == "2.5");
  json stamp = ResultWith(prometheus.Query("timestamp(node_load1)"), "instance", "web1");
  REQUIRE(!stamp.is_null());
  CHECK(std::stod(stamp["value"][1].get<std::string>()) == Approx(ts / 1000.0).margin(1e-6));
  json cpu = prometheus.Query(R"(node_cpu_seconds_total{mode="idle"})");
  REQUIRE(cpu.size() == 2);
  CHECK(ResultWith(cpu, "instance", "web1")["value"][1] == "1234.5678901234567");  // every digit
  CHECK(ResultWith(cpu, "instance", "db1")["value"][1] == "99");
  json rx = prometheus.Query("node_network_receive_bytes_total");
  REQUIRE(rx.size() == 1);
  CHECK(rx[0]["metric"]["device"] == "eth0");
  CHECK(rx[0]["value"][1] == "9876543210");

  // The collector's own series, as Prometheus stored them from /metrics.
  json batches = prometheus.Query(R"(hivewatch_collector_batches_total{job="hivewatch"})");
  REQUIRE(batches.size() == 1);
  CHECK(batches[0]["value"][1] == "2");
  json hosts = prometheus.Query("hivewatch_collector_hosts");
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0]["value"][1] == "2");
  // Prometheus's own scrapes of /federate are counted by the collector.
  REQUIRE(WaitFor(
      [&] {
        json r =
            prometheus.Query(R"(hivewatch_http_requests_total{handler="/federate",code="200"})");
        return r.is_array() && r.size() == 1 && std::stod(r[0]["value"][1].get<std::string>()) >= 2;
      },
      std::chrono::seconds(30)));
  json rss = prometheus.Query(R"(process_resident_memory_bytes{job="hivewatch"})");
  REQUIRE(rss.size() == 1);
  CHECK(std::stod(rss[0]["value"][1].get<std::string>()) > 1e6);
}

TEST_CASE("metrics_scope = \"read\" makes /metrics need a read token",
          "[integration][prometheus]") {
  CollectorProcess collector;
  collector.UseConfig("[http]\nmetrics_scope = \"read\"\n");
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("prometheus", "read");
  collector.Start();
  HttpResponse anonymous = Get(collector.url() + "/metrics");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.headers["www-authenticate"] == "Bearer");
  CHECK(Get(collector.url() + "/metrics", ingest).status == 403);
  HttpResponse ok = Get(collector.url() + "/metrics", read);
  CHECK(ok.status == 200);
  CHECK(ExposedValue(ok.body, R"(hivewatch_http_requests_total{code="401",handler="/metrics"})") ==
        1);
}
