// hivewatch-bench-logparse: cost of the file input's per-line parsing (ParseLine, RepairUtf8,
// MultilineAssembler) on the real samples and on JSON/logfmt lines, single-threaded. Prints
// ns/line and MB/s per kind; never a pass/fail test.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "agent/inputs/logparse/logparse.h"
#include "bench/bench_util.h"
#include "common/time_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

namespace {

volatile int64_t g_sink;  // keeps results alive so the loops are not optimised away

// Runs `fn` over `lines` `rounds` times; prints ns per line and MB/s.
template <typename Fn>
void Measure(const char* what, const std::vector<std::string>& lines, long total_lines, Fn fn) {
  size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size() + 1;
  const long rounds = std::max(1L, total_lines / static_cast<long>(lines.size()));
  for (const auto& l : lines) fn(l);  // warm up
  const auto t0 = std::chrono::steady_clock::now();
  for (long r = 0; r < rounds; ++r) {
    for (const auto& l : lines) fn(l);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double n = static_cast<double>(rounds) * static_cast<double>(lines.size());
  std::printf("%-34s %8.0f ns/line %8.0f MB/s  (avg %zu B/line)\n", what, secs * 1e9 / n,
              static_cast<double>(bytes) * static_cast<double>(rounds) / secs / 1e6,
              bytes / lines.size());
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-logparse [options]\n"
      "Times per-line log parsing on the real samples and on JSON/logfmt lines.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "lines", po::value<long>()->default_value(2000000), "lines parsed per measurement")(
      "samples", po::value<std::string>()->default_value(HIVEWATCH_SHARED_LOGS),
      "folder with the sample logs");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
  } catch (const po::error& e) {
    std::cerr << "hivewatch-bench-logparse: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts << std::endl;
    return 0;
  }
  const long total = vm["lines"].as<long>();
  std::vector<std::string> samples;
  for (auto& s : bench::LoadSampleLines(vm["samples"].as<std::string>())) {
    samples.push_back(std::move(s.message));
  }
  if (samples.empty()) {
    std::cerr << "hivewatch-bench-logparse: no sample lines\n";
    return 2;
  }
  // Structured lines of typical size, built from the samples' text.
  std::vector<std::string> json, logfmt;
  for (size_t i = 0; i < 2000; ++i) {
    const std::string msg = samples[i * 3 % samples.size()].substr(0, 60);
    std::string escaped;
    for (char c : msg) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    json.push_back(R"({"ts":"2025-11-23T12:00:)" + std::to_string(10 + i % 50) +
                   R"(.123Z","level":"info","msg":")" + escaped + R"(","req":)" +
                   std::to_string(i) + "}");
    logfmt.push_back("ts=2025-11-23T12:00:" + std::to_string(10 + i % 50) +
                     ".123Z level=warn msg=\"" + escaped + "\" req=" + std::to_string(i));
  }

  const int64_t now = NowMs();
  std::printf("hivewatch-bench-logparse: %ld lines per row, one thread\n", total);
  auto parse = [now](const std::string& l) {
    LogRecord r = logparse::ParseLine(l, now, now);
    g_sink = r.ts_ms + static_cast<int64_t>(r.message.size());
  };
  Measure("ParseLine, real samples (4 files)", samples, total, parse);
  for (const char* name : {"linux", "openssh", "hdfs", "hadoop"}) {
    std::vector<std::string> one;
    for (auto& s : bench::LoadSampleLines(vm["samples"].as<std::string>())) {
      if (s.service == name) one.push_back(std::move(s.message));
    }
    Measure(("ParseLine, " + std::string(name)).c_str(), one, total, parse);
  }
  Measure("ParseLine, JSON lines", json, total, parse);
  Measure("ParseLine, logfmt lines", logfmt, total, parse);
  Measure("ExtractTimestampMs, real samples", samples, total, [now](const std::string& l) {
    g_sink = logparse::ExtractTimestampMs(l, now).value_or(0);
  });
  Measure("DetectLevel, real samples", samples, total, [](const std::string& l) {
    g_sink = static_cast<int64_t>(logparse::DetectLevel(l).value_or(Level::kInfo));
  });
  Measure("RepairUtf8 (valid), real samples", samples, total, [](const std::string& l) {
    g_sink = static_cast<int64_t>(logparse::RepairUtf8(l).size());
  });
  {
    logparse::MultilineAssembler assembler({});
    Measure("Multiline (default rule), samples", samples, total, [&](const std::string& l) {
      if (auto r = assembler.Add(l)) g_sink = static_cast<int64_t>(r->size());
    });
  }
  {
    logparse::MultilineAssembler::Options options;
    options.start = std::regex(R"(^\S)");
    logparse::MultilineAssembler assembler(std::move(options));
    Measure("Multiline (start = ^\\S), samples", samples, total / 10, [&](const std::string& l) {
      if (auto r = assembler.Add(l)) g_sink = static_cast<int64_t>(r->size());
    });
  }
  return 0;
}
