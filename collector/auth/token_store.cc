#include "collector/auth/token_store.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>

#include <filesystem>
#include <mutex>

#include "common/time_util.h"

namespace hivewatch {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tokens (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  hash       TEXT NOT NULL UNIQUE,   -- hex SHA-256 of the token
  scopes     TEXT NOT NULL,          -- "ingest,read"
  created_ms INTEGER NOT NULL,
  revoked_ms INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_ms IS NULL;
)sql";

}  // namespace

std::string HashToken(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

namespace {

std::string Base64Url(const unsigned char* data, size_t n) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buf = (buf << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      out += kAlphabet[(buf >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kAlphabet[(buf << (6 - bits)) & 63];
  return out;
}

// RAII for a prepared statement.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &s, nullptr); }
  ~Stmt() { sqlite3_finalize(s); }
};

std::string Text(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// A row of SELECT id, name, scopes, created_ms, revoked_ms.
TokenInfo ReadToken(sqlite3_stmt* s) {
  TokenInfo info;
  info.id = sqlite3_column_int64(s, 0);
  info.name = Text(s, 1);
  Result<Scopes> scopes = ParseScopes(Text(s, 2));
  if (scopes.ok()) info.scopes = *scopes;
  info.created_ms = sqlite3_column_int64(s, 3);
  if (sqlite3_column_type(s, 4) != SQLITE_NULL) info.revoked_ms = sqlite3_column_int64(s, 4);
  return info;
}

}  // namespace

Result<std::string> GenerateToken() {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) return Internal("no randomness available");
  return "hw_" + Base64Url(random, sizeof random);
}

bool Scopes::Has(Scope scope) const {
  switch (scope) {
    case Scope::kNoScope: return true;
    case Scope::kIngest: return ingest || admin;
    case Scope::kRead: return read || admin;
    case Scope::kAdmin: return admin;
  }
  return false;
}

std::string Scopes::ToString() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ",";
    out += name;
  };
  add(ingest, "ingest");
  add(read, "read");
  add(admin, "admin");
  return out;
}

Result<Scopes> ParseScopes(std::string_view text) {
  if (text.empty()) return InvalidArgument("no scope given (expected ingest, read or admin)");
  Scopes scopes;
  size_t pos = 0;
  bool any = false;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view item = text.substr(pos, comma == std::string_view::npos ? text.npos
                                                                             : comma - pos);
    if (item == "ingest") scopes.ingest = true;
    else if (item == "read") scopes.read = true;
    else if (item == "admin") scopes.admin = true;
    else return InvalidArgument("unknown scope '" + std::string(item) +
                                "' (expected ingest, read or admin)");
    any = true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  if (!any) return InvalidArgument("no scope given (expected ingest, read or admin)");
  return scopes;
}

struct TokenStore::Impl {
  std::mutex mu;
  sqlite3* db = nullptr;
};

TokenStore::TokenStore(sqlite3* db) : impl_(std::make_unique<Impl>()) { impl_->db = db; }

TokenStore::~TokenStore() { sqlite3_close(impl_->db); }

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const std::string path = data_dir + "/hivewatch.db";
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                      SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Unavailable("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL;", nullptr, nullptr, &err) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    sqlite3_close(db);
    return Unavailable("cannot prepare the token table in " + path + ": " + msg);
  }
  return std::unique_ptr<TokenStore>(new TokenStore(db));
}

Result<std::string> TokenStore::Create(const std::string& name, const Scopes& scopes) {
  if (name.empty() || name.size() > 128) return InvalidArgument("token name must be 1 to 128 bytes");
  if (!scopes.ingest && !scopes.read && !scopes.admin) {
    return InvalidArgument("a token needs at least one scope (ingest, read or admin)");
  }
  Result<std::string> generated = GenerateToken();
  if (!generated.ok()) return generated.status();
  const std::string& token = *generated;
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt st(impl_->db,
          "INSERT INTO tokens(name, hash, scopes, created_ms) VALUES (?1, ?2, ?3, ?4)");
  sqlite3_bind_text(st.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 2, HashToken(token).c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st.s, 3, scopes.ToString().c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 4, NowMs());
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_CONSTRAINT) {
    return InvalidArgument("a token named '" + name + "' already exists (revoke it first)");
  }
  if (rc != SQLITE_DONE) return Unavailable(std::string("cannot store token: ") +
                                            sqlite3_errmsg(impl_->db));
  return token;
}

Result<std::vector<TokenInfo>> TokenStore::List() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt st(impl_->db, "SELECT id, name, scopes, created_ms, revoked_ms FROM tokens ORDER BY id");
  std::vector<TokenInfo> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) out.push_back(ReadToken(st.s));
  if (rc != SQLITE_DONE) return Unavailable(std::string("cannot list tokens: ") +
                                            sqlite3_errmsg(impl_->db));
  return out;
}

Status TokenStore::Revoke(const std::string& name_or_id) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  // A name wins over an id, so that revoking "1" never revokes two tokens.
  for (const char* sql :
       {"UPDATE tokens SET revoked_ms = ?2 WHERE revoked_ms IS NULL AND name = ?1",
        "UPDATE tokens SET revoked_ms = ?2 WHERE revoked_ms IS NULL AND CAST(id AS TEXT) = ?1"}) {
    Stmt st(impl_->db, sql);
    sqlite3_bind_text(st.s, 1, name_or_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.s, 2, NowMs());
    if (sqlite3_step(st.s) != SQLITE_DONE) {
      return Unavailable(std::string("cannot revoke: ") + sqlite3_errmsg(impl_->db));
    }
    if (sqlite3_changes(impl_->db) > 0) return Status::Ok();
  }
  return NotFound("no active token named '" + name_or_id + "'");
}

Result<TokenInfo> TokenStore::Verify(std::string_view token) {
  if (token.empty()) return Unauthenticated("missing bearer token");
  // Looking up by hash means no secret is ever compared byte by byte.
  const std::string hash = HashToken(token);
  std::lock_guard<std::mutex> lock(impl_->mu);
  Stmt st(impl_->db,
          "SELECT id, name, scopes, created_ms, revoked_ms FROM tokens "
          "WHERE hash = ?1 AND revoked_ms IS NULL");
  sqlite3_bind_text(st.s, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_ROW) return ReadToken(st.s);
  if (rc == SQLITE_DONE) return Unauthenticated("unknown or revoked token");
  return Unavailable(std::string("cannot check token: ") + sqlite3_errmsg(impl_->db));
}

}  // namespace hivewatch
