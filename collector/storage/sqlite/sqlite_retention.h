// Retention of the SQLite backend: deletes what is older than the configured age, then, while
// the database is larger than its size cap, the oldest data, and returns the freed pages to the
// file system (auto_vacuum = INCREMENTAL; the file shrinks at the next checkpoint). Sample
// chunks go whole (each lies within a 2-hour window), log lines leave the full-text index with
// their rows, and idempotency records (batches) go by their arrival time. Each step runs in its
// own bounded transaction on the writer connection; the writer thread calls it.
#pragma once

#include <cstdint>

#include "collector/storage/sqlite/sqlite_db.h"
#include "collector/storage/storage.h"

namespace hivewatch::sqlite {

Result<RetentionResult> ApplyRetentionOn(Connection& db, const RetentionOptions& options,
                                         int64_t now_ms);

// Pages in use (page_count - freelist_count) × page size.
Result<int64_t> UsedBytes(Connection& db);

}  // namespace hivewatch::sqlite
