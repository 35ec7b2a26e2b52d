#include "collector/auth/clickhouse_token_store.h"

#include <algorithm>

#include "collector/auth/token_registry.h"
#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/clickhouse/clickhouse_schema.h"
#include "common/time_util.h"

namespace hivewatch {

using clickhouse::Quote;

Result<std::unique_ptr<TokenRegistry>> OpenTokenRegistry(const CollectorConfig& config) {
  if (config.storage.backend == "clickhouse") {
    auto store = ClickhouseTokenStore::Open(config.storage.clickhouse);
    if (!store.ok()) return store.status();
    return std::unique_ptr<TokenRegistry>(std::move(store).value());
  }
  auto store = TokenStore::Open(config.data_dir);
  if (!store.ok()) return store.status();
  return std::unique_ptr<TokenRegistry>(std::move(store).value());
}

Result<std::unique_ptr<ClickhouseTokenStore>> ClickhouseTokenStore::Open(
    const ClickhouseOptions& options) {
  auto client = clickhouse::OpenDatabase(options);
  if (!client.ok()) return client.status();
  return std::unique_ptr<ClickhouseTokenStore>(new ClickhouseTokenStore(std::move(client).value()));
}

ClickhouseTokenStore::ClickhouseTokenStore(std::unique_ptr<clickhouse::Client> client)
    : client_(std::move(client)) {}
ClickhouseTokenStore::~ClickhouseTokenStore() = default;

Result<std::vector<ClickhouseTokenStore::Row>> ClickhouseTokenStore::Rows(
    const std::string& where) {
  Result<std::string> body =
      client_->Query("SELECT id, name, scopes, hash, min(created_ms), max(revoked_ms) FROM tokens" +
                     (where.empty() ? "" : " WHERE " + where) +
                     " GROUP BY id, name, scopes, hash ORDER BY id FORMAT RowBinary");
  if (!body.ok()) return body.status().WithPrefix("reading tokens: ");
  std::vector<Row> rows;
  clickhouse::RowReader r(*body);
  while (!r.AtEnd()) {
    Row row;
    row.info.id = r.Int64();
    row.info.name = r.String();
    Result<Scopes> scopes = ParseScopes(r.String());
    if (scopes.ok()) row.info.scopes = *scopes;
    row.hash = r.String();
    row.info.created_ms = r.Int64();
    const int64_t revoked = r.Int64();
    if (revoked != 0) row.info.revoked_ms = revoked;
    if (!r.ok()) return Internal("ClickHouse sent a malformed token list");
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::string> ClickhouseTokenStore::Create(const std::string& name, const Scopes& scopes) {
  if (name.empty() || name.size() > 128)
    return InvalidArgument("token name must be 1 to 128 bytes");
  if (!scopes.ingest && !scopes.read && !scopes.admin) {
    return InvalidArgument("a token needs at least one scope (ingest, read or admin)");
  }
  auto rows = Rows("");
  if (!rows.ok()) return rows.status();
  int64_t id = 1;
  for (const Row& row : *rows) {
    id = std::max(id, row.info.id + 1);
    if (row.info.name == name && !row.info.revoked_ms) {
      return InvalidArgument("a token named '" + name + "' already exists (revoke it first)");
    }
  }
  Result<std::string> token = GenerateToken();
  if (!token.ok()) return token.status();
  clickhouse::RowWriter w;
  w.Int64(id);
  w.String(name);
  w.String(HashToken(*token));
  w.String(scopes.ToString());
  w.Int64(NowMs());
  w.Int64(0);
  Status status = client_->Insert("tokens", w.data());
  if (!status.ok()) return status.WithPrefix("cannot store token: ");
  return token;
}

Result<std::vector<TokenInfo>> ClickhouseTokenStore::List() {
  auto rows = Rows("");
  if (!rows.ok()) return rows.status();
  std::vector<TokenInfo> out;
  for (Row& row : *rows) out.push_back(std::move(row.info));
  return out;
}

Status ClickhouseTokenStore::Revoke(const std::string& name_or_id) {
  auto rows = Rows("");
  if (!rows.ok()) return rows.status();
  // A name wins over an id, so that revoking "1" never revokes two tokens.
  const Row* target = nullptr;
  for (const Row& row : *rows) {
    if (!row.info.revoked_ms && row.info.name == name_or_id) target = &row;
  }
  for (const Row& row : *rows) {
    if (!target && !row.info.revoked_ms && std::to_string(row.info.id) == name_or_id) {
      target = &row;
    }
  }
  if (!target) return NotFound("no active token named '" + name_or_id + "'");
  clickhouse::RowWriter w;
  w.Int64(target->info.id);
  w.String(target->info.name);
  w.String(target->hash);
  w.String(target->info.scopes.ToString());
  w.Int64(target->info.created_ms);
  w.Int64(NowMs());
  Status status = client_->Insert("tokens", w.data());
  if (!status.ok()) return status.WithPrefix("cannot revoke: ");
  std::lock_guard<std::mutex> lock(mu_);
  cache_.erase(target->hash);
  return Status::Ok();
}

Result<TokenInfo> ClickhouseTokenStore::Verify(std::string_view token) {
  if (token.empty()) return Unauthenticated("missing bearer token");
  const std::string hash = HashToken(token);
  const int64_t now = NowMs();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.until_ms > now) return it->second.info;
  }
  auto rows = Rows("hash = " + Quote(hash));
  if (!rows.ok()) return rows.status();
  for (const Row& row : *rows) {
    if (row.info.revoked_ms) continue;
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() > 10000) cache_.clear();
    cache_[hash] = Cached{row.info, now + kCacheSeconds * 1000};
    return row.info;
  }
  return Unauthenticated("unknown or revoked token");
}

}  // namespace hivewatch
