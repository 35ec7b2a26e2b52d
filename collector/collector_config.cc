#include "collector/collector_config.h"

#include <set>

#include "common/toml_reader.h"

namespace hivewatch {
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
    int64_t timeout = c.read_timeout_ms;
    HW_RETURN_IF_ERROR(r.Duration("read_timeout", &timeout));
    if (timeout < 100 || timeout > 3600 * 1000) {
      return r.Error("read_timeout", "must be between 100ms and 1h");
    }
    c.read_timeout_ms = static_cast<int>(timeout);
    std::string metrics_scope = c.metrics_require_read ? "read" : "none";
    HW_RETURN_IF_ERROR(r.Get("metrics_scope", &metrics_scope));
    if (metrics_scope != "none" && metrics_scope != "read") {
      return r.Error("metrics_scope", "must be \"none\" or \"read\"");
    }
    c.metrics_require_read = metrics_scope == "read";
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
  if (c->storage.backend != "sqlite") {
    return InvalidArgument("storage.backend: '" + c->storage.backend +
                           "' is not available (available: sqlite)");
  }
  c->storage.data_dir = c->data_dir;
  return Status::Ok();
}

}  // namespace hivewatch
