#include "agent/log_batch_encoder.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include "agent/inputs/proc/proc_input.h"
#include "common/batch_codec.h"

namespace hivewatch {
namespace {

Batch SampleBatch() {
  Batch b;
  b.agent = {"web1", "agent-7", "0.1.0"};
  b.batch_id = "agent-7-1764-00000001";
  return b;
}

LogRecord Record(std::string message, Labels fields = {}) {
  LogRecord r;
  r.ts_ms = 1764000000123;
  r.service = "app";
  r.level = Level::kWarning;
  r.message = std::move(message);
  r.fields = std::move(fields);
  return r;
}

}  // namespace

TEST_CASE("EncodeLogBatch writes exactly what EncodeBatch writes", "[encoder]") {
  Batch b = SampleBatch();
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));  // no records
  b.logs.push_back(Record("plain"));
  b.logs.push_back(Record("quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f",
                          {{"file", "/var/log/app.log"}, {"k\"ey", "v\\al"}}));
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  controls += "\x7f end";
  b.logs.push_back(Record(controls));
  b.logs.push_back(Record("UTF-8: é € 𝄞 — ümlaut", {{"ключ", "значение"}}));
  b.logs.push_back(Record(""));
  b.logs.back().ts_ms = -5;
  b.logs.back().level = Level::kError;
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
  b.agent.version.clear();
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
}

TEST_CASE("EncodeLogBatch leaves invalid UTF-8 to EncodeBatch", "[encoder]") {
  Batch b = SampleBatch();
  b.logs.push_back(Record("bad \xff\xfe byte, overlong \xc0\xaf, surrogate \xed\xa0\x80"));
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
  b.logs = {Record("ok")};
  b.metrics.push_back(MetricSeries{
      "node_filesystem_size_bytes", MetricType::kGauge, {{"mountpoint", "/mnt/\xff"}}, {{1, 1.0}}});
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
}

TEST_CASE("EncodeLogBatch writes metric series exactly as EncodeBatch", "[encoder]") {
  Batch b = SampleBatch();
  b.metrics.push_back(MetricSeries{"up", MetricType::kGauge, {}, {{1764000000123, 1.0}}});
  b.metrics.push_back(MetricSeries{"no_samples_total", MetricType::kCounter, {{"a", "b"}}, {}});
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  b.metrics.push_back(MetricSeries{"node_filesystem_avail_bytes",
                                   MetricType::kGauge,
                                   {{"device", "/dev/mapper/vg-root"},
                                    {"mountpoint", "/mnt/with \"quotes\" and \\ and\ttab"},
                                    {"fstype", controls},
                                    {"label", "UTF-8: é € 𝄞"},
                                    {"empty", ""}},
                                   {{-5, 0.0},
                                    {0, -0.0},
                                    {1, 0.1},
                                    {2, 1e15},
                                    {3, 1e16},
                                    {4, 123456789012345678.0},
                                    {5, 1e-4},
                                    {6, 1e-5},
                                    {7, 1e300},
                                    {8, -2.5e-300},
                                    {9, 5e-324},
                                    {10, std::numeric_limits<double>::max()},
                                    {11, std::numeric_limits<double>::min()},
                                    {12, std::numeric_limits<double>::quiet_NaN()},
                                    {13, std::numeric_limits<double>::infinity()},
                                    {14, -std::numeric_limits<double>::infinity()},
                                    {15, 3.0},
                                    {16, 1.0 / 3},
                                    {17, 4294967296.5},
                                    {INT64_MAX, -1},
                                    {INT64_MIN, 42.125}}});
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
  b.logs.push_back(Record("a batch with both"));
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));

  // Doubles from random bit patterns and random decimal texts: every formatting branch.
  std::mt19937_64 rng(20261204);
  MetricSeries random{"random", MetricType::kGauge, {}, {}};
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    random.samples.push_back({i, v});
    random.samples.push_back({i, std::ldexp(static_cast<double>(rng() % 1000000), i % 80 - 40)});
  }
  b = SampleBatch();
  b.metrics.push_back(std::move(random));
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
}

TEST_CASE("EncodeLogBatch matches EncodeBatch on metrics collected for real", "[encoder]") {
  // This machine's /proc and /sys, and the fixture tree from a Debian 12 VM.
  ProcOptions fixture;
  fixture.proc_root = std::string(HIVEWATCH_SOURCE_DIR) + "/tests/data/proc/debian12_vm/proc";
  fixture.sys_root = std::string(HIVEWATCH_SOURCE_DIR) + "/tests/data/proc/debian12_vm/sys";
  for (const ProcOptions& options : {ProcOptions{}, fixture}) {
    ProcInput input(options);
    std::vector<MetricFamily> families;
    REQUIRE(input.Collect(&families).ok());
    (void)input.WaitForHelpers(std::chrono::seconds(2));
    Batch b = SampleBatch();
    for (MetricFamily& f : families) {
      for (MetricPoint& p : f.points) {
        b.metrics.push_back(MetricSeries{f.name, f.type, p.labels, {{1764000000123, p.value}}});
      }
    }
    INFO(options.proc_root);
    REQUIRE(b.metrics.size() > 100);
    CHECK(EncodeLogBatch(b) == EncodeBatch(b));
  }
}

TEST_CASE("EncodeLogBatch matches EncodeBatch on the real samples", "[encoder]") {
  Batch b = SampleBatch();
  for (const char* f : {"/Linux_2k.log", "/OpenSSH_2k.log", "/HDFS_2k.log", "/Hadoop_2k.log"}) {
    std::ifstream in(std::string(HIVEWATCH_SHARED_LOGS) + f);
    REQUIRE(in);
    for (std::string line; std::getline(in, line);) {
      b.logs.push_back(Record(line, {{"file", f}}));
    }
  }
  REQUIRE(b.logs.size() == 8000);
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
}

}  // namespace hivewatch
