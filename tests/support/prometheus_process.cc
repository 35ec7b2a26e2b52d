#include "tests/support/prometheus_process.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "common/http_client.h"

namespace hivewatch::testing {

std::string PrometheusBinary() { return "/usr/bin/prometheus"; }

PrometheusProcess::PrometheusProcess(const std::string& scrape_configs) {
  std::ofstream(dir_.path() + "/prometheus.yml") << "global:\n"
                                                    "  scrape_interval: 1s\n"
                                                    "  scrape_timeout: 1s\n"
                                                    "  evaluation_interval: 1s\n"
                                                    "scrape_configs:\n"
                                                 << scrape_configs;
}

PrometheusProcess::~PrometheusProcess() {
  if (!process_.Running()) return;
  process_.Signal(SIGTERM);
  if (process_.Wait(std::chrono::seconds(30)) < 0) process_.Signal(SIGKILL);
}

std::string PrometheusProcess::log() const { return ReadFile(dir_.path() + "/prometheus.log"); }

void PrometheusProcess::Start() {
  HttpClient client(HttpClientOptions{1000, 2000, ""});
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreeLoopbackPort();
    REQUIRE(port > 0);
    const std::string address = "127.0.0.1:" + std::to_string(port);
    process_ = Process::Start(
        {PrometheusBinary(), "--config.file=" + dir_.path() + "/prometheus.yml",
         "--storage.tsdb.path=" + dir_.path() + "/tsdb", "--web.listen-address=" + address},
        dir_.path() + "/prometheus.out", dir_.path() + "/prometheus.log");
    url_ = "http://" + address;
    const bool ready = WaitFor(
        [&] {
          if (!process_.Running()) return true;  // exited: maybe the port was taken meanwhile
          Result<HttpResponse> r = client.Get(url_ + "/-/ready");
          return r.ok() && r->status == 200;
        },
        std::chrono::seconds(30));
    if (ready && process_.Running()) return;
    if (log().find("address already in use") == std::string::npos) break;
  }
  INFO("prometheus log:\n" << log());
  FAIL("Prometheus did not become ready");
}

nlohmann::json PrometheusProcess::Query(const std::string& promql) {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url_ + "/api/v1/query?query=" + UrlEncode(promql));
  if (!r.ok() || r->status != 200) return nullptr;
  nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
  if (!body.is_object() || body["status"] != "success") return nullptr;
  return body["data"]["result"];
}

std::string PrometheusProcess::Targets() {
  HttpClient client;
  Result<HttpResponse> r = client.Get(url_ + "/api/v1/targets");
  if (!r.ok()) return r.status().message();
  nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
  std::string out;
  if (!body.is_object()) return r->body;
  for (const auto& t : body["data"]["activeTargets"]) {
    out += t.value("scrapeUrl", "?") + ": " + t.value("health", "?") + " " +
           t.value("lastError", "") + "\n";
  }
  return out;
}

}  // namespace hivewatch::testing
