#include "agent/ship/checkpoint_store.h"

#include <sqlite3.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace hivewatch {

struct CheckpointStore::Impl {
  sqlite3* db = nullptr;
  std::mutex mu;
  std::string path;

  ~Impl() {
    if (db) sqlite3_close(db);
  }
  Status Error(const std::string& what) {
    return Internal("state database " + path + ": " + what + ": " + sqlite3_errmsg(db));
  }
  Status Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string message = err ? err : "unknown error";
      sqlite3_free(err);
      return Internal("state database " + path + ": " + message);
    }
    return Status::Ok();
  }
};

CheckpointStore::CheckpointStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointStore::~CheckpointStore() = default;

Result<std::unique_ptr<CheckpointStore>> CheckpointStore::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return impl->Error("cannot open");
  }
  sqlite3_busy_timeout(impl->db, 5000);
  HW_RETURN_IF_ERROR(impl->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS checkpoints (key TEXT PRIMARY KEY, position TEXT NOT NULL)"));
  return std::unique_ptr<CheckpointStore>(new CheckpointStore(std::move(impl)));
}

Result<Checkpoints> CheckpointStore::Load() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(impl_->db, "SELECT key, position FROM checkpoints", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    return impl_->Error("reading checkpoints");
  }
  Checkpoints out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
        reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return impl_->Error("reading checkpoints");
  return out;
}

Status CheckpointStore::Apply(const Checkpoints& changes) {
  if (changes.empty()) return Status::Ok();
  std::lock_guard<std::mutex> lock(impl_->mu);
  HW_RETURN_IF_ERROR(impl_->Exec("BEGIN IMMEDIATE"));
  sqlite3_stmt* upsert = nullptr;
  sqlite3_stmt* remove = nullptr;
  Status st;
  if (sqlite3_prepare_v2(impl_->db,
                         "INSERT INTO checkpoints (key, position) VALUES (?1, ?2) "
                         "ON CONFLICT (key) DO UPDATE SET position = excluded.position",
                         -1, &upsert, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(impl_->db, "DELETE FROM checkpoints WHERE key = ?1", -1, &remove,
                         nullptr) != SQLITE_OK) {
    st = impl_->Error("preparing");
  }
  for (const auto& [key, position] : changes) {
    if (!st.ok()) break;
    sqlite3_stmt* stmt = position.empty() ? remove : upsert;
    sqlite3_reset(stmt);
    sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    if (!position.empty()) {
      sqlite3_bind_text(stmt, 2, position.data(), static_cast<int>(position.size()),
                        SQLITE_STATIC);
    }
    if (sqlite3_step(stmt) != SQLITE_DONE) st = impl_->Error("writing checkpoint " + key);
  }
  sqlite3_finalize(upsert);
  sqlite3_finalize(remove);
  if (!st.ok()) {
    (void)impl_->Exec("ROLLBACK");  // the error that matters is st
    return st;
  }
  return impl_->Exec("COMMIT");
}

std::string EncodeCheckpoints(const Checkpoints& changes) {
  if (changes.empty()) return {};
  return nlohmann::json(changes).dump();
}

Result<Checkpoints> DecodeCheckpoints(const std::string& meta) {
  if (meta.empty()) return Checkpoints{};
  try {
    return nlohmann::json::parse(meta).get<Checkpoints>();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("checkpoint metadata is not a JSON object of strings: ") +
                           e.what());
  }
}

void MergeCheckpoints(const Checkpoints& changes, Checkpoints* base) {
  for (const auto& [key, position] : changes) {
    if (position.empty()) {
      base->erase(key);
    } else {
      (*base)[key] = position;
    }
  }
}

}  // namespace hivewatch
