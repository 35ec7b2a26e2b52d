// ClickhouseTokenStore: the API tokens in the ClickHouse database (table `tokens`, see
// clickhouse_schema.h), shared by every collector that uses it. Like TokenStore, only a SHA-256
// hash of each token is kept. ClickHouse has no updates: a revocation is a second row for the
// token, with revoked_ms set. Verified tokens are remembered for kCacheSeconds, so a token
// revoked on one machine stops working on every collector within that time. Names are unique
// among active tokens and ids are max(id) + 1, both checked before the insert: two `token
// create` run on two machines at the same instant could break that (tokens are created by
// hand). Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "collector/auth/token_store.h"
#include "collector/storage/storage.h"

namespace hivewatch {

namespace clickhouse {
class Client;
}  // namespace clickhouse

class ClickhouseTokenStore final : public TokenRegistry {
 public:
  static Result<std::unique_ptr<ClickhouseTokenStore>> Open(const ClickhouseOptions& options);
  ~ClickhouseTokenStore() override;

  Result<std::string> Create(const std::string& name, const Scopes& scopes) override;
  Result<std::vector<TokenInfo>> List() override;
  Status Revoke(const std::string& name_or_id) override;
  Result<TokenInfo> Verify(std::string_view token) override;

  static constexpr int kCacheSeconds = 5;

 private:
  explicit ClickhouseTokenStore(std::unique_ptr<clickhouse::Client> client);
  struct Row {
    TokenInfo info;
    std::string hash;
  };
  Result<std::vector<Row>> Rows(const std::string& where);

  std::unique_ptr<clickhouse::Client> client_;
  std::mutex mu_;  // guards cache_
  struct Cached {
    TokenInfo info;
    int64_t until_ms = 0;
  };
  std::map<std::string, Cached> cache_;  // by hash
};

}  // namespace hivewatch
