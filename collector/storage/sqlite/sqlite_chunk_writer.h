// SqliteChunkWriter: puts samples into their series' chunks (tables `head_chunks` and `chunks`,
// see sqlite_schema.h) on the writer connection, inside the caller's transaction.
//
// New samples (later than the series' newest) are appended to the head chunk, kept decoded as
// an ChunkAppender in memory so that an append costs a few bit operations plus one row write per
// series and commit; a head that is full, or that a sample from a later window reaches, is
// sealed (moved to `chunks`) and a new head begun. Samples at or before the newest stored one
// (replays, late points, a repeated timestamp) are merged into the chunk whose range they fall
// in, which is decoded and rewritten: a sample at a stored timestamp replaces it.
// Used by the writer thread only.
#pragma once

#include <cstdint>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "collector/storage/chunk/sample_chunk.h"
#include "collector/storage/sqlite/sqlite_db.h"

namespace hivewatch::sqlite {

class SqliteChunkWriter {
 public:
  explicit SqliteChunkWriter(Connection& db) : db_(db) {}

  // Adds `samples` (any order; of equal timestamps the last wins) to the series. `new_series`
  // says it has nothing stored yet (saves a read). Adds to *added the count of timestamps that
  // were not stored before.
  Status Add(int64_t series_id, std::vector<Sample> samples, bool new_series, int64_t* added);

  // Rebuilds the rollups (sqlite_schema.h) of every window whose sealed chunks changed since
  // the last call, from those chunks. Run in the transaction that changed them, before COMMIT.
  // A window marked by a write that was rolled back is rebuilt all the same: harmless.
  Status BuildRollups();
  // Rebuilds the rollups of one series' window (start WindowStart(…)) from its sealed chunks.
  Status BuildRollups(int64_t series_id, int64_t window);

  // Drops the cached heads: after a rollback they may hold samples that are no longer stored,
  // and after retention deleted heads, heads that are gone.
  void Forget() { heads_.clear(); }

 private:
  Result<chunk::ChunkAppender*> LoadHead(int64_t series_id, bool new_series);
  // Runs `sql` with ?1 = key, ?2..?5 = the chunk's min_ts, max_ts, count and bytes;
  // *changed (may be null) says whether a row changed.
  Status WriteRow(const char* sql, int64_t key, const chunk::ChunkAppender& chunk,
                  std::string_view what, bool* changed);
  Status StoreHead(int64_t series_id, const chunk::ChunkAppender& head);
  Status Seal(int64_t series_id, const chunk::ChunkAppender& head);
  // `late` (sorted, unique) all lie before the head's first sample.
  Status AddLate(int64_t series_id, chunk::ChunkAppender* head, const std::vector<Sample>& late,
                 int64_t* added);

  // Beyond this many cached heads the cache is emptied (each holds one chunk's bytes, a few
  // hundred bytes): bounds the memory of a collector with very many series.
  static constexpr size_t kMaxCachedHeads = 1 << 20;

  Connection& db_;
  std::unordered_map<int64_t, chunk::ChunkAppender> heads_;
  std::set<std::pair<int64_t, int64_t>> changed_windows_;  // (series id, window start)
};

// Builds the rollups of every sealed chunk: for a version 2 database written before rollups
// existed. Runs inside the caller's transaction.
Status BackfillRollups(Connection& db);

// Version 1 → 2: rewrites the rows of `samples` as chunks and drops that table. Runs inside the
// caller's transaction.
Status MigrateSamplesToChunks(Connection& db);

}  // namespace hivewatch::sqlite
