// A real Prometheus server (Debian's /usr/bin/prometheus) for integration tests: its own temp
// directory for the config and the TSDB, a free loopback port, stopped with SIGTERM.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/process.h"

namespace hivewatch::testing {

class PrometheusProcess {
 public:
  // `scrape_configs` is the YAML list under `scrape_configs:` (each item starting with
  // "  - job_name: …"); the global scrape and evaluation intervals are 1s.
  explicit PrometheusProcess(const std::string& scrape_configs);
  ~PrometheusProcess();  // SIGTERM, then SIGKILL if it does not exit within 30 s

  // Starts the server and waits (up to 30 s) until GET /-/ready answers 200; fails the test
  // otherwise.
  void Start();

  // GET /api/v1/query?query=…: the `data.result` array of a successful answer, or null.
  nlohmann::json Query(const std::string& promql);
  // GET /api/v1/targets: the active targets' scrape health, e.g. for messages on failure.
  std::string Targets();

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT"
  std::string log() const;                         // the server's stderr so far

 private:
  TempDir dir_;
  Process process_;
  std::string url_;
};

std::string PrometheusBinary();  // /usr/bin/prometheus

}  // namespace hivewatch::testing
