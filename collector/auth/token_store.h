// TokenStore: bearer tokens for the collector's API, kept in the data directory's database
// (table `tokens`). Only a SHA-256 hash of each token is stored; the token itself is shown
// once, at creation. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct sqlite3;

namespace hivewatch {

enum class Scope { kNoScope, kIngest, kRead, kAdmin };

// What a token may do. admin implies ingest and read.
struct Scopes {
  bool ingest = false;
  bool read = false;
  bool admin = false;

  bool Has(Scope scope) const;
  std::string ToString() const;  // "ingest,read"
  static Scopes All() { return Scopes{true, true, true}; }
};

// Parses "ingest", "read", "admin" or a comma list of them.
Result<Scopes> ParseScopes(std::string_view text);

struct TokenInfo {
  int64_t id = 0;
  std::string name;
  Scopes scopes;
  int64_t created_ms = 0;
  std::optional<int64_t> revoked_ms;
};

class TokenStore {
 public:
  // Opens <data_dir>/hivewatch.db (creating the table if needed).
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& data_dir);
  ~TokenStore();

  // Creates a token and returns it in clear text ("hw_" + 43 URL-safe characters). Names are
  // unique among tokens that are not revoked.
  Result<std::string> Create(const std::string& name, const Scopes& scopes);

  // All tokens, revoked ones included, oldest first.
  Result<std::vector<TokenInfo>> List();

  // Revokes the active token with this name (or numeric id). kNotFound if there is none.
  Status Revoke(const std::string& name_or_id);

  // The token's record if it exists and is not revoked; kUnauthenticated otherwise.
  Result<TokenInfo> Verify(std::string_view token);

 private:
  explicit TokenStore(sqlite3* db);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
