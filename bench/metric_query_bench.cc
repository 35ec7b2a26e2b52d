// Range-query latency on the SQLite store: SERIES series of 10 s samples over HOURS hours
// (default 100 × 24 h = 864,000 samples), then PromQL range queries over the whole span at a
// 1-minute step through the real engine and Storage::SelectSeries, REPEAT times each; prints
// p50/p99 per query. Prints figures, never passes or fails.
//   hivewatch-bench-metric-query [--series 100] [--hours 24] [--repeat 20] [--dir DIR]
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "collector/query/promql/engine.h"
#include "collector/query/promql/parser.h"
#include "collector/storage/storage.h"

namespace po = boost::program_options;
using namespace hivewatch;

int main(int argc, char** argv) {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
      ("series", po::value<int>()->default_value(100), "series (10 hosts × N/10 cpus, mode idle)")
      ("hours", po::value<int>()->default_value(24), "hours of 10 s samples per series")
      ("repeat", po::value<int>()->default_value(20), "runs of each query")
      ("dir", po::value<std::string>()->default_value(""), "data directory (default: a temp dir)")
      ("help", "show this help");
  // clang-format on
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, options), vm);
  if (vm.count("help")) {
    std::printf("%s", (std::string("hivewatch-bench-metric-query\n") +
                       [&] {
                         std::ostringstream o;
                         o << options;
                         return o.str();
                       }())
                          .c_str());
    return 0;
  }
  const int series = vm["series"].as<int>();
  const int hours = vm["hours"].as<int>();
  const int repeat = vm["repeat"].as<int>();
  std::string dir = vm["dir"].as<std::string>();
  const bool temp = dir.empty();
  if (temp) dir = std::filesystem::temp_directory_path() / "hivewatch-metric-bench";
  std::filesystem::remove_all(dir);

  StorageOptions storage_options;
  storage_options.data_dir = dir;
  storage_options.synchronous_full = false;
  auto storage = OpenStorage(storage_options);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", storage.status().message().c_str());
    return 1;
  }
  const int64_t end_ms = 1763900000000 / 60000 * 60000;
  const int64_t start_ms = end_ms - int64_t{hours} * 3600000;
  const int samples_per_series = hours * 360;
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> unit(0, 1);

  const auto load_start = std::chrono::steady_clock::now();
  const int hosts = std::max(1, series / 10);
  for (int h = 0; h < hosts; ++h) {
    std::vector<double> values(static_cast<size_t>(series / hosts), 0);
    // One batch per host and hour, like an agent shipping in bursts.
    for (int hour = 0; hour < hours; ++hour) {
      Batch batch;
      batch.agent = {"host-" + std::to_string(h), "agent-" + std::to_string(h), "bench"};
      batch.batch_id = std::to_string(hour);
      for (size_t c = 0; c < values.size(); ++c) {
        MetricSeries s;
        s.name = "node_cpu_seconds_total";
        s.type = MetricType::kCounter;
        s.labels = {{"cpu", std::to_string(c)}, {"mode", "idle"}};
        for (int i = hour * 360; i < (hour + 1) * 360; ++i) {
          values[c] += 9 + unit(rng);
          s.samples.push_back({start_ms + int64_t{i} * 10000 + (i * 37 % 500), values[c]});
        }
        batch.metrics.push_back(std::move(s));
      }
      auto appended = (*storage)->Append(batch, end_ms);
      if (!appended.ok()) {
        std::fprintf(stderr, "%s\n", appended.status().message().c_str());
        return 1;
      }
    }
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  std::printf("stored %d series × %d samples = %lld samples in %.1f s\n", hosts * (series / hosts),
              samples_per_series,
              static_cast<long long>(hosts) * (series / hosts) * samples_per_series, load_s);

  promql::StorageSeriesSource source(storage->get());
  const char* queries[] = {
      "node_cpu_seconds_total",
      "rate(node_cpu_seconds_total[5m])",
      "1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))",
      "sum(rate(node_cpu_seconds_total{host=\"host-0\"}[5m]))",
  };
  std::printf("range queries over %d h at step 1m (%d steps), %d runs each:\n", hours,
              hours * 60 + 1, repeat);
  {
    // The storage read alone: what every query over all the series pays first.
    SeriesSelection all;
    all.matchers = {{"__name__", LabelMatcher::Op::kEq, "node_cpu_seconds_total"}};
    all.start_ms = start_ms - 300000;
    all.end_ms = end_ms;
    std::vector<double> latencies;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      auto selected = source.Select(all);
      latencies.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!selected.ok()) return 1;
    }
    std::printf("  %-70s p50 %8.1f ms  p99 %8.1f ms\n", "(SelectSeries alone: every sample)",
                bench::Percentile(latencies, 50), bench::Percentile(latencies, 99));
  }
  for (const char* q : queries) {
    auto expr = promql::ParseExpr(q);
    if (!expr.ok()) return 1;
    std::vector<double> latencies;
    size_t points = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      auto result = promql::EvalRange(**expr, source, start_ms, end_ms, 60000);
      latencies.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!result.ok()) {
        std::fprintf(stderr, "%s: %s\n", q, result.status().message().c_str());
        return 1;
      }
      points = 0;
      for (const auto& s : result->series) points += s.points.size();
    }
    std::printf("  %-70s p50 %8.1f ms  p99 %8.1f ms  (%zu points)\n", q,
                bench::Percentile(latencies, 50), bench::Percentile(latencies, 99), points);
  }
  storage->reset();
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
