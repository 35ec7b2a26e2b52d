// ClickhouseStorage: the Storage backend kept in a ClickHouse server (or a cluster of them),
// reached over HTTP. Several collectors may share one database: nothing is kept in the process
// but a write queue, so any collector answers any query.
//
// Writes go through one writer thread that sends whatever batches are queued as one INSERT per
// table ("group commit": ClickHouse wants few large inserts), and Append returns once they are
// all acknowledged. Idempotency across collectors, with the `batches` table: a write attempt
// (a random 64-bit id carried by every row it writes) is recorded as started, then its rows are
// inserted, then it is recorded as committed. Before writing, the writer looks the batch up:
// a committed attempt that is not superseded makes the batch a duplicate; attempts only started
// (a collector that died or timed out half-way, or is still writing) are marked superseded, and
// queries never show the rows of a superseded attempt. So a batch retried through any
// collector is stored once, unless two attempts run truly at the same time (the second one's
// lookup before the first one's start record is visible), where both may be kept: the agent
// retries a batch only after the previous push failed or timed out, which leaves that window
// to a push that outlives its agent's timeout before reaching ClickHouse. Within one collector
// duplicates are always caught. See docs/scale-out.md.
//
// Log ids: ((ms << 13 | sequence) << 9 | node) — the arrival time in ms, a per-process sequence
// within the ms, and a random node number per process — so ids of different collectors never
// collide and follow arrival order to the ms. All public methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch {

namespace clickhouse {
class Client;
}  // namespace clickhouse

class ClickhouseStorage final : public Storage {
 public:
  // Connects, creates the database and tables if needed (clickhouse_schema.h).
  static Result<std::unique_ptr<ClickhouseStorage>> Open(const StorageOptions& options);
  // Writes every batch already queued, then stops the writer.
  ~ClickhouseStorage() override;

  Result<AppendResult> Append(const Batch& batch, int64_t received_ms) override;
  Result<LogPage> QueryLogs(const LogQuery& query) override;
  Result<LogTail> TailLogs(const LogQuery& filter, std::optional<int64_t> after_id,
                           int limit) override;
  Result<std::vector<LogCount>> CountLogs(const LogQuery& filter, int64_t step_ms) override;
  Result<std::vector<HostInfo>> ListHosts() override;
  // A series' type is the one of its oldest write with samples in the window (SQLite keeps the
  // first type ever pushed; the two differ only for a series whose type was changed).
  Result<std::vector<SeriesSamples>> SelectSeries(const SeriesSelection& selection) override;
  Result<std::vector<Labels>> ListSeries(const SeriesSelection& selection) override;
  Result<std::vector<SeriesSamples>> LatestSamples(const std::vector<LabelMatcher>& matchers,
                                                   int64_t at_ms, int64_t lookback_ms) override;
  // Counted by queries (uniq() for samples: exact up to 65536 points, then an estimate), at
  // most every kStatsSeconds unless this process wrote since.
  Result<StorageStats> Stats() override;
  bool Ready() override;

  static constexpr size_t kMaxRowsPerCommit = 100000;
  // The batch look-up names every batch of a group: this keeps it under ClickHouse's
  // max_query_size (256 KiB) whatever the ids (agent.id up to 128 bytes, batch_id 256, each
  // at most doubled by escaping).
  static constexpr size_t kMaxBatchesPerCommit = 250;
  static constexpr int kStatsSeconds = 10;

 private:
  struct PendingAppend;
  struct SeriesRow;

  ClickhouseStorage(const StorageOptions& options, std::unique_ptr<clickhouse::Client> client);
  void WriterLoop();
  Status CommitGroup(const std::vector<PendingAppend*>& group);
  int64_t NextLogId(int64_t now_ms);
  Result<std::vector<SeriesRow>> FindSeries(const std::vector<LabelMatcher>& matchers,
                                            int64_t start_ms, int64_t end_ms);
  Result<std::vector<StoredLog>> RunLogQuery(const std::string& sql);
  // The samples of the matching series in the window: `statement(where)` selects host, name,
  // labels, ts, value rows; series without any are dropped.
  Result<std::vector<SeriesSamples>> ReadSamples(
      const std::vector<LabelMatcher>& matchers, int64_t start_ms, int64_t end_ms,
      const std::function<std::string(const std::string& where)>& statement);

  const StorageOptions options_;
  std::unique_ptr<clickhouse::Client> client_;
  const uint64_t node_;
  int64_t last_counter_ = 0;  // writer thread only

  std::mutex mu_;  // guards the fields below
  std::condition_variable queue_cv_;
  std::condition_variable done_cv_;
  std::deque<PendingAppend*> queue_;
  size_t queued_rows_ = 0;
  bool stopping_ = false;
  std::thread writer_thread_;

  std::mutex stats_mu_;
  std::optional<StorageStats> stats_;
  int64_t stats_at_ms_ = 0;
  std::atomic<int64_t> commits_{0};
  int64_t stats_commits_ = -1;
  std::atomic<int64_t> last_ping_failure_ms_{0};
};

}  // namespace hivewatch
