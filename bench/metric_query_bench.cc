// Metric storage on SQLite: ingest rate, bytes per sample on disk, and range-query latency.
//   1. stores SERIES series of 10 s samples over HOURS hours (default 100 × 24 h = 864,000
//      samples), one batch per host and hour (10 series per host), from THREADS threads, and
//      prints samples/s;
//   2. closes the storage (checkpointing the WAL) and prints the database's bytes per sample,
//      and the chunks' own bytes per sample;
//   3. runs PromQL range queries over the whole span at a 1-minute step through the real engine
//      and Storage::SelectSeries, REPEAT times each, and prints p50/p99 per query (wall time)
//      and the p50 of the query thread's CPU time (what other work on the machine cannot
//      inflate); then *_over_time queries at a 1-hour step, from raw samples and from the hour
//      rollups;
//   4. with --scrape-hosts N > 0, stores in a second database what N agents push every 10 s
//      (one batch per host and round, 100 series with one sample each) and prints samples/s.
// VALUES shapes the samples: `ticks` (counters of 1/100 s ticks, as node_cpu_seconds_total),
// `random` (counters growing by random reals: the worst case for XOR compression) or `steady`
// (integer gauges that change now and then, as memory and filesystem sizes).
// Prints figures, never passes or fails.
//   hivewatch-bench-metric-query [--series 100] [--hours 24] [--repeat 20] [--values ticks]
//                                [--threads 4] [--jitter-ms 2] [--scrape-hosts 0] [--dir DIR]
#include <sqlite3.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "collector/query/promql/engine.h"
#include "collector/query/promql/parser.h"
#include "collector/storage/storage.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

// Draws the next value of a series of the given shape.
class ValueGen {
 public:
  ValueGen(const std::string& shape, uint32_t seed) : shape_(shape), rng_(seed) {}
  double Next() {
    if (shape_ == "random") {
      value_ += 9 + std::uniform_real_distribution<double>(0, 1)(rng_);
      return value_;
    }
    if (shape_ == "steady") {
      if (rng_() % 30 == 0) ticks_ += static_cast<int64_t>(rng_() % 4096) * 4096;
      return static_cast<double>(ticks_);
    }
    ticks_ += 900 + static_cast<int64_t>(rng_() % 101);  // 9 to 10 s of CPU time per 10 s
    return static_cast<double>(ticks_) / 100.0;          // as node_exporter divides by USER_HZ
  }

 private:
  std::string shape_;
  std::mt19937 rng_;
  double value_ = 0;
  int64_t ticks_ = 1000000;
};

int64_t QueryDb(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  int64_t v = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      v = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return v;
}

// CPU time (user + system) of the whole process so far, in seconds: with other work on the
// machine, CPU per sample tells more than samples per second.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread, in milliseconds (a query runs on the caller's thread).
double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Runs f(t) on `threads` threads and waits for them.
template <typename F>
void OnThreads(int threads, F f) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { f(t); });
  for (std::thread& th : pool) th.join();
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("Options");
  // clang-format off
  options.add_options()
      ("series", po::value<int>()->default_value(100), "series (10 hosts × N/10 cpus, mode idle)")
      ("hours", po::value<int>()->default_value(24), "hours of 10 s samples per series")
      ("repeat", po::value<int>()->default_value(20), "runs of each query")
      ("values", po::value<std::string>()->default_value("ticks"), "ticks, random or steady")
      ("threads", po::value<int>()->default_value(4), "concurrent appenders")
      ("jitter-ms", po::value<int>()->default_value(2),
       "timestamps are 10 s apart plus a random 0..N ms (the agent's ticker wakes up about 1 ms late)")
      ("scrape-hosts", po::value<int>()->default_value(0),
       "also measure agents' 10 s pushes: hosts of 100 series, 30 rounds")
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
  const std::string shape = vm["values"].as<std::string>();
  const int threads = std::max(1, vm["threads"].as<int>());
  const int scrape_hosts = vm["scrape-hosts"].as<int>();
  const int64_t jitter = std::max(0, vm["jitter-ms"].as<int>()) + 1;
  if (shape != "ticks" && shape != "random" && shape != "steady") {
    std::fprintf(stderr, "--values must be ticks, random or steady\n");
    return 2;
  }
  std::string dir = vm["dir"].as<std::string>();
  const bool temp = dir.empty();
  if (temp) dir = std::filesystem::temp_directory_path() / "hivewatch-metric-bench";
  std::filesystem::remove_all(dir);

  StorageOptions storage_options;
  storage_options.data_dir = dir;
  storage_options.synchronous_full = false;
  // The samples are from 2025: no retention by age (StorageOptions' default, said here because
  // the collector's is 15 days).
  storage_options.retention.max_age_ms = 0;
  auto storage = OpenStorage(storage_options);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", storage.status().message().c_str());
    return 1;
  }
  const int64_t end_ms = 1763900000000 / 60000 * 60000;
  const int64_t start_ms = end_ms - int64_t{hours} * 3600000;
  const int samples_per_series = hours * 360;
  const int hosts = std::max(1, series / 10);
  const int per_host = series / hosts;
  const int64_t total = int64_t{hosts} * per_host * samples_per_series;

  // Batches are built before the clock starts: what is timed is Storage::Append alone.
  std::mt19937 jitter_rng(42);
  auto jittered = [&](int64_t ts) {
    return ts + std::uniform_int_distribution<int64_t>(0, jitter - 1)(jitter_rng);
  };
  std::vector<Batch> batches;
  for (int h = 0; h < hosts; ++h) {
    std::vector<ValueGen> values;
    for (int c = 0; c < per_host; ++c)
      values.emplace_back(shape, static_cast<uint32_t>(h * 1000 + c));
    // One batch per host and hour, like an agent shipping in bursts.
    for (int hour = 0; hour < hours; ++hour) {
      Batch batch;
      batch.agent = {"host-" + std::to_string(h), "agent-" + std::to_string(h), "bench"};
      batch.batch_id = std::to_string(hour);
      for (int c = 0; c < per_host; ++c) {
        MetricSeries s;
        s.name = "node_cpu_seconds_total";
        s.type = MetricType::kCounter;
        s.labels = {{"cpu", std::to_string(c)}, {"mode", "idle"}};
        for (int i = hour * 360; i < (hour + 1) * 360; ++i) {
          s.samples.push_back({jittered(start_ms + int64_t{i} * 10000), values[c].Next()});
        }
        batch.metrics.push_back(std::move(s));
      }
      batches.push_back(std::move(batch));
    }
  }
  // Thread t stores the hosts h with h % threads == t, each host's hours in order.
  std::atomic<bool> failed{false};
  const auto load_start = std::chrono::steady_clock::now();
  const double load_cpu = CpuSeconds();
  OnThreads(threads, [&](int t) {
    for (int h = t; h < hosts; h += threads) {
      for (int hour = 0; hour < hours; ++hour) {
        auto appended = (*storage)->Append(batches[static_cast<size_t>(h * hours + hour)], end_ms);
        if (!appended.ok()) {
          std::fprintf(stderr, "%s\n", appended.status().message().c_str());
          failed = true;
          return;
        }
      }
    }
  });
  if (failed) return 1;
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  const double load_cpu_s = CpuSeconds() - load_cpu;
  batches.clear();
  std::printf(
      "values: %s; stored %d series × %d samples = %lld samples in %.2f s from %d "
      "threads: %.0f samples/s (CPU %.3f µs/sample)\n",
      shape.c_str(), hosts * per_host, samples_per_series, static_cast<long long>(total), load_s,
      threads, static_cast<double>(total) / load_s, load_cpu_s * 1e6 / static_cast<double>(total));

  // On disk: close (the WAL is checkpointed into the database) and measure, then reopen.
  storage->reset();
  const std::string db_path = dir + "/hivewatch.db";
  const auto db_bytes = static_cast<double>(std::filesystem::file_size(db_path));
  const auto chunk_bytes =
      static_cast<double>(QueryDb(db_path,
                                  "SELECT (SELECT coalesce(sum(length(data)), 0) FROM chunks) + "
                                  "(SELECT coalesce(sum(length(data)), 0) FROM head_chunks)"));
  std::printf("on disk: %.0f bytes = %.2f bytes/sample (the chunks' bytes alone: %.2f/sample)\n",
              db_bytes, db_bytes / static_cast<double>(total),
              chunk_bytes / static_cast<double>(total));
  storage = OpenStorage(storage_options);
  if (!storage.ok()) {
    std::fprintf(stderr, "%s\n", storage.status().message().c_str());
    return 1;
  }

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
    std::vector<double> cpu;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = ThreadCpuMs();
      auto selected = source.Select(all);
      cpu.push_back(ThreadCpuMs() - c0);
      latencies.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!selected.ok()) return 1;
    }
    std::printf("  %-70s p50 %8.1f ms  p99 %8.1f ms  CPU p50 %6.1f ms\n",
                "(SelectSeries alone: every sample)", bench::Percentile(latencies, 50),
                bench::Percentile(latencies, 99), bench::Percentile(cpu, 50));
  }
  // Runs `q` REPEAT times over [from, to] at `step` and prints its latency; false on an error.
  auto measure = [&](const std::string& label, const char* q, int64_t from, int64_t to,
                     int64_t step, const promql::EngineOptions& engine) {
    auto expr = promql::ParseExpr(q);
    if (!expr.ok()) return false;
    std::vector<double> latencies;
    std::vector<double> cpu;
    size_t points = 0;
    for (int r = 0; r < repeat; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = ThreadCpuMs();
      auto result = promql::EvalRange(**expr, source, from, to, step, engine);
      cpu.push_back(ThreadCpuMs() - c0);
      latencies.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!result.ok()) {
        std::fprintf(stderr, "%s: %s\n", q, result.status().message().c_str());
        return false;
      }
      points = 0;
      for (const auto& s : result->series) points += s.points.size();
    }
    std::printf("  %-70s p50 %8.1f ms  p99 %8.1f ms  CPU p50 %6.1f ms  (%zu points)\n",
                label.c_str(), bench::Percentile(latencies, 50), bench::Percentile(latencies, 99),
                bench::Percentile(cpu, 50), points);
    return true;
  };
  for (const char* q : queries) {
    if (!measure(q, q, start_ms, end_ms, 60000, {})) return 1;
  }
  // Long ranges at an hour's step: the hour rollups (EngineOptions::rollup_bucket_ms) against
  // the raw samples, over the whole hours of the span.
  const char* hourly[] = {
      "max_over_time(node_cpu_seconds_total[1h])",
      "avg by (host) (avg_over_time(node_cpu_seconds_total{mode=\"idle\"}[1h]))",
  };
  const int64_t hour = 3600000;
  const int64_t first_hour = (start_ms + 2 * hour - 1) / hour * hour;
  const int64_t last_hour = end_ms / hour * hour;
  std::printf("range queries over %d h at step 1h, raw samples against hour rollups:\n", hours);
  for (const char* q : hourly) {
    promql::EngineOptions raw;
    raw.rollup_bucket_ms = 0;
    if (!measure(std::string(q) + " (raw)", q, first_hour, last_hour, hour, raw)) return 1;
    if (!measure(std::string(q) + " (rollups)", q, first_hour, last_hour, hour, {})) return 1;
  }
  storage->reset();
  if (temp) std::filesystem::remove_all(dir);

  if (scrape_hosts > 0) {
    // Agents pushing every 10 s: one batch per host and round, one sample per series.
    constexpr int kSeriesPerHost = 100;
    constexpr int kRounds = 30;
    const std::string scrape_dir = dir + "-scrape";
    std::filesystem::remove_all(scrape_dir);
    StorageOptions scrape_options = storage_options;
    scrape_options.data_dir = scrape_dir;
    auto scrape = OpenStorage(scrape_options);
    if (!scrape.ok()) return 1;
    std::vector<Batch> pushes;
    std::vector<ValueGen> values;
    for (int i = 0; i < scrape_hosts * kSeriesPerHost; ++i) {
      values.emplace_back(shape, static_cast<uint32_t>(i));
    }
    for (int round = 0; round < kRounds; ++round) {
      for (int h = 0; h < scrape_hosts; ++h) {
        Batch batch;
        batch.agent = {"host-" + std::to_string(h), "agent-" + std::to_string(h), "bench"};
        batch.batch_id = std::to_string(round);
        for (int c = 0; c < kSeriesPerHost; ++c) {
          MetricSeries s;
          s.name = "node_metric_" + std::to_string(c % 20);
          s.type = MetricType::kGauge;
          s.labels = {{"index", std::to_string(c / 20)}};
          s.samples.push_back({jittered(start_ms + int64_t{round} * 10000),
                               values[static_cast<size_t>(h * kSeriesPerHost + c)].Next()});
          batch.metrics.push_back(std::move(s));
        }
        pushes.push_back(std::move(batch));
      }
    }
    const double cpu0 = CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    const int pushers = std::max(threads, 8);
    OnThreads(pushers, [&](int t) {
      // Thread t pushes for the hosts h with h % pushers == t, round after round.
      for (int round = 0; round < kRounds; ++round) {
        for (int h = t; h < scrape_hosts; h += pushers) {
          if (!(*scrape)
                   ->Append(pushes[static_cast<size_t>(round * scrape_hosts + h)], end_ms)
                   .ok()) {
            failed = true;
          }
        }
      }
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double n = static_cast<double>(pushes.size()) * kSeriesPerHost;
    std::printf(
        "agents' pushes: %d hosts × %d series × %d rounds = %.0f samples in %.2f s "
        "from %d threads: %.0f samples/s (CPU %.2f µs/sample)%s\n",
        scrape_hosts, kSeriesPerHost, kRounds, n, s, pushers, n / s,
        (CpuSeconds() - cpu0) * 1e6 / n, failed ? " (SOME FAILED)" : "");
    scrape->reset();
    std::filesystem::remove_all(scrape_dir);
  }
  return failed ? 1 : 0;
}
