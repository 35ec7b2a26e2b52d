// The SQLite backend's schema and the fixed statements of its write path, in one place so the
// layout can be read (and reviewed) without the C++ around it.
#pragma once

#include <cstdint>

namespace hivewatch::sqlite_schema {

// Stored in PRAGMA user_version. A database with a newer version is refused rather than
// misread; an older one is migrated when opened (version 1 kept one row per sample in a
// `samples` table: see kCreateV1Samples and SqliteChunkWriter).
inline constexpr int kVersion = 2;

// Sample chunks (collector/storage/chunk/sample_chunk.h): a chunk holds at most kChunkMaxSamples
// samples, all in one kChunkWindowMs-aligned window of time, and the chunks of a series never
// overlap. The window bound lets readers find the chunks reaching into [start, end] with one
// index range (min_ts between WindowStart(start) and end) and lets retention drop old data in
// whole chunks of at most two hours.
inline constexpr int kChunkMaxSamples = 240;
inline constexpr int64_t kChunkWindowMs = 2 * 3600 * 1000;
inline constexpr int64_t WindowStart(int64_t ts_ms) {
  const int64_t q = ts_ms / kChunkWindowMs;
  return (ts_ms % kChunkWindowMs < 0 ? q - 1 : q) * kChunkWindowMs;
}

// Rollups (Storage::SelectRollups): one row per series and hour with samples, summarising
// exactly the samples of that hour, for the hours that lie wholly before the series' head chunk
// (the head is read raw). The writer rebuilds the hours of a window in the transaction that
// seals or rewrites one of its chunks (SqliteChunkWriter::BuildRollups), so a row always
// matches the chunks beside it; retention drops rows later than chunks (rollup_max_age_ms).
inline constexpr int64_t kRollupBucketMs = 3600 * 1000;
static_assert(kChunkWindowMs % kRollupBucketMs == 0, "buckets must not straddle chunk windows");

inline constexpr int kLogZoneBits = 12;  // 4096 log ids per zone

// Logs: `id` is the arrival order (ids increase in batch order). One secondary index (ts) keeps
// the write path cheap: it serves time windows and `ORDER BY ts DESC, id DESC` (index entries
// are (ts, rowid)), host/service/level are checked on the rows it yields. The full-text index
// is an external-content FTS5 table, so messages are stored once; detail=none and columnsize=0
// (no positions, no per-row sizes: we rank by time, not relevance) more than halve its write
// cost, and sqlite_fts.h explains how phrases are matched without positions.
inline constexpr const char* kCreate = R"sql(
CREATE TABLE IF NOT EXISTS logs (
  id      INTEGER PRIMARY KEY,
  ts      INTEGER NOT NULL,
  host    TEXT NOT NULL,
  service TEXT NOT NULL,
  level   INTEGER NOT NULL,
  message TEXT NOT NULL,
  fields  TEXT
);
CREATE INDEX IF NOT EXISTS logs_by_ts ON logs (ts);
CREATE VIRTUAL TABLE IF NOT EXISTS logs_fts USING fts5 (
  message, content='logs', content_rowid='id', detail=none, columnsize=0
);
-- Merge index segments less eagerly than FTS5's defaults (4 and 16): measured +19% ingest
-- (bench/storage_bench.cc, 1M lines) with no change in search latency. Stored in the FTS
-- table's own config, so setting it again on every open is harmless.
INSERT INTO logs_fts (logs_fts, rank) VALUES ('automerge', 16);
INSERT INTO logs_fts (logs_fts, rank) VALUES ('crisismerge', 64);
-- A zone map: the ts range of each run of 2^kLogZoneBits consecutive ids (bounds only ever
-- widen, so they stay conservative). Full-text searches use it to visit the index newest zone
-- first and to stop as soon as no unvisited zone can hold a newer match (sqlite_log_reader.h).
CREATE TABLE IF NOT EXISTS log_zones (
  zone   INTEGER PRIMARY KEY,  -- id >> kLogZoneBits
  min_ts INTEGER NOT NULL,
  max_ts INTEGER NOT NULL
);

-- Idempotency: one row per accepted batch, written in the same transaction as its data.
-- received_ms lets retention forget old ids.
CREATE TABLE IF NOT EXISTS batches (
  agent_id    TEXT NOT NULL,
  batch_id    TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  PRIMARY KEY (agent_id, batch_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS batches_by_received ON batches (received_ms);  -- retention

-- Metrics: labels are canonical JSON (keys sorted), so equal label sets compare equal.
CREATE TABLE IF NOT EXISTS series (
  id     INTEGER PRIMARY KEY,
  host   TEXT NOT NULL,
  name   TEXT NOT NULL,
  type   TEXT NOT NULL,
  labels TEXT NOT NULL,
  UNIQUE (host, name, labels)
);
-- Samples, compressed. `chunks` holds the sealed chunks of every series, appended in the order
-- they fill up (so its pages stay full); `head_chunks` the newest chunk of each series, still
-- growing, rewritten by each commit that adds to it (a commit is durable, so the head is too).
-- Every sealed chunk of a series ends before its head begins. `count` is the chunk's sample
-- count (also in the blob), so totals need no decoding.
CREATE TABLE IF NOT EXISTS chunks (
  id        INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  min_ts    INTEGER NOT NULL,
  max_ts    INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  data      BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_series ON chunks (series_id, min_ts);
CREATE INDEX IF NOT EXISTS chunks_by_max_ts ON chunks (max_ts);  -- retention
CREATE TABLE IF NOT EXISTS head_chunks (
  series_id INTEGER PRIMARY KEY,
  min_ts    INTEGER NOT NULL,
  max_ts    INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  data      BLOB NOT NULL
);

-- Added after version 2 shipped, without a version change: a database without it gets it
-- empty (older data is then read raw, still exact).
CREATE TABLE IF NOT EXISTS rollups (
  series_id INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,  -- start of the hour (ms)
  count     INTEGER NOT NULL,
  min       REAL,              -- NULL: NaN
  max       REAL,
  sum       REAL,
  first_ts  INTEGER NOT NULL,
  first     REAL,
  last_ts   INTEGER NOT NULL,
  last      REAL,
  PRIMARY KEY (series_id, bucket)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_by_bucket ON rollups (bucket);  -- retention

CREATE TABLE IF NOT EXISTS hosts (
  host          TEXT PRIMARY KEY,
  agent_id      TEXT NOT NULL,
  agent_version TEXT NOT NULL,
  first_seen    INTEGER NOT NULL,
  last_seen     INTEGER NOT NULL,
  batches       INTEGER NOT NULL,
  log_lines     INTEGER NOT NULL,
  samples       INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Write path (prepared once on the writer connection).
inline constexpr const char* kInsertBatchId =
    "INSERT INTO batches (agent_id, batch_id, received_ms) VALUES (?1, ?2, ?3) "
    "ON CONFLICT DO NOTHING";
inline constexpr const char* kInsertLog =
    "INSERT INTO logs (ts, host, service, level, message, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr const char* kMaxLogId = "SELECT coalesce(max(id), 0) FROM logs";
// Indexes the messages of every log row written after ?1 in the current transaction. Run once
// per group commit, after the per-batch savepoints: FTS5 flushes its pending index at every
// SAVEPOINT, so indexing inside them would write one tiny segment per batch.
inline constexpr const char* kIndexNewLogs =
    "INSERT INTO logs_fts (rowid, message) SELECT id, message FROM logs WHERE id > ?1";
inline constexpr const char* kWidenLogZone =
    "INSERT INTO log_zones (zone, min_ts, max_ts) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (zone) DO UPDATE SET min_ts = min(min_ts, excluded.min_ts), "
    "max_ts = max(max_ts, excluded.max_ts)";
inline constexpr const char* kFindSeries =
    "SELECT id FROM series WHERE host = ?1 AND name = ?2 AND labels = ?3";
inline constexpr const char* kInsertSeries =
    "INSERT INTO series (host, name, type, labels) VALUES (?1, ?2, ?3, ?4)";
// Chunks (see SqliteChunkWriter for how samples find their chunk).
inline constexpr const char* kLoadHead = "SELECT data FROM head_chunks WHERE series_id = ?1";
// kUpdateHead, and kInsertHead when it changed nothing (a new series): cheaper than an upsert
// for the usual case.
inline constexpr const char* kUpdateHead =
    "UPDATE head_chunks SET min_ts = ?2, max_ts = ?3, count = ?4, data = ?5 WHERE series_id = ?1";
inline constexpr const char* kInsertHead =
    "INSERT INTO head_chunks (series_id, min_ts, max_ts, count, data) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr const char* kSealChunk =
    "INSERT INTO chunks (series_id, min_ts, max_ts, count, data) VALUES (?1, ?2, ?3, ?4, ?5)";
inline constexpr const char* kChunksOfWindow =
    "SELECT id, min_ts, data FROM chunks WHERE series_id = ?1 AND min_ts >= ?2 AND min_ts < ?3 "
    "ORDER BY min_ts";
inline constexpr const char* kRewriteChunk =
    "UPDATE chunks SET min_ts = ?2, max_ts = ?3, count = ?4, data = ?5 WHERE id = ?1";
// Where every sealed chunk begins, for building the rollups of older data once.
inline constexpr const char* kChunkStarts =
    "SELECT series_id, min_ts FROM chunks ORDER BY series_id, min_ts";
inline constexpr const char* kRollupsExist =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'rollups'";
inline constexpr const char* kDeleteRollups =
    "DELETE FROM rollups WHERE series_id = ?1 AND bucket >= ?2 AND bucket < ?3";
inline constexpr const char* kInsertRollup =
    "INSERT INTO rollups (series_id, bucket, count, min, max, sum, first_ts, first, last_ts, last) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

// Version 1's table of samples, one row per sample (value NULL for NaN); read once by the
// migration to version 2, then dropped.
inline constexpr const char* kV1SamplesExist =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'samples'";
inline constexpr const char* kV1ReadSamples =
    "SELECT series_id, ts, value FROM samples ORDER BY series_id, ts";
inline constexpr const char* kV1DropSamples = "DROP TABLE samples";
// Returns the host's batch count: 1 when the host is new.
inline constexpr const char* kUpsertHost = R"sql(
INSERT INTO hosts (host, agent_id, agent_version, first_seen, last_seen, batches, log_lines,
                   samples)
VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?6)
ON CONFLICT (host) DO UPDATE SET
  agent_id = excluded.agent_id,
  agent_version = excluded.agent_version,
  last_seen = max(last_seen, excluded.last_seen),
  batches = batches + 1,
  log_lines = log_lines + excluded.log_lines,
  samples = samples + excluded.samples
RETURNING batches
)sql";

// Read path.
inline constexpr const char* kListHosts =
    "SELECT host, agent_id, agent_version, first_seen, last_seen, batches, log_lines, samples "
    "FROM hosts ORDER BY host";
inline constexpr const char* kLogZonesInWindow =
    "SELECT zone, min_ts, max_ts FROM log_zones WHERE max_ts >= ?1 AND min_ts < ?2";
// Counted once when the database is opened; the writer keeps running totals after that.
inline constexpr const char* kCountHosts = "SELECT count(*) FROM hosts";
inline constexpr const char* kCountLogs = "SELECT count(*) FROM logs";
inline constexpr const char* kCountSeries = "SELECT count(*) FROM series";
inline constexpr const char* kCountSamples =
    "SELECT (SELECT coalesce(sum(count), 0) FROM chunks) + "
    "(SELECT coalesce(sum(count), 0) FROM head_chunks)";

}  // namespace hivewatch::sqlite_schema
