// hivewatch-bench-agent-cycle: the agent's metric collection cycle in one process, stage by
// stage, many cycles, CPU time of the whole process (CLOCK_PROCESS_CPUTIME_ID, so the statvfs
// helper threads count): ProcInput::Collect on this machine's /proc and /sys, the families
// turned into a push batch (as Agent::CollectAndSpool) and encoded to JSON (EncodeLogBatch, and
// nlohmann's EncodeBatch for comparison, checked equal), the gzip (level 1 as shipped, level 6
// for comparison), and the
// Prometheus text of --once. The figures beside node_exporter come from the real processes
// (bench/agent_vs_node_exporter.sh); this is for the breakdown and for profiling
// (valgrind --tool=callgrind build/bench/hivewatch-bench-agent-cycle --cycles 50).
// Never a pass/fail test.
#include <time.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "agent/exposition.h"
#include "agent/inputs/proc/proc_input.h"
#include "agent/log_batch_encoder.h"
#include "common/batch_codec.h"
#include "common/gzip.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The families as one push batch with one sample per series, as the agent ships them.
Batch ToBatch(std::vector<MetricFamily> families, int64_t now_ms) {
  Batch batch;
  batch.agent = {"bench-host", "0123456789abcdef", "bench"};
  batch.batch_id = "0123456789abcdef-1700000000000-00000001";
  for (MetricFamily& f : families) {
    for (MetricPoint& p : f.points) {
      batch.metrics.push_back(
          MetricSeries{f.name, f.type, std::move(p.labels), {{now_ms, p.value}}});
    }
  }
  return batch;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-agent-cycle [options]\n"
      "Runs the agent's collection cycle N times and prints CPU time per cycle and stage.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")("cycles", po::value<int>()->default_value(2000),
                                                 "collections to run")(
      "proc-root", po::value<std::string>()->default_value("/proc"), "where /proc is")(
      "sys-root", po::value<std::string>()->default_value("/sys"), "where /sys is")(
      "stage", po::value<std::string>()->default_value("all"),
      "all, or only one of collect, encode, gzip, text (for a profiler)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  const int cycles = vm["cycles"].as<int>();
  const std::string stage = vm["stage"].as<std::string>();
  ProcOptions options;
  options.proc_root = vm["proc-root"].as<std::string>();
  options.sys_root = vm["sys-root"].as<std::string>();
  ProcInput input(options);

  double collect = 0, encode = 0, dom_encode = 0, gzip = 0, gzip6 = 0, text = 0;
  size_t series = 0, json_bytes = 0, gzip_bytes = 0, gzip6_bytes = 0, text_bytes = 0;
  std::string json;
  for (int i = 0; i < cycles; ++i) {
    double t0 = ProcessCpuSeconds();
    std::vector<MetricFamily> families;
    Status s = input.Collect(&families);
    if (!s.ok()) {
      std::cerr << "collect: " << s.message() << "\n";
      return 1;
    }
    double t1 = ProcessCpuSeconds();
    collect += t1 - t0;
    if (stage == "all" || stage == "text") {
      std::string exposition = ToPrometheusText(families);
      double t2 = ProcessCpuSeconds();
      text += t2 - t1;
      text_bytes = exposition.size();
      t1 = t2;
    }
    if (stage == "all" || stage == "encode" || stage == "gzip") {
      Batch batch = ToBatch(std::move(families), 1700000000000 + i);
      EncodeLogBatch(batch, &json);  // as Agent::CollectAndSpool
      double t3 = ProcessCpuSeconds();
      encode += t3 - t1;
      series = batch.metrics.size();
      json_bytes = json.size();
      if (stage != "encode") {
        std::string body = Gzip(json, 1);  // the agent's kMetricGzipLevel
        double t4 = ProcessCpuSeconds();
        gzip += t4 - t3;
        gzip_bytes = body.size();
        if (stage == "all") {  // what the earlier encoder and level cost (not shipped)
          body = Gzip(json);
          double t5 = ProcessCpuSeconds();
          gzip6 += t5 - t4;
          gzip6_bytes = body.size();
          if (EncodeBatch(batch) != json) {
            std::cerr << "EncodeLogBatch and EncodeBatch differ\n";
            return 1;
          }
          dom_encode += ProcessCpuSeconds() - t5;
        }
      }
    }
  }
  input.WaitForHelpers(std::chrono::seconds(2));
  auto us = [&](double secs) { return secs * 1e6 / cycles; };
  std::printf("hivewatch-bench-agent-cycle: %d cycles on %s and %s, CPU time of the process\n",
              cycles, options.proc_root.c_str(), options.sys_root.c_str());
  std::printf("collect (ProcInput::Collect, %zu series)     %8.0f us/cycle\n", series, us(collect));
  std::printf("batch + EncodeLogBatch (%zu bytes JSON)     %8.0f us/cycle\n", json_bytes,
              us(encode));
  std::printf("Gzip level 1 (%zu bytes)                     %8.0f us/cycle\n", gzip_bytes,
              us(gzip));
  std::printf("collect + encode + gzip (a shipped cycle)     %8.0f us/cycle\n",
              us(collect + encode + gzip));
  std::printf("  for comparison: EncodeBatch (nlohmann DOM)  %8.0f us/cycle\n", us(dom_encode));
  std::printf("  for comparison: Gzip level 6 (%zu bytes)     %8.0f us/cycle\n", gzip6_bytes,
              us(gzip6));
  std::printf("ToPrometheusText (--once, %zu bytes)         %8.0f us/cycle\n", text_bytes,
              us(text));
  return 0;
}
