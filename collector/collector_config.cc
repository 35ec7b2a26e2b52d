#include "collector/collector_config.h"

#include <filesystem>
#include <set>
#include <toml++/toml.h>

#include "common/time_util.h"

namespace hivewatch {
namespace {

// Reads typed values out of a TOML table, remembering which keys were used so that the rest
// can be reported as unknown (a typo should not be silently ignored).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix)
      : table_(table), prefix_(std::move(prefix)) {}

  template <typename T>
  Status Get(const std::string& key, T* out) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    std::optional<T> v = node->value<T>();
    if (!v || (std::is_same_v<T, bool> != node->is_boolean())) {
      return InvalidArgument(Name(key) + ": wrong type");
    }
    *out = *v;
    return Status::Ok();
  }

  Status Duration(const std::string& key, int64_t* out_ms) {
    std::string text;
    HW_RETURN_IF_ERROR(Get(key, &text));
    if (text.empty()) return Status::Ok();
    Result<int64_t> ms = ParseDurationMs(text);
    if (!ms.ok()) return ms.status().WithPrefix(Name(key));
    *out_ms = *ms;
    return Status::Ok();
  }

  // The [key] table, or null if absent; an error if `key` holds something other than a table.
  Result<const toml::table*> Sub(const std::string& key) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return static_cast<const toml::table*>(nullptr);
    if (!node->is_table()) return InvalidArgument(Name(key) + ": expected a table ([" + key + "])");
    return node->as_table();
  }

  // An integer setting that must lie in [min, max] (checked before narrowing).
  template <typename T>
  Status Int(const std::string& key, int64_t min, int64_t max, T* out) {
    int64_t v = static_cast<int64_t>(*out);
    HW_RETURN_IF_ERROR(Get(key, &v));
    if (v < min || v > max) {
      return InvalidArgument(Name(key) + ": must be between " + std::to_string(min) + " and " +
                             std::to_string(max));
    }
    *out = static_cast<T>(v);
    return Status::Ok();
  }

  Status CheckUnknown() const {
    for (const auto& [k, _] : table_) {
      if (!used_.count(std::string(k.str()))) {
        return InvalidArgument(Name(std::string(k.str())) + ": unknown setting");
      }
    }
    return Status::Ok();
  }

 private:
  std::string Name(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> used_;
};

}  // namespace

Result<CollectorConfig> LoadCollectorConfig(const std::string& path) {
  toml::table root;
  if (!std::filesystem::exists(path)) return InvalidArgument(path + ": no such file");
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& src = e.source();
    return InvalidArgument(path + ":" + std::to_string(src.begin.line) + ":" +
                           std::to_string(src.begin.column) + ": " + std::string(e.description()));
  }
  CollectorConfig c;
  TableReader top(root, "");
  HW_RETURN_IF_ERROR(top.Get("listen", &c.listen));
  HW_RETURN_IF_ERROR(top.Get("data_dir", &c.data_dir));
  HW_RETURN_IF_ERROR(top.Get("no_auth", &c.no_auth));
  HW_RETURN_IF_ERROR(top.Get("log_level", &c.log_level));

  Result<const toml::table*> limits = top.Sub("limits");
  HW_RETURN_IF_ERROR(limits.status());
  if (const toml::table* t = *limits) {
    TableReader r(*t, "limits");
    HW_RETURN_IF_ERROR(r.Int("max_body_bytes", 1024, int64_t{1} << 32, &c.max_body_bytes));
    HW_RETURN_IF_ERROR(r.Int("max_labels", 1, 1000, &c.decode.max_labels));
    HW_RETURN_IF_ERROR(r.Duration("max_future", &c.decode.max_future_ms));
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> http = top.Sub("http");
  HW_RETURN_IF_ERROR(http.status());
  if (const toml::table* t = *http) {
    TableReader r(*t, "http");
    HW_RETURN_IF_ERROR(r.Int("workers", 1, 1024, &c.http_workers));
    int64_t timeout = c.read_timeout_ms;
    HW_RETURN_IF_ERROR(r.Duration("read_timeout", &timeout));
    if (timeout < 100 || timeout > 3600 * 1000) {
      return InvalidArgument("http.read_timeout: must be between 100ms and 1h");
    }
    c.read_timeout_ms = static_cast<int>(timeout);
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> storage = top.Sub("storage");
  HW_RETURN_IF_ERROR(storage.status());
  if (const toml::table* t = *storage) {
    TableReader r(*t, "storage");
    HW_RETURN_IF_ERROR(r.Get("backend", &c.storage.backend));
    std::string sync = c.storage.synchronous_full ? "full" : "normal";
    HW_RETURN_IF_ERROR(r.Get("synchronous", &sync));
    if (sync != "full" && sync != "normal") {
      return InvalidArgument("storage.synchronous: must be \"full\" or \"normal\"");
    }
    c.storage.synchronous_full = sync == "full";
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
