#include "collector/collector_config.h"

#include <set>

#include "collector/query/log_query.h"
#include "common/toml_reader.h"

namespace hivewatch {
namespace {

// A duration key that must lie in [min_ms, max_ms]; `range` words the bounds for the message.
template <typename T>
Status DurationIn(TomlTableReader& r, const std::string& key, int64_t min_ms, int64_t max_ms,
                  const std::string& range, T* out_ms) {
  int64_t ms = static_cast<int64_t>(*out_ms);
  HW_RETURN_IF_ERROR(r.Duration(key, &ms));
  if (ms < min_ms || ms > max_ms) return r.Error(key, "must be between " + range);
  *out_ms = static_cast<T>(ms);
  return Status::Ok();
}

}  // namespace

Result<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  Result<toml::table> parsed = ParseTomlFile(path);
  HW_RETURN_IF_ERROR(parsed.status());
  const toml::table& root = *parsed;
  CollectorConfig c;
  TomlTableReader top(root, "", path);
  HW_RETURN_IF_ERROR(top.Get("listen", &c.listen));
  HW_RETURN_IF_ERROR(top.Get("data_dir", &c.data_dir));
  HW_RETURN_IF_ERROR(top.Get("no_auth", &c.no_auth));
  HW_RETURN_IF_ERROR(top.Get("log_level", &c.log_level));

  Result<const toml::table*> limits = top.Sub("limits");
  HW_RETURN_IF_ERROR(limits.status());
  if (const toml::table* t = *limits) {
    TomlTableReader r(*t, "limits", path);
    HW_RETURN_IF_ERROR(r.Int("max_body_bytes", 1024, int64_t{1} << 32, &c.max_body_bytes));
    HW_RETURN_IF_ERROR(r.Int("max_labels", 1, 1000, &c.decode.max_labels));
    HW_RETURN_IF_ERROR(r.Duration("max_future", &c.decode.max_future_ms));
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> http = top.Sub("http");
  HW_RETURN_IF_ERROR(http.status());
  if (const toml::table* t = *http) {
    TomlTableReader r(*t, "http", path);
    HW_RETURN_IF_ERROR(r.Int("workers", 1, 1024, &c.http_workers));
    HW_RETURN_IF_ERROR(
        DurationIn(r, "read_timeout", 100, 3600 * 1000, "100ms and 1h", &c.read_timeout_ms));
    HW_RETURN_IF_ERROR(
        DurationIn(r, "write_timeout", 100, 3600 * 1000, "100ms and 1h", &c.write_timeout_ms));
    HW_RETURN_IF_ERROR(r.Int("max_header_bytes", 1024, 1 << 20, &c.max_header_bytes));
    HW_RETURN_IF_ERROR(r.Int("max_header_count", 8, 10000, &c.max_header_count));
    HW_RETURN_IF_ERROR(r.Int("max_connections", 1, 1 << 20, &c.max_connections));
    HW_RETURN_IF_ERROR(r.Get("rate_limit", &c.rate_limit));
    if (!(c.rate_limit >= 0 && c.rate_limit <= 1e6)) {
      return r.Error("rate_limit", "must be between 0 (unlimited) and 1000000 requests a second");
    }
    HW_RETURN_IF_ERROR(r.Int("rate_burst", 1, 1 << 20, &c.rate_burst));
    std::string metrics_scope = c.metrics_require_read ? "read" : "none";
    HW_RETURN_IF_ERROR(r.Get("metrics_scope", &metrics_scope));
    if (metrics_scope != "none" && metrics_scope != "read") {
      return r.Error("metrics_scope", "must be \"none\" or \"read\"");
    }
    c.metrics_require_read = metrics_scope == "read";
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> tls = top.Sub("tls");
  HW_RETURN_IF_ERROR(tls.status());
  if (const toml::table* t = *tls) {
    TomlTableReader r(*t, "tls", path);
    HW_RETURN_IF_ERROR(r.Get("cert_file", &c.tls.cert_file));
    HW_RETURN_IF_ERROR(r.Get("key_file", &c.tls.key_file));
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> query = top.Sub("query");
  HW_RETURN_IF_ERROR(query.status());
  if (const toml::table* t = *query) {
    TomlTableReader r(*t, "query", path);
    HW_RETURN_IF_ERROR(DurationIn(r, "max_range", 60 * 1000, int64_t{3650} * 24 * 3600 * 1000,
                                  "1m and 3650d", &c.query.max_range_ms));
    HW_RETURN_IF_ERROR(r.Int("max_series", 1, 100000000, &c.query.max_series));
    HW_RETURN_IF_ERROR(r.Int("max_log_lines", 1, kMaxLogLimit, &c.query.max_log_lines));
    HW_RETURN_IF_ERROR(DurationIn(r, "timeout", 1, 3600 * 1000, "1ms and 1h", &c.query.timeout_ms));
    HW_RETURN_IF_ERROR(r.Int("max_concurrent", 0, 1024, &c.query.max_concurrent));
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> storage = top.Sub("storage");
  HW_RETURN_IF_ERROR(storage.status());
  if (const toml::table* t = *storage) {
    TomlTableReader r(*t, "storage", path);
    HW_RETURN_IF_ERROR(r.Get("backend", &c.storage.backend));
    std::string sync = c.storage.synchronous_full ? "full" : "normal";
    HW_RETURN_IF_ERROR(r.Get("synchronous", &sync));
    if (sync != "full" && sync != "normal") {
      return r.Error("synchronous", "must be \"full\" or \"normal\"");
    }
    c.storage.synchronous_full = sync == "full";
    RetentionOptions& retention = c.storage.retention;
    HW_RETURN_IF_ERROR(r.Duration("retention", &retention.max_age_ms));
    HW_RETURN_IF_ERROR(r.Int("max_bytes", 0, int64_t{1} << 50, &retention.max_bytes));
    if (retention.max_bytes != 0 && retention.max_bytes < (int64_t{1} << 20)) {
      return r.Error("max_bytes", "must be 0 (no cap) or at least 1048576 (1 MiB)");
    }
    HW_RETURN_IF_ERROR(r.Duration("rollup_retention", &retention.rollup_max_age_ms));
    HW_RETURN_IF_ERROR(r.Duration("retention_interval", &retention.interval_ms));
    if (retention.interval_ms < 1000 || retention.interval_ms > 86400 * 1000) {
      return r.Error("retention_interval", "must be between 1s and 1d");
    }
    Result<const toml::table*> clickhouse = r.Sub("clickhouse");
    HW_RETURN_IF_ERROR(clickhouse.status());
    if (const toml::table* ct = *clickhouse) {
      TomlTableReader cr(*ct, "storage.clickhouse", path);
      ClickhouseOptions& ch = c.storage.clickhouse;
      HW_RETURN_IF_ERROR(cr.Get("url", &ch.url));
      HW_RETURN_IF_ERROR(cr.Get("database", &ch.database));
      HW_RETURN_IF_ERROR(cr.Get("user", &ch.user));
      HW_RETURN_IF_ERROR(cr.Get("password", &ch.password));
      HW_RETURN_IF_ERROR(cr.Get("cluster", &ch.cluster));
      HW_RETURN_IF_ERROR(cr.CheckUnknown());
    }
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  HW_RETURN_IF_ERROR(top.CheckUnknown());
  return c;
}

Status ValidateCollectorConfig(CollectorConfig* c) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c->log_level)) {
    return InvalidArgument("log_level: '" + c->log_level +
                           "' is not one of trace, debug, info, warn, error");
  }
  if (c->data_dir.empty()) return InvalidArgument("data_dir: must be set");
  if (c->listen.find(':') == std::string::npos) {
    return InvalidArgument("listen: '" + c->listen + "' must be host:port");
  }
  if (c->http_workers < 1 || c->http_workers > 1024) {
    return InvalidArgument("http.workers: must be between 1 and 1024");
  }
  if (c->storage.backend != "sqlite" && c->storage.backend != "clickhouse") {
    return InvalidArgument("storage.backend: '" + c->storage.backend +
                           "' is not available (available: sqlite, clickhouse)");
  }
  if (c->storage.backend == "clickhouse") {
    const std::string& url = c->storage.clickhouse.url;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return InvalidArgument("storage.clickhouse.url: '" + url +
                             "' must start with http:// or https://");
    }
    if (c->storage.clickhouse.database.empty()) {
      return InvalidArgument("storage.clickhouse.database: must be set");
    }
  }
  if (c->tls.cert_file.empty() != c->tls.key_file.empty()) {
    return InvalidArgument("tls: set both cert_file and key_file (or neither, for plain HTTP)");
  }
  // As many queries may wait for a slot as run: together at most half the workers.
  if (c->query.max_concurrent * 2 > c->http_workers) {
    return InvalidArgument("query.max_concurrent: must be at most half of http.workers (" +
                           std::to_string(c->http_workers) + ")");
  }
  c->storage.data_dir = c->data_dir;
  return Status::Ok();
}

}  // namespace hivewatch
