// The wire model: what an agent (or an application) pushes to the collector in one batch.
// Plain values, no behaviour; the JSON form is in batch_codec.h and docs/api.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/level.h"

namespace hivewatch {

using Labels = std::map<std::string, std::string>;  // sorted: canonical order

enum class MetricType { kGauge, kCounter };
const char* MetricTypeName(MetricType type);

struct Sample {
  int64_t ts_ms = 0;
  double value = 0;
};

struct MetricSeries {
  std::string name;
  MetricType type = MetricType::kGauge;
  Labels labels;
  std::vector<Sample> samples;
};

struct LogRecord {
  int64_t ts_ms = 0;
  std::string service;
  Level level = Level::kInfo;
  std::string message;
  Labels fields;  // structured fields; on the wire a JSON object of strings, numbers or
                  // booleans (numbers and booleans are kept as their JSON text)
};

struct AgentInfo {
  std::string host;
  std::string id;
  std::string version;
};

struct Batch {
  AgentInfo agent;
  std::string batch_id;
  std::vector<MetricSeries> metrics;
  std::vector<LogRecord> logs;  // order is kept as sent
};

}  // namespace hivewatch
