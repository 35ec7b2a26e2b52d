// hivewatch-bench-push: a load generator for POST /api/v1/push. Several connections push
// gzip-compressed batches of real log lines (../shared/data/logs, numbered so that every line is
// distinct) and it prints lines/s, MB/s and push latency percentiles. Batches are built and
// compressed before the clock starts, so the figures measure the collector, not the generator.
#include <boost/program_options.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "bench/bench_util.h"
#include "common/batch_codec.h"
#include "common/gzip.h"
#include "common/http_client.h"
#include "common/time_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-push --url URL [options]\n"
      "Pushes real log lines to a running collector and prints throughput and latency.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "url", po::value<std::string>()->default_value("http://127.0.0.1:9800"), "collector URL")(
      "token", po::value<std::string>()->default_value(""), "ingest token (none with --no-auth)")(
      "lines", po::value<long>()->default_value(1000000), "total log lines to push")(
      "batch-lines", po::value<int>()->default_value(1000), "log lines per batch")(
      "connections", po::value<int>()->default_value(8), "concurrent connections")(
      "hosts", po::value<int>()->default_value(10), "distinct agent hosts")(
      "span", po::value<std::string>()->default_value("1h"),
      "timestamps spread over this much time, ending now")(
      "no-gzip", "send uncompressed JSON")(
      "samples", po::value<std::string>()->default_value(HIVEWATCH_SHARED_LOGS),
      "folder with the sample logs");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
  } catch (const po::error& e) {
    std::cerr << "hivewatch-bench-push: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts << std::endl;
    return 0;
  }
  const std::string url = vm["url"].as<std::string>() + "/api/v1/push";
  const long total_lines = vm["lines"].as<long>();
  const int batch_lines = vm["batch-lines"].as<int>();
  const int connections = vm["connections"].as<int>();
  const int hosts = vm["hosts"].as<int>();
  const bool gzip = !vm.count("no-gzip");
  Result<int64_t> span = ParseDurationMs(vm["span"].as<std::string>());
  if (!span.ok() || batch_lines < 1 || connections < 1 || hosts < 1) {
    std::cerr << "hivewatch-bench-push: bad arguments (see --help)\n";
    return 2;
  }

  std::vector<bench::SampleLine> samples = bench::LoadSampleLines(vm["samples"].as<std::string>());
  if (samples.empty()) {
    std::cerr << "hivewatch-bench-push: no sample lines found\n";
    return 1;
  }

  // Build every batch up front.
  const long batches = (total_lines + batch_lines - 1) / batch_lines;
  std::fprintf(stderr, "building %ld batches of %d lines...\n", batches, batch_lines);
  const int64_t now = NowMs(), start = now - *span;
  const std::string run = std::to_string(now);
  std::vector<std::string> bodies(static_cast<size_t>(batches));
  size_t raw_bytes = 0, wire_bytes = 0;
  long line_no = 0;
  for (long b = 0; b < batches; ++b) {
    Batch batch;
    int host = static_cast<int>(b % hosts);
    batch.agent = {"bench-host-" + std::to_string(host), "bench-" + run + "-" + std::to_string(host),
                   "bench"};
    batch.batch_id = "bench-" + run + "-" + std::to_string(b);
    for (int i = 0; i < batch_lines && line_no < total_lines; ++i, ++line_no) {
      const auto& s = samples[static_cast<size_t>(line_no) % samples.size()];
      LogRecord r;
      r.ts_ms = start + *span * line_no / std::max(1L, total_lines);
      r.service = s.service;
      r.level = Level::kInfo;
      r.message = s.message + " seq=" + std::to_string(line_no);
      batch.logs.push_back(std::move(r));
    }
    std::string json = EncodeBatch(batch);
    raw_bytes += json.size();
    bodies[static_cast<size_t>(b)] = gzip ? Gzip(json, 1) : std::move(json);
    wire_bytes += bodies[static_cast<size_t>(b)].size();
  }

  std::atomic<long> next{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::string first_error;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&] {
      HttpClient client(HttpClientOptions{5000, 120000, ""});
      HttpClient::Headers headers = {{"Content-Type", "application/json"}};
      if (gzip) headers["Content-Encoding"] = "gzip";
      if (!vm["token"].as<std::string>().empty()) {
        headers["Authorization"] = "Bearer " + vm["token"].as<std::string>();
      }
      std::vector<double> mine;
      for (long b; (b = next++) < batches;) {
        auto s = std::chrono::steady_clock::now();
        Result<HttpResponse> r = client.Post(url, bodies[static_cast<size_t>(b)], headers);
        mine.push_back(std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - s).count());
        if (!r.ok() || r->status != 200) {
          failed++;
          std::lock_guard<std::mutex> lock(mu);
          if (first_error.empty()) first_error = r.ok() ? r->body : r.status().message();
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("push: %ld lines in %ld batches of %d over %d connections (%s) in %.2f s\n",
              total_lines, batches, batch_lines, connections, gzip ? "gzip" : "plain", secs);
  std::printf("  throughput: %.0f lines/s, %.1f MB/s uncompressed JSON, %.1f MB/s on the wire\n",
              static_cast<double>(total_lines) / secs, static_cast<double>(raw_bytes) / 1e6 / secs,
              static_cast<double>(wire_bytes) / 1e6 / secs);
  std::printf("  push latency: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              bench::Percentile(latencies_ms, 50), bench::Percentile(latencies_ms, 99),
              bench::Percentile(latencies_ms, 100));
  if (failed > 0) {
    std::printf("  FAILED pushes: %ld (first error: %s)\n", failed.load(), first_error.c_str());
    return 1;
  }
  return 0;
}
