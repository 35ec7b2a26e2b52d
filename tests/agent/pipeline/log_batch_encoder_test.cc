#include "agent/log_batch_encoder.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

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

TEST_CASE("EncodeLogBatch leaves invalid UTF-8 and metrics to EncodeBatch", "[encoder]") {
  Batch b = SampleBatch();
  b.logs.push_back(Record("bad \xff\xfe byte, overlong \xc0\xaf, surrogate \xed\xa0\x80"));
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
  b.logs = {Record("ok")};
  b.metrics.push_back(MetricSeries{"up", MetricType::kGauge, {{"job", "x"}}, {{1, 1.0}}});
  CHECK(EncodeLogBatch(b) == EncodeBatch(b));
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
