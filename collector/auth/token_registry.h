// Which token registry a collector uses: with the clickhouse storage backend the tokens live in
// the ClickHouse database too (ClickhouseTokenStore), so that every collector sharing it
// accepts the same tokens and `token create|list|revoke` on any machine acts on all of them;
// otherwise in the data directory's SQLite file (TokenStore).
#pragma once

#include <memory>

#include "collector/auth/token_store.h"
#include "collector/collector_config.h"

namespace hivewatch {

Result<std::unique_ptr<TokenRegistry>> OpenTokenRegistry(const CollectorConfig& config);

}  // namespace hivewatch
