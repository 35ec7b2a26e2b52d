// The collector's configuration: defaults, the TOML file (--config) and validation.
// See docs/configuration.md for every key; packaging/collector.toml is the commented default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "collector/storage/storage.h"
#include "common/batch_codec.h"
#include "common/status.h"

namespace hivewatch {

struct CollectorConfig {
  std::string listen = "127.0.0.1:9800";
  std::string data_dir = "/var/lib/hivewatch-collector";
  bool no_auth = false;            // accept unauthenticated ingest and reads (experiments only)
  std::string log_level = "info";  // trace, debug, info, warn, error

  size_t max_body_bytes = 16 * 1024 * 1024;  // after decompression
  DecodeLimits decode;

  int http_workers = 16;
  int read_timeout_ms = 30000;
  bool metrics_require_read = false;  // [http] metrics_scope = "read": /metrics needs a token

  StorageOptions storage = DefaultStorage();  // storage.data_dir is filled from data_dir

  // The collector's storage defaults: 15 days of data, 400 days of hour rollups, retention
  // applied every minute.
  static StorageOptions DefaultStorage() {
    StorageOptions options;
    options.retention.max_age_ms = int64_t{15} * 24 * 3600 * 1000;
    options.retention.rollup_max_age_ms = int64_t{400} * 24 * 3600 * 1000;
    options.retention.interval_ms = 60000;
    return options;
  }
};

// Reads a TOML file over the defaults. Unknown keys and wrong types are errors naming the key.
Result<CollectorConfig> LoadCollectorConfig(const std::string& path);

// Checks values (ranges, known names); fills derived fields.
Status ValidateCollectorConfig(CollectorConfig* config);

}  // namespace hivewatch
