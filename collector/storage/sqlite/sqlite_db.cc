#include "collector/storage/sqlite/sqlite_db.h"

#include <utility>

namespace hivewatch::sqlite {

Status SqliteStatus(int rc, sqlite3* db, std::string_view context) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string where(context);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Unavailable("storage full (" + where + ": " + detail + ")");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable("storage busy (" + where + ": " + detail + ")");
    case SQLITE_NOMEM:
      return Unavailable("storage out of memory (" + where + ")");
    case SQLITE_READONLY:
      return Unavailable("storage is read-only (" + where + ": " + detail + ")");
    case SQLITE_TOOBIG:
      return TooLarge(where + ": " + detail);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Internal("database is corrupt (" + where + ": " + detail + ")");
    default:
      return Internal(where + ": " + detail);
  }
}

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), owned_(other.owned_), bind_rc_(other.bind_rc_) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    Release();
    stmt_ = std::exchange(other.stmt_, nullptr);
    owned_ = other.owned_;
    bind_rc_ = other.bind_rc_;
  }
  return *this;
}

Stmt::~Stmt() { Release(); }

void Stmt::Release() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  stmt_ = nullptr;
}

int Stmt::Run() {
  int rc;
  while ((rc = Step()) == SQLITE_ROW) {
  }
  return rc;
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  bind_rc_ = SQLITE_OK;
}

std::string Stmt::ColumnText(int col) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, int flags,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status status = SqliteStatus(rc, db, "cannot open " + path);
    sqlite3_close(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& entry : cache_) sqlite3_finalize(entry.second);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, sql);
  return Status::Ok();
}

Result<int64_t> Connection::QueryInt(const char* sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const int rc = stmt->Step();
  if (rc == SQLITE_ROW) return stmt->ColumnInt64(0);
  if (rc == SQLITE_DONE) return Internal(std::string(sql) + ": no row");
  return Error(rc, sql);
}

Result<Stmt> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second, /*owned=*/false);
  const bool cache = cache_.size() < kMaxCachedStatements;
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                    cache ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, "preparing " + sql);
  if (!cache) return Stmt(stmt, /*owned=*/true);
  cache_.emplace(sql, stmt);
  return Stmt(stmt, /*owned=*/false);
}

}  // namespace hivewatch::sqlite
