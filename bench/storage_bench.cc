// hivewatch-bench-storage: ingest throughput of the storage layer alone (no HTTP, no JSON),
// to tell the writer's own ceiling apart from the rest of the push path. Appends pre-built
// batches of real log lines from several threads, as concurrent pushes would.
#include <boost/program_options.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "bench/bench_util.h"
#include "collector/storage/storage.h"
#include "common/time_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-storage --dir DIR [options]\n"
      "Appends real log lines straight into a fresh SQLite storage and prints lines/s.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "dir", po::value<std::string>()->default_value("/tmp/hivewatch-bench-storage"),
      "data directory (emptied first)")(
      "lines", po::value<long>()->default_value(1000000), "total log lines")(
      "batch-lines", po::value<int>()->default_value(1000), "log lines per batch")(
      "threads", po::value<int>()->default_value(32), "concurrent appenders")(
      "sync", po::value<std::string>()->default_value("full"), "full or normal")(
      "samples", po::value<std::string>()->default_value(HIVEWATCH_SHARED_LOGS),
      "folder with the sample logs");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
  } catch (const po::error& e) {
    std::cerr << "hivewatch-bench-storage: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts << std::endl;
    return 0;
  }
  const std::string dir = vm["dir"].as<std::string>();
  const long total = vm["lines"].as<long>();
  const int per_batch = vm["batch-lines"].as<int>();
  const int threads = vm["threads"].as<int>();
  std::vector<bench::SampleLine> samples = bench::LoadSampleLines(vm["samples"].as<std::string>());
  if (samples.empty() || per_batch < 1 || threads < 1) {
    std::cerr << "hivewatch-bench-storage: no samples or bad arguments\n";
    return 2;
  }

  std::filesystem::remove_all(dir);
  StorageOptions options;
  options.data_dir = dir;
  options.synchronous_full = vm["sync"].as<std::string>() != "normal";
  Result<std::unique_ptr<Storage>> storage = OpenStorage(options);
  if (!storage.ok()) {
    std::cerr << "hivewatch-bench-storage: " << storage.status().message() << "\n";
    return 1;
  }

  const long nbatches = (total + per_batch - 1) / per_batch;
  const int64_t now = NowMs();
  std::vector<Batch> batches(static_cast<size_t>(nbatches));
  for (long b = 0; b < nbatches; ++b) {
    Batch& batch = batches[static_cast<size_t>(b)];
    batch.agent = {"host-" + std::to_string(b % 20), "agent-" + std::to_string(b % 20), "bench"};
    batch.batch_id = "b" + std::to_string(b);
    for (long i = b * per_batch; i < std::min(total, (b + 1) * per_batch); ++i) {
      const auto& s = samples[static_cast<size_t>(i) % samples.size()];
      LogRecord r;
      r.ts_ms = now - 3600 * 1000 + i * 3600 * 1000 / total;
      r.service = s.service;
      r.message = s.message + " seq=" + std::to_string(i);
      batch.logs.push_back(std::move(r));
    }
  }

  std::atomic<long> next{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (long b; (b = next++) < nbatches;) {
        Result<AppendResult> r = (*storage)->Append(batches[static_cast<size_t>(b)], now);
        if (!r.ok()) {
          std::cerr << "append failed: " << r.status().message() << "\n";
          std::abort();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Result<StorageStats> stats = (*storage)->Stats();
  std::printf("storage: %ld lines in batches of %d from %d threads, synchronous=%s: %.2f s = "
              "%.0f lines/s; %.0f MB on disk\n",
              total, per_batch, threads, options.synchronous_full ? "FULL" : "NORMAL", secs,
              static_cast<double>(total) / secs,
              stats.ok() ? static_cast<double>(stats->bytes_on_disk) / 1e6 : 0.0);
  return 0;
}
