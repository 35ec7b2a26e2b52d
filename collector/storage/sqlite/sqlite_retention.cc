#include "collector/storage/sqlite/sqlite_retention.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace hivewatch::sqlite {
namespace {

// Rows one transaction deletes from chunks or logs, so that pushes wait for at most one round.
constexpr int kRowsPerRound = 20000;
// The size cap deletes the oldest data in steps of a twentieth of what is stored (at least an
// hour), measuring again after each; this bounds the steps of one application.
constexpr int kMaxCapSteps = 200;

constexpr const char* kDeleteOldChunks =
    "DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE max_ts < ?1 LIMIT ?2) "
    "RETURNING count";
constexpr const char* kDeleteOldHeads = "DELETE FROM head_chunks WHERE max_ts < ?1 RETURNING count";
// A series without a head has no samples (every sealed chunk ends before its series' head).
constexpr const char* kDeleteEmptySeries =
    "DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM head_chunks h WHERE h.series_id = "
    "series.id) AND NOT EXISTS (SELECT 1 FROM chunks c WHERE c.series_id = series.id) "
    "AND NOT EXISTS (SELECT 1 FROM rollups r WHERE r.series_id = series.id)";
// Rollups of hours that ended by ?1.
constexpr const char* kDeleteOldRollups =
    "DELETE FROM rollups WHERE (series_id, bucket) IN (SELECT series_id, bucket FROM rollups "
    "WHERE bucket <= ?1 - 3600000 LIMIT ?2)";
constexpr const char* kOldLogs = "SELECT id, message FROM logs WHERE ts < ?1 LIMIT ?2";
// External-content FTS5: a row leaves the index by a 'delete' with its indexed values.
constexpr const char* kUnindexLog =
    "INSERT INTO logs_fts (logs_fts, rowid, message) VALUES ('delete', ?1, ?2)";
constexpr const char* kDeleteLog = "DELETE FROM logs WHERE id = ?1";
constexpr const char* kDeleteOldZones = "DELETE FROM log_zones WHERE max_ts < ?1";
constexpr const char* kDeleteOldBatches =
    "DELETE FROM batches WHERE (agent_id, batch_id) IN "
    "(SELECT agent_id, batch_id FROM batches WHERE received_ms < ?1 LIMIT ?2)";
constexpr const char* kOldest =
    "SELECT min(coalesce((SELECT min(ts) FROM logs), 9223372036854775807), "
    "coalesce((SELECT min(max_ts) FROM chunks), 9223372036854775807), "
    "coalesce((SELECT min(max_ts) FROM head_chunks), 9223372036854775807))";
constexpr const char* kNewest =
    "SELECT max(coalesce((SELECT max(ts) FROM logs), -9223372036854775807), "
    "coalesce((SELECT max(max_ts) FROM chunks), -9223372036854775807), "
    "coalesce((SELECT max(max_ts) FROM head_chunks), -9223372036854775807))";

// Runs `body` in one write transaction.
template <typename Body>
Status InTransaction(Connection& db, Body body) {
  HW_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status status = body();
  if (!status.ok()) {
    if (!sqlite3_get_autocommit(db.db())) (void)db.Exec("ROLLBACK");
    return status;
  }
  return db.Exec("COMMIT");
}

// Runs a DELETE … RETURNING count; adds the rows to *rows and the counts to *samples.
// (?2, when `limited`, is the most rows to delete.)
Status DeleteChunks(Connection& db, const char* sql, bool limited, int64_t cutoff, int64_t* rows,
                    int64_t* samples) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt64(1, cutoff);
  if (limited) stmt->BindInt64(2, kRowsPerRound);
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    ++*rows;
    *samples += stmt->ColumnInt64(0);
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "deleting old sample chunks");
  return Status::Ok();
}

Status DeleteLogs(Connection& db, int64_t cutoff, int64_t* rows) {
  std::vector<std::pair<int64_t, std::string>> old;
  {
    auto stmt = db.Prepare(kOldLogs);
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt64(1, cutoff);
    stmt->BindInt64(2, kRowsPerRound);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW)
      old.emplace_back(stmt->ColumnInt64(0), stmt->ColumnText(1));
    if (rc != SQLITE_DONE) return db.Error(rc, "finding old log lines");
  }
  auto unindex = db.Prepare(kUnindexLog);
  if (!unindex.ok()) return unindex.status();
  auto remove = db.Prepare(kDeleteLog);
  if (!remove.ok()) return remove.status();
  for (const auto& [id, message] : old) {
    unindex->BindInt64(1, id);
    unindex->BindText(2, message);
    int rc = unindex->Run();
    if (rc != SQLITE_DONE) return db.Error(rc, "removing an old log line from the index");
    unindex->Reset();
    remove->BindInt64(1, id);
    rc = remove->Run();
    if (rc != SQLITE_DONE) return db.Error(rc, "deleting an old log line");
    remove->Reset();
  }
  *rows += static_cast<int64_t>(old.size());
  return Status::Ok();
}

Status RunCount(Connection& db, const char* sql, int64_t cutoff, bool limited, int64_t* changes) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  stmt->BindInt64(1, cutoff);
  if (limited) stmt->BindInt64(2, kRowsPerRound);
  const int rc = stmt->Run();
  if (rc != SQLITE_DONE) return db.Error(rc, sql);
  *changes += sqlite3_changes(db.db());
  return Status::Ok();
}

// Deletes everything older than `cutoff`, round after round.
Status DeleteOlderThan(Connection& db, int64_t cutoff, RetentionResult* r) {
  for (;;) {
    int64_t rows = 0;
    HW_RETURN_IF_ERROR(InTransaction(db, [&]() -> Status {
      HW_RETURN_IF_ERROR(DeleteChunks(db, kDeleteOldChunks, true, cutoff, &rows, &r->samples));
      int64_t logs = 0;
      HW_RETURN_IF_ERROR(DeleteLogs(db, cutoff, &logs));
      r->log_lines += logs;
      rows += logs;
      int64_t batches = 0;
      HW_RETURN_IF_ERROR(RunCount(db, kDeleteOldBatches, cutoff, true, &batches));
      r->batch_ids += batches;
      rows += batches;
      return Status::Ok();
    }));
    if (rows == 0) break;
  }
  return InTransaction(db, [&]() -> Status {
    int64_t heads = 0;
    HW_RETURN_IF_ERROR(DeleteChunks(db, kDeleteOldHeads, false, cutoff, &heads, &r->samples));
    HW_RETURN_IF_ERROR(db.Exec(kDeleteEmptySeries));
    r->series += sqlite3_changes(db.db());
    int64_t zones = 0;
    return RunCount(db, kDeleteOldZones, cutoff, false, &zones);
  });
}

Result<int64_t> QueryOne(Connection& db, const char* sql) {
  auto v = db.QueryInt(sql);
  if (!v.ok()) return v.status();
  return *v;
}

Status ReturnFreePages(Connection& db) {
  HW_RETURN_IF_ERROR(db.Exec("PRAGMA incremental_vacuum"));
  // The file shrinks when the WAL is copied back; PASSIVE does not wait for readers.
  const int rc =
      sqlite3_wal_checkpoint_v2(db.db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) return db.Error(rc, "checkpointing after retention");
  return Status::Ok();
}

}  // namespace

Result<int64_t> UsedBytes(Connection& db) {
  auto pages = QueryOne(db, "PRAGMA page_count");
  if (!pages.ok()) return pages.status();
  auto free_pages = QueryOne(db, "PRAGMA freelist_count");
  if (!free_pages.ok()) return free_pages.status();
  auto page_size = QueryOne(db, "PRAGMA page_size");
  if (!page_size.ok()) return page_size.status();
  return (*pages - *free_pages) * *page_size;
}

Result<RetentionResult> ApplyRetentionOn(Connection& db, const RetentionOptions& options,
                                         int64_t now_ms) {
  RetentionResult r;
  auto used = UsedBytes(db);
  if (!used.ok()) return used.status();
  r.bytes_before = *used;
  if (options.max_age_ms > 0) {
    HW_RETURN_IF_ERROR(DeleteOlderThan(db, now_ms - options.max_age_ms, &r));
  }
  if (options.rollup_max_age_ms > 0) {
    const int64_t cutoff = now_ms - options.rollup_max_age_ms;
    for (;;) {
      int64_t rows = 0;
      HW_RETURN_IF_ERROR(InTransaction(
          db, [&]() { return RunCount(db, kDeleteOldRollups, cutoff, true, &rows); }));
      r.rollups += rows;
      if (rows == 0) break;
    }
    HW_RETURN_IF_ERROR(InTransaction(db, [&]() -> Status {
      HW_RETURN_IF_ERROR(db.Exec(kDeleteEmptySeries));
      r.series += sqlite3_changes(db.db());
      return Status::Ok();
    }));
  }
  if (options.max_bytes > 0) {
    for (int step = 0; step < kMaxCapSteps; ++step) {
      used = UsedBytes(db);
      if (!used.ok()) return used.status();
      if (*used <= options.max_bytes) break;
      auto oldest = QueryOne(db, kOldest);
      if (!oldest.ok()) return oldest.status();
      auto newest = QueryOne(db, kNewest);
      if (!newest.ok()) return newest.status();
      if (*oldest > *newest) break;  // nothing left to delete
      const int64_t span = std::max<int64_t>(3600 * 1000, (*newest - *oldest) / 20);
      HW_RETURN_IF_ERROR(DeleteOlderThan(db, *oldest + span, &r));
      HW_RETURN_IF_ERROR(ReturnFreePages(db));
    }
  }
  HW_RETURN_IF_ERROR(ReturnFreePages(db));
  used = UsedBytes(db);
  if (!used.ok()) return used.status();
  r.bytes_after = *used;
  return r;
}

}  // namespace hivewatch::sqlite
