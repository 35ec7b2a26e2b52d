// Reading TOML configuration strictly: typed values, ranges, durations, and every key that
// was not asked for reported as unknown (a typo must not be silently ignored). Errors read
// "FILE:LINE: section.key: problem". Used by the collector's and the agent's configuration.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <type_traits>

#include "common/status.h"

namespace hivewatch {

// Parses a file; syntax errors name FILE:LINE:COLUMN, a missing file says so.
Result<toml::table> ParseTomlFile(const std::string& path);

class TomlTableReader {
 public:
  // `prefix` names the table in messages ("" for the top level, "limits", "inputs.proc").
  TomlTableReader(const toml::table& table, std::string prefix, std::string file)
      : table_(table), prefix_(std::move(prefix)), file_(std::move(file)) {}

  // Reads `key` into `out` if present (otherwise leaves the default). Wrong type → error.
  template <typename T>
  Status Get(const std::string& key, T* out) {
    used_.insert(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    std::optional<T> v = node->value<T>();
    if (!v || (std::is_same_v<T, bool> != node->is_boolean())) return Error(key, "wrong type");
    *out = *v;
    return Status::Ok();
  }

  // An integer that must lie in [min, max] (checked before narrowing into T).
  template <typename T>
  Status Int(const std::string& key, int64_t min, int64_t max, T* out) {
    int64_t v = static_cast<int64_t>(*out);
    HW_RETURN_IF_ERROR(Get(key, &v));
    if (v < min || v > max) {
      return Error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    *out = static_cast<T>(v);
    return Status::Ok();
  }

  // A duration string ("10s", "1h30m") into milliseconds.
  Status Duration(const std::string& key, int64_t* out_ms);

  // An array of strings.
  Status StringList(const std::string& key, std::vector<std::string>* out);

  // The [key] table, or null if absent; an error if `key` holds something other than a table.
  Result<const toml::table*> Sub(const std::string& key);

  // The [[key]] array of tables (empty if absent); an error if `key` holds anything else.
  Result<std::vector<const toml::table*>> SubArray(const std::string& key);

  // An error for any key of this table that was not read.
  Status CheckUnknown() const;

  // "FILE:LINE: prefix.key: message", the line being the key's (or the table's).
  Status Error(const std::string& key, const std::string& message) const;

  // "prefix.key"
  std::string Name(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

 private:
  const toml::table& table_;
  std::string prefix_;
  std::string file_;
  std::set<std::string> used_;
};

}  // namespace hivewatch
