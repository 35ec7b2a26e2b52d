// TokenStore (a real SQLite file in a temp dir per test), scopes, and BearerAuthorizer.
#include "collector/auth/token_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "collector/auth/bearer_authorizer.h"
#include "tests/support/temp_dir.h"

using namespace hivewatch;

using hivewatch::testing::TempDir;

namespace {


std::unique_ptr<TokenStore> OpenStore(const std::string& dir) {
  Result<std::unique_ptr<TokenStore>> store = TokenStore::Open(dir);
  REQUIRE(store.ok());
  return std::move(store).value();
}

Scopes Make(bool ingest, bool read, bool admin) {
  Scopes s;
  s.ingest = ingest;
  s.read = read;
  s.admin = admin;
  return s;
}

std::string CreateOk(TokenStore& store, const std::string& name, const Scopes& scopes) {
  Result<std::string> token = store.Create(name, scopes);
  REQUIRE(token.ok());
  return *token;
}

// Every cell of the tokens table, as text, read with plain sqlite3.
std::vector<std::string> TokenTableCells(const std::string& db_path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT * FROM tokens", -1, &st, nullptr) == SQLITE_OK);
  std::vector<std::string> cells;
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      const unsigned char* text = sqlite3_column_text(st, i);
      cells.push_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return cells;
}

int ActiveCount(TokenStore& store) {
  Result<std::vector<TokenInfo>> list = store.List();
  REQUIRE(list.ok());
  int n = 0;
  for (const TokenInfo& t : *list) n += t.revoked_ms ? 0 : 1;
  return n;
}

HttpRequest WithAuthorization(const std::string& value) {
  HttpRequest r;
  r.method = "GET";
  r.target = r.path = "/api/v1/logs";
  if (!value.empty()) r.headers["authorization"] = value;
  return r;
}

}  // namespace

// --- Scopes ---------------------------------------------------------------------------------

TEST_CASE("scopes parse from a name or a comma list", "[scopes]") {
  Result<Scopes> one = ParseScopes("read");
  REQUIRE(one.ok());
  CHECK_FALSE(one->ingest);
  CHECK(one->read);
  CHECK_FALSE(one->admin);

  Result<Scopes> two = ParseScopes("ingest,read");
  REQUIRE(two.ok());
  CHECK(two->ingest);
  CHECK(two->read);
  CHECK_FALSE(two->admin);

  Result<Scopes> admin = ParseScopes("admin");
  REQUIRE(admin.ok());
  CHECK(admin->admin);
}

TEST_CASE("scopes format in a fixed order and parse back", "[scopes]") {
  CHECK(Make(true, false, false).ToString() == "ingest");
  CHECK(Make(true, true, false).ToString() == "ingest,read");
  CHECK(Make(true, true, true).ToString() == "ingest,read,admin");
  CHECK(Make(false, true, true).ToString() == "read,admin");
  CHECK(Scopes::All().ToString() == "ingest,read,admin");

  Result<Scopes> back = ParseScopes("admin,ingest");
  REQUIRE(back.ok());
  CHECK(back->ToString() == "ingest,admin");
}

TEST_CASE("an unknown scope is an error naming it", "[scopes]") {
  Result<Scopes> r = ParseScopes("ingest,write");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().message() == "unknown scope 'write' (expected ingest, read or admin)");
  CHECK_FALSE(ParseScopes("Ingest").ok());  // names are lower case
  CHECK_FALSE(ParseScopes("ingest,").ok());
}

// ParseScopes' "no scope given" branch is unreachable: "" is reported as an unknown scope ''.
TEST_CASE("an empty scope list says that no scope was given", "[scopes]") {
  Result<Scopes> r = ParseScopes("");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "no scope given (expected ingest, read or admin)");
}

TEST_CASE("admin implies ingest and read, but not the other way round", "[scopes]") {
  const Scopes admin = Make(false, false, true);
  CHECK(admin.Has(Scope::kIngest));
  CHECK(admin.Has(Scope::kRead));
  CHECK(admin.Has(Scope::kAdmin));

  const Scopes both = Make(true, true, false);
  CHECK(both.Has(Scope::kIngest));
  CHECK(both.Has(Scope::kRead));
  CHECK_FALSE(both.Has(Scope::kAdmin));

  const Scopes none;
  CHECK(none.Has(Scope::kNoScope));
  CHECK_FALSE(none.Has(Scope::kIngest));
  CHECK_FALSE(none.Has(Scope::kRead));
}

// --- TokenStore -----------------------------------------------------------------------------

TEST_CASE("a created token verifies with its name and scopes", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string token = CreateOk(*store, "web1", Make(true, true, false));

  CHECK(token.size() == 3 + 43);
  CHECK(token.rfind("hw_", 0) == 0);
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                                3) == std::string::npos);

  Result<TokenInfo> info = store->Verify(token);
  REQUIRE(info.ok());
  CHECK(info->name == "web1");
  CHECK(info->scopes.ingest);
  CHECK(info->scopes.read);
  CHECK_FALSE(info->scopes.admin);
  CHECK(info->id > 0);
  CHECK(info->created_ms > 0);
  CHECK_FALSE(info->revoked_ms.has_value());
}

TEST_CASE("every created token is different", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string a = CreateOk(*store, "a", Make(true, false, false));
  std::string b = CreateOk(*store, "b", Make(true, false, false));
  CHECK(a != b);
  CHECK(store->Verify(a)->name == "a");
  CHECK(store->Verify(b)->name == "b");
}

TEST_CASE("unknown, empty and altered tokens fail verification as unauthenticated", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string token = CreateOk(*store, "web1", Make(true, false, false));

  std::string altered = token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(""), std::string("hw_nope"), altered,
                                 token.substr(0, token.size() - 1), token + "x", " " + token}) {
    INFO("token '" << bad << "'");
    Result<TokenInfo> r = store->Verify(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
  }
  CHECK(store->Verify("").status().message() == "missing bearer token");
  CHECK(store->Verify("hw_nope").status().message() == "unknown or revoked token");
}

TEST_CASE("tokens survive reopening the store", "[tokens]") {
  TempDir dir;
  std::string token;
  {
    auto store = OpenStore(dir.path());
    token = CreateOk(*store, "web1", Make(false, true, false));
  }
  auto reopened = OpenStore(dir.path());
  Result<TokenInfo> info = reopened->Verify(token);
  REQUIRE(info.ok());
  CHECK(info->name == "web1");
  CHECK(info->scopes.read);
}

TEST_CASE("a token name must be 1 to 128 bytes", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Result<std::string> empty = store->Create("", Make(true, false, false));
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalidArgument);
  CHECK(empty.status().message() == "token name must be 1 to 128 bytes");
  CHECK_FALSE(store->Create(std::string(129, 'n'), Make(true, false, false)).ok());
  CHECK(store->Create(std::string(128, 'n'), Make(true, false, false)).ok());
}

TEST_CASE("a second active token with the same name is rejected", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string first = CreateOk(*store, "web1", Make(true, false, false));

  Result<std::string> again = store->Create("web1", Make(false, true, false));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kInvalidArgument);
  CHECK(again.status().message() == "a token named 'web1' already exists (revoke it first)");
  // The first token is untouched.
  REQUIRE(store->Verify(first).ok());
  CHECK(store->Verify(first)->scopes.ingest);
  CHECK(store->List()->size() == 1);
}

TEST_CASE("revoking by name makes the token fail verification", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string token = CreateOk(*store, "web1", Make(true, false, false));
  std::string other = CreateOk(*store, "web2", Make(true, false, false));

  REQUIRE(store->Revoke("web1").ok());
  Result<TokenInfo> r = store->Verify(token);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnauthenticated);
  CHECK(r.status().message() == "unknown or revoked token");
  CHECK(store->Verify(other).ok());  // only that one
}

TEST_CASE("revoking by numeric id works", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string a = CreateOk(*store, "alpha", Make(true, false, false));
  std::string b = CreateOk(*store, "beta", Make(true, false, false));
  const int64_t beta_id = store->Verify(b)->id;

  REQUIRE(store->Revoke(std::to_string(beta_id)).ok());
  CHECK_FALSE(store->Verify(b).ok());
  CHECK(store->Verify(a).ok());
}

TEST_CASE("revoking an unknown or already revoked token is not found", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CreateOk(*store, "web1", Make(true, false, false));
  Status missing = store->Revoke("nobody");
  CHECK(missing.code() == StatusCode::kNotFound);
  CHECK(missing.message() == "no active token named 'nobody'");

  REQUIRE(store->Revoke("web1").ok());
  CHECK(store->Revoke("web1").code() == StatusCode::kNotFound);
  CHECK(store->Revoke("999").code() == StatusCode::kNotFound);
}

// Revoke matches `name = ?1 OR CAST(id AS TEXT) = ?1`, so a token whose name looks like a number
// and the token with that id are both revoked by one command.
TEST_CASE("revoking one token never revokes a second one", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string first = CreateOk(*store, "alpha", Make(true, false, false));  // id 1
  const int64_t first_id = store->Verify(first)->id;
  CreateOk(*store, std::to_string(first_id), Make(true, false, false));  // id 2, name "1"

  REQUIRE(store->Revoke(std::to_string(first_id)).ok());
  CHECK(ActiveCount(*store) == 1);
}

TEST_CASE("a name can be used again once its token is revoked", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string old_token = CreateOk(*store, "web1", Make(true, false, false));
  REQUIRE(store->Revoke("web1").ok());

  std::string new_token = CreateOk(*store, "web1", Make(false, true, false));
  CHECK(new_token != old_token);
  CHECK_FALSE(store->Verify(old_token).ok());
  Result<TokenInfo> info = store->Verify(new_token);
  REQUIRE(info.ok());
  CHECK(info->scopes.read);
  CHECK_FALSE(info->scopes.ingest);

  // And revoking the name again affects only the new token (the old one stays revoked once).
  REQUIRE(store->Revoke("web1").ok());
  CHECK_FALSE(store->Verify(new_token).ok());
  CHECK(store->List()->size() == 2);
}

TEST_CASE("the database keeps only a hash of each token", "[tokens]") {
  TempDir dir;
  std::vector<std::string> tokens;
  {
    auto store = OpenStore(dir.path());
    tokens.push_back(CreateOk(*store, "web1", Make(true, false, false)));
    tokens.push_back(CreateOk(*store, "reader", Make(false, true, false)));
  }
  std::vector<std::string> cells = TokenTableCells(dir.path() + "/hivewatch.db");
  REQUIRE(cells.size() == 2 * 6);  // two rows of id, name, hash, scopes, created_ms, revoked_ms
  for (const std::string& token : tokens) {
    const std::string secret = token.substr(3);  // without the public "hw_" prefix
    for (const std::string& cell : cells) {
      INFO("cell '" << cell << "'");
      CHECK(cell.find(secret) == std::string::npos);
      CHECK(cell.find(secret.substr(0, 16)) == std::string::npos);
    }
  }
  // The hash column is a hex SHA-256.
  for (size_t row = 0; row < 2; ++row) {
    const std::string& hash = cells[row * 6 + 2];
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
}

TEST_CASE("list shows every token oldest first, revoked ones included", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CreateOk(*store, "charlie", Make(true, false, false));
  CreateOk(*store, "alpha", Make(false, true, false));
  CreateOk(*store, "bravo", Make(false, false, true));
  REQUIRE(store->Revoke("alpha").ok());

  Result<std::vector<TokenInfo>> list = store->List();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].name == "charlie");
  CHECK((*list)[1].name == "alpha");
  CHECK((*list)[2].name == "bravo");
  CHECK((*list)[0].id < (*list)[1].id);
  CHECK((*list)[1].id < (*list)[2].id);
  CHECK((*list)[0].created_ms <= (*list)[2].created_ms);
  CHECK((*list)[0].scopes.ToString() == "ingest");
  CHECK((*list)[1].scopes.ToString() == "read");
  CHECK((*list)[2].scopes.ToString() == "admin");
  CHECK_FALSE((*list)[0].revoked_ms.has_value());
  REQUIRE((*list)[1].revoked_ms.has_value());
  CHECK(*(*list)[1].revoked_ms >= (*list)[1].created_ms);
  CHECK_FALSE((*list)[2].revoked_ms.has_value());
}

TEST_CASE("an empty store lists no tokens", "[tokens]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Result<std::vector<TokenInfo>> list = store->List();
  REQUIRE(list.ok());
  CHECK(list->empty());
}

TEST_CASE("opening a store in a path that cannot be a directory is unavailable", "[tokens]") {
  TempDir dir;
  const std::string file = dir.path() + "/plain-file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  Result<std::unique_ptr<TokenStore>> store = TokenStore::Open(file);
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(store.status().message(), Catch::Contains(file + "/hivewatch.db"));
}

// --- BearerAuthorizer -----------------------------------------------------------------------

TEST_CASE("a request without an Authorization header is unauthenticated with a hint", "[bearer]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  BearerAuthorizer auth(store.get(), /*disabled=*/false);
  Result<Scopes> r = auth.Authorize(WithAuthorization(""));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kUnauthenticated);
  CHECK_THAT(r.status().message(), Catch::StartsWith("missing bearer token") &&
                                       Catch::Contains("hivewatch-collector token create"));
}

TEST_CASE("an Authorization header with another scheme is unauthenticated", "[bearer]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string token = CreateOk(*store, "web1", Make(true, false, false));
  BearerAuthorizer auth(store.get(), false);
  for (const std::string& value : {std::string("Basic dXNlcjpwYXNz"), "Token " + token, token,
                                   std::string("Bearer"), std::string("Bearer ")}) {
    INFO("Authorization: " << value);
    Result<Scopes> r = auth.Authorize(WithAuthorization(value));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == StatusCode::kUnauthenticated);
    CHECK(r.status().message() == "the Authorization header must be 'Bearer <token>'");
  }
}

TEST_CASE("an unknown or revoked bearer token is unauthenticated", "[bearer]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string token = CreateOk(*store, "web1", Make(true, false, false));
  BearerAuthorizer auth(store.get(), false);

  Result<Scopes> unknown = auth.Authorize(WithAuthorization("Bearer hw_unknown"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kUnauthenticated);
  CHECK(unknown.status().message() == "unknown or revoked token");

  REQUIRE(store->Revoke("web1").ok());
  Result<Scopes> revoked = auth.Authorize(WithAuthorization("Bearer " + token));
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.status().code() == StatusCode::kUnauthenticated);
}

TEST_CASE("a valid bearer token yields the token's scopes", "[bearer]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::string reader = CreateOk(*store, "reader", Make(false, true, false));
  BearerAuthorizer auth(store.get(), false);

  Result<Scopes> r = auth.Authorize(WithAuthorization("Bearer " + reader));
  REQUIRE(r.ok());
  CHECK(r->ToString() == "read");
  // The scheme is case-insensitive (RFC 7235).
  Result<Scopes> lower = auth.Authorize(WithAuthorization("bearer " + reader));
  REQUIRE(lower.ok());
  CHECK(lower->ToString() == "read");
}

TEST_CASE("with auth disabled every request gets every scope", "[bearer]") {
  BearerAuthorizer auth(nullptr, /*disabled=*/true);
  for (const std::string& value :
       {std::string(""), std::string("Basic x"), std::string("Bearer hw_unknown")}) {
    INFO("Authorization: " << value);
    Result<Scopes> r = auth.Authorize(WithAuthorization(value));
    REQUIRE(r.ok());
    CHECK(r->ingest);
    CHECK(r->read);
    CHECK(r->admin);
  }
}
