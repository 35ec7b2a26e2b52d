// Thin RAII wrappers over the SQLite C API for the SQLite storage backend: a connection that
// caches its prepared statements, a borrowed statement that resets itself after use, and the
// mapping from SQLite result codes to Status. Private to the storage library (sqlite3.h stays
// out of storage.h). A Connection and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace hivewatch::sqlite {

// Maps a SQLite result code to a Status: SQLITE_FULL -> kUnavailable "storage full",
// BUSY/LOCKED -> kUnavailable, TOOBIG -> kTooLarge, anything else -> kInternal. `db` (may be
// null) supplies the detailed message; `context` says what was being done.
Status SqliteStatus(int rc, sqlite3* db, std::string_view context);

// A prepared statement for one use: bind, step, read columns. On destruction it is reset and
// its bindings cleared (a cached statement) or finalized (an uncached one). Text bound with
// BindText must stay alive until the last Step().
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Binding errors are remembered and returned by the next Step().
  void BindInt64(int index, int64_t value) { Check(sqlite3_bind_int64(stmt_, index, value)); }
  void BindDouble(int index, double value) { Check(sqlite3_bind_double(stmt_, index, value)); }
  void BindNull(int index) { Check(sqlite3_bind_null(stmt_, index)); }
  // The bytes must stay alive until the last Step(), as with BindText.
  void BindBlob(int index, std::string_view bytes) {
    Check(sqlite3_bind_blob64(stmt_, index, bytes.data() ? bytes.data() : "", bytes.size(),
                              SQLITE_STATIC));
  }
  void BindText(int index, std::string_view text) {
    Check(sqlite3_bind_text64(stmt_, index, text.data() ? text.data() : "", text.size(),
                              SQLITE_STATIC, SQLITE_UTF8));
  }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }
  // Steps to completion; for statements that return no rows.
  int Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  int64_t ColumnInt64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string ColumnText(int col) const;
  // Valid until the next Step() or Reset().
  std::string_view ColumnBlob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    return {static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  void Release();
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = false;
  int bind_rc_ = SQLITE_OK;
};

class Connection {
 public:
  // Opens `path` with sqlite3_open_v2 `flags` (SQLITE_OPEN_NOMUTEX is added) and sets the busy
  // timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int flags,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return nothing (DDL, pragmas, transaction control).
  Status Exec(const char* sql);
  // Runs a statement and returns the first column of its first row as an integer.
  Result<int64_t> QueryInt(const char* sql);
  // A prepared statement for `sql`, from this connection's cache (prepared on first use).
  // Only one Stmt per SQL text may be outstanding at a time.
  Result<Stmt> Prepare(const std::string& sql);

  sqlite3* db() const { return db_; }
  Status Error(int rc, std::string_view context) const { return SqliteStatus(rc, db_, context); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  static constexpr size_t kMaxCachedStatements = 64;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace hivewatch::sqlite
