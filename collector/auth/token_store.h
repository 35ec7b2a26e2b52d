// TokenStore: bearer tokens for the collector's API, kept in the data directory's database
// (table `tokens`). Only a SHA-256 hash of each token is stored; the token itself is shown
// once, at creation. Thread-safe. (ClickhouseTokenStore keeps them in ClickHouse instead, for
// several collectors: collector/auth/token_registry.h.)
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

// A new token in clear text ("hw_" + 43 URL-safe characters), and the hex SHA-256 that is
// stored in its place.
Result<std::string> GenerateToken();
std::string HashToken(std::string_view token);

// Where tokens are kept and checked; see OpenTokenRegistry (token_registry.h).
class TokenRegistry {
 public:
  virtual ~TokenRegistry() = default;
  // Creates a token and returns it in clear text. Names are unique among tokens that are not
  // revoked.
  virtual Result<std::string> Create(const std::string& name, const Scopes& scopes) = 0;
  // All tokens, revoked ones included, oldest first.
  virtual Result<std::vector<TokenInfo>> List() = 0;
  // Revokes the active token with this name (or numeric id). kNotFound if there is none.
  virtual Status Revoke(const std::string& name_or_id) = 0;
  // The token's record if it exists and is not revoked; kUnauthenticated otherwise.
  virtual Result<TokenInfo> Verify(std::string_view token) = 0;
};

class TokenStore final : public TokenRegistry {
 public:
  // Opens <data_dir>/hivewatch.db (creating the table if needed).
  static Result<std::unique_ptr<TokenStore>> Open(const std::string& data_dir);
  ~TokenStore() override;

  // Creates a token and returns it in clear text ("hw_" + 43 URL-safe characters). Names are
  // unique among tokens that are not revoked.
  Result<std::string> Create(const std::string& name, const Scopes& scopes) override;

  // All tokens, revoked ones included, oldest first.
  Result<std::vector<TokenInfo>> List() override;

  // Revokes the active token with this name (or numeric id). kNotFound if there is none.
  Status Revoke(const std::string& name_or_id) override;

  // The token's record if it exists and is not revoked; kUnauthenticated otherwise.
  Result<TokenInfo> Verify(std::string_view token) override;

 private:
  explicit TokenStore(sqlite3* db);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
