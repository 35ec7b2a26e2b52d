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

// [tls]: both files set, or neither (plain HTTP).
struct TlsConfig {
  std::string cert_file;  // PEM certificate chain, the server's first
  std::string key_file;   // PEM private key
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// [query]: limits that keep one heavy read from starving ingestion or the other readers.
struct QueryLimits {
  int64_t max_range_ms = 32LL * 24 * 3600 * 1000;  // range queries: end - start
  size_t max_series = 10000;                       // series one metric query may select
  int max_log_lines = 10000;   // records per /api/v1/logs page (larger limits are clamped)
  int64_t timeout_ms = 30000;  // a query running longer is stopped (503)
  int max_concurrent = 0;      // queries running at once (as many may wait); 0 = workers / 4
};

struct CollectorConfig {
  std::string listen = "127.0.0.1:9800";
  std::string data_dir = "/var/lib/hivewatch-collector";
  bool no_auth = false;            // accept unauthenticated ingest and reads (experiments only)
  std::string log_level = "info";  // trace, debug, info, warn, error

  size_t max_body_bytes = 16 * 1024 * 1024;  // after decompression
  DecodeLimits decode;

  int http_workers = 16;
  int read_timeout_ms = 30000;
  int write_timeout_ms = 30000;
  size_t max_header_bytes = 64 * 1024;
  size_t max_header_count = 100;
  int max_connections = 1024;
  double rate_limit = 100;            // requests per second per token; 0 = unlimited
  int rate_burst = 200;               // requests a token may make at once above the rate
  bool metrics_require_read = false;  // [http] metrics_scope = "read": /metrics needs a token

  TlsConfig tls;
  QueryLimits query;

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
