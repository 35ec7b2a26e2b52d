// The one place that maps backend names to implementations (explicit registration: static
// self-registration is fragile with static libraries).
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/storage/clickhouse/clickhouse_storage.h"
#include "collector/storage/sqlite/sqlite_storage.h"
#include "collector/storage/storage.h"

namespace hivewatch {
namespace {

using Factory = std::function<Result<std::unique_ptr<Storage>>(const StorageOptions&)>;

struct Backend {
  const char* name;
  Factory open;
};

const std::vector<Backend>& Backends() {
  static const std::vector<Backend> kBackends = {
      {"sqlite",
       [](const StorageOptions& options) -> Result<std::unique_ptr<Storage>> {
         auto storage = SqliteStorage::Open(options);
         if (!storage.ok()) return storage.status();
         return std::unique_ptr<Storage>(std::move(*storage));
       }},
      {"clickhouse",
       [](const StorageOptions& options) -> Result<std::unique_ptr<Storage>> {
         auto storage = ClickhouseStorage::Open(options);
         if (!storage.ok()) return storage.status();
         return std::unique_ptr<Storage>(std::move(*storage));
       }},
  };
  return kBackends;
}

}  // namespace

Result<std::unique_ptr<Storage>> OpenStorage(const StorageOptions& options) {
  std::string available;
  for (const Backend& backend : Backends()) {
    if (options.backend == backend.name) return backend.open(options);
    if (!available.empty()) available += ", ";
    available += backend.name;
  }
  return InvalidArgument("unknown storage backend '" + options.backend +
                         "' (available: " + available + ")");
}

}  // namespace hivewatch
