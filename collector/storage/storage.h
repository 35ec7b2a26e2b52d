// Storage: where the collector keeps batches and how it reads them back. One interface, several
// backends (SQLite now, ClickHouse later); every backend passes tests/collector/storage/
// storage_conformance_test.cc. All methods are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collector/query/log_query.h"
#include "common/batch.h"
#include "common/status.h"

namespace hivewatch {

struct AppendResult {
  bool duplicate = false;  // (agent.id, batch_id) was already stored; nothing was written
};

// One stored log record as queries return it.
struct StoredLog {
  int64_t id = 0;  // unique, increasing in arrival order
  std::string host;
  LogRecord record;
};

struct LogPage {
  std::vector<StoredLog> logs;      // newest first: ts descending, then id descending
  std::optional<std::string> next;  // cursor for the following page; nullopt at the end
};

// A live-tail read: records stored after a position, in arrival order.
struct LogTail {
  std::vector<StoredLog> logs;  // id ascending
  int64_t last_id = 0;          // where the next read continues (see Storage::TailLogs)
};

// How many records fall in each time bucket, by level: the Logs page's volume histogram.
struct LogCount {
  // 0-based: the records with ts in [start + bucket * step, start + (bucket + 1) * step).
  int64_t bucket = 0;
  Level level = Level::kInfo;
  int64_t count = 0;
};

struct HostInfo {
  std::string host;
  std::string agent_id;
  std::string agent_version;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;  // when the collector last accepted a batch from this host
  int64_t batches = 0;
  int64_t log_lines = 0;
  int64_t samples = 0;
};

// Metrics as queries see them: a series is identified by its label set, where `__name__` is the
// metric name and `host` the pushing agent's host (a pushed label called `host` is overridden).
// A pushed label with an empty value is no label (as in Prometheus).
struct LabelMatcher {
  enum class Op {
    kEq,
    kNe,
    kRe,
    kNre
  };  // = != =~ !~ (regexes fully anchored, RE2/Go-like
      // syntax as far as std::regex ECMAScript allows)
  std::string name;
  Op op = Op::kEq;
  std::string value;
};

struct SeriesSamples {
  Labels labels;  // including __name__ and host
  MetricType type = MetricType::kGauge;
  std::vector<Sample> samples;  // ts ascending, within the requested window
};

struct SeriesSelection {
  std::vector<LabelMatcher> matchers;  // all must hold; at least one should not match ""
  int64_t start_ms = 0;                // inclusive
  int64_t end_ms = 0;                  // inclusive
};

// Rollups: the figures of one series' samples in one bucket of time [start_ms, start_ms +
// bucket), kept beside the raw samples so long ranges need not decode every chunk. min and max
// skip NaN (NaN only when every value is NaN), as min_over_time / max_over_time do.
struct RollupBucket {
  int64_t start_ms = 0;
  int64_t count = 0;
  double min = 0, max = 0, sum = 0;
  Sample first, last;  // the bucket's earliest and newest samples
};

// A series' data in a window as rollups plus raw samples: every stored sample in the window is
// either in exactly one bucket (all of whose samples it summarises) or in `samples`, never both.
struct SeriesRollups {
  Labels labels;
  MetricType type = MetricType::kGauge;
  std::vector<RollupBucket> buckets;  // start ascending; each bucket lies within the window
  std::vector<Sample> samples;        // ts ascending: the window's samples in no bucket
};

// Raw series as SeriesRollups without buckets (for sources that have no rollups).
inline std::vector<SeriesRollups> WithoutRollups(std::vector<SeriesSamples> raw) {
  std::vector<SeriesRollups> out;
  out.reserve(raw.size());
  for (SeriesSamples& s : raw) {
    out.push_back({std::move(s.labels), s.type, {}, std::move(s.samples)});
  }
  return out;
}

// Figures about what is stored, cheap enough to read on every /metrics scrape: backends keep
// running counters instead of counting rows.
struct StorageStats {
  int64_t log_lines = 0;
  int64_t series = 0;
  int64_t samples = 0;  // distinct (series, timestamp) points
  int64_t hosts = 0;
  int64_t bytes_on_disk = 0;
  int64_t queued_batches = 0;  // accepted by Append, waiting for the writer
  int64_t queued_rows = 0;     // log lines + samples in those batches
};

// What a backend tells about each commit of its write path (for the collector's /metrics).
struct CommitInfo {
  double seconds = 0;  // the commit's duration, queue wait not included
  int batches = 0;     // batches written together in this commit
  bool ok = true;      // false when the whole commit failed
};

// What one application of the retention rules removed (Storage::ApplyRetention).
struct RetentionResult {
  int64_t samples = 0;  // points, in whole chunks
  int64_t series = 0;   // series left without any sample
  int64_t log_lines = 0;
  int64_t batch_ids = 0;     // idempotency records of old batches
  int64_t rollups = 0;       // hour rollups older than rollup_max_age_ms
  int64_t bytes_before = 0;  // the database's size (bytes in use) before and after
  int64_t bytes_after = 0;
};

// Optional hooks into a backend's write path. Called on the backend's writer thread: keep
// them short and thread-safe.
class StorageObserver {
 public:
  virtual ~StorageObserver() = default;
  virtual void OnCommit(const CommitInfo& info) = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Stores the whole batch atomically and durably, then returns; a (agent.id, batch_id) pair
  // already stored gives duplicate=true and stores nothing. The batch must have passed
  // DecodeBatch's validation. `received_ms` becomes the host's last-seen time.
  virtual Result<AppendResult> Append(const Batch& batch, int64_t received_ms) = 0;

  // Log search; see LogQuery for the filter semantics.
  virtual Result<LogPage> QueryLogs(const LogQuery& query) = 0;

  // Live tail (GET /api/v1/logs/tail): records with id > `after_id` that pass `filter`'s terms,
  // hosts, services and levels (its window, cursor and limit are ignored), oldest first, at most
  // `limit` (1..kMaxLogLimit). `last_id` is where the next read continues: the last returned id
  // when `limit` records came back, otherwise the newest id stored, so records that did not
  // match are not visited again. `after_id` = nullopt starts at the end: no records, `last_id`
  // = the newest id stored (0 when there is none). The default says the backend lacks it.
  virtual Result<LogTail> TailLogs(const LogQuery& filter, std::optional<int64_t> after_id,
                                   int limit) {
    return Internal("this storage backend does not support live tail");
  }

  // Counts the records matching `filter` (terms, hosts, services, levels, and its window
  // [start_ms, end_ms), which must be bounded; cursor and limit are ignored) per bucket of
  // `step_ms` from start_ms and per level. Only non-zero counts, sorted by bucket then level.
  virtual Result<std::vector<LogCount>> CountLogs(const LogQuery& filter, int64_t step_ms) {
    return Internal("this storage backend does not support log histograms");
  }

  // Every host that has pushed a batch, sorted by host name.
  virtual Result<std::vector<HostInfo>> ListHosts() = 0;

  // Every series matching the selection that has samples in [start_ms, end_ms], with those
  // samples; series sorted by labels.
  virtual Result<std::vector<SeriesSamples>> SelectSeries(const SeriesSelection& selection) = 0;
  // Like SelectSeries, with the samples summarised in buckets of `bucket_ms` where the backend has
  // rollups of that size (see SeriesRollups). The default has none: every sample comes raw.
  virtual Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                           int64_t bucket_ms) {
    auto raw = SelectSeries(selection);
    if (!raw.ok()) return raw.status();
    return WithoutRollups(std::move(raw).value());
  }
  // Label sets of the matching series with samples in the window (no samples), for
  // /api/v1/series; empty matchers = every series.
  virtual Result<std::vector<Labels>> ListSeries(const SeriesSelection& selection) = 0;
  // The newest sample of every series (of every host) at or before `at_ms`, no older than
  // `lookback_ms` — for /federate and the Hosts overview. Samples hold exactly one point.
  virtual Result<std::vector<SeriesSamples>> LatestSamples(
      const std::vector<LabelMatcher>& matchers, int64_t at_ms, int64_t lookback_ms) = 0;

  // Applies the retention rules of StorageOptions::retention as of `now_ms` (backends also do
  // it on their own every retention.interval_ms) and returns once it is done. The default says
  // the backend lacks it.
  virtual Result<RetentionResult> ApplyRetention(int64_t now_ms) {
    return Internal("this storage backend does not support retention");
  }

  // Cheap: running counters and file sizes, no scan (see StorageStats).
  virtual Result<StorageStats> Stats() = 0;

  // True when the storage can accept writes (for /readyz).
  virtual bool Ready() = 0;
};

// How long data is kept and how large the store may grow (docs/configuration.md, [storage]).
// Data goes in whole units: the SQLite backend drops sample chunks (each within a 2-hour window)
// whose newest sample is older than the cutoff, and log lines older than it. Off by default
// here (tests and benchmarks store old timestamps); the collector's defaults are in
// CollectorConfig.
struct RetentionOptions {
  int64_t max_age_ms = 0;   // 0: keep forever
  int64_t max_bytes = 0;    // 0: no cap; else the oldest data goes until the store fits
  int64_t interval_ms = 0;  // how often the backend applies the rules; 0: only when asked
  // Rollups (SelectRollups: one row per series and hour) are kept by their own age, usually
  // longer than samples, and are not counted by max_bytes. 0: keep forever.
  int64_t rollup_max_age_ms = 0;
};

// The clickhouse backend's server and tables (docs/scale-out.md).
struct ClickhouseOptions {
  std::string url = "http://127.0.0.1:8123";  // the HTTP interface
  std::string database = "hivewatch";
  std::string user = "default";
  std::string password;
  std::string cluster;  // non-empty: *_local tables ON CLUSTER and Distributed tables over them
};

struct StorageOptions {
  std::string backend = "sqlite";
  std::string data_dir;                 // sqlite: the database is <data_dir>/hivewatch.db
  bool synchronous_full = true;         // sqlite: fsync on every commit (power-loss safe)
  int max_batch_wait_ms = 2;            // writer: how long to gather concurrent batches per commit
  StorageObserver* observer = nullptr;  // optional; must outlive the storage
  RetentionOptions retention;
  ClickhouseOptions clickhouse;         // clickhouse: the server and database
};

// Opens (creating if needed) the configured backend.
Result<std::unique_ptr<Storage>> OpenStorage(const StorageOptions& options);

}  // namespace hivewatch
