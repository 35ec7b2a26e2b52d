// SqliteStorage: the Storage backend kept in one SQLite file, <data_dir>/hivewatch.db (WAL
// mode). Writes go through a single writer thread that commits whatever batches are queued in
// one transaction ("group commit", one fsync shared by concurrent pushers), with a SAVEPOINT
// per batch so that each batch stays all-or-nothing on its own. A checkpointer thread copies the
// WAL back into the database off the writer's path. Reads use a small pool of read-only
// connections and never block the writer. Retention (sqlite_retention.h) runs on the writer
// thread too, between commits, every retention.interval_ms and when asked. All public methods
// are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "collector/storage/storage.h"

struct sqlite3;

namespace hivewatch {

namespace sqlite {
class Connection;
class SqliteChunkWriter;
}  // namespace sqlite

// Settings of the SQLite backend that StorageOptions does not carry; the defaults suit
// production.
struct SqliteTuning {
  // When > 0, the largest string the writer stores (SQLITE_LIMIT_LENGTH); a batch holding a
  // larger one fails alone with kTooLarge. Tests use it to make exactly one batch fail.
  int max_value_bytes = 0;
};

class SqliteStorage final : public Storage {
 public:
  // Creates data_dir if missing and opens (creating if needed) the database in it.
  static Result<std::unique_ptr<SqliteStorage>> Open(const StorageOptions& options,
                                                     const SqliteTuning& tuning = {});

  // Commits every batch already queued, stops the writer, checkpoints the WAL and closes.
  ~SqliteStorage() override;

  Result<AppendResult> Append(const Batch& batch, int64_t received_ms) override;
  Result<LogPage> QueryLogs(const LogQuery& query) override;
  Result<LogTail> TailLogs(const LogQuery& filter, std::optional<int64_t> after_id,
                           int limit) override;
  Result<std::vector<LogCount>> CountLogs(const LogQuery& filter, int64_t step_ms) override;
  Result<std::vector<HostInfo>> ListHosts() override;
  Result<std::vector<SeriesSamples>> SelectSeries(const SeriesSelection& selection) override;
  Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                   int64_t bucket_ms) override;
  Result<std::vector<Labels>> ListSeries(const SeriesSelection& selection) override;
  Result<std::vector<SeriesSamples>> LatestSamples(const std::vector<LabelMatcher>& matchers,
                                                   int64_t at_ms, int64_t lookback_ms) override;
  Result<RetentionResult> ApplyRetention(int64_t now_ms) override;
  Result<StorageStats> Stats() override;
  bool Ready() override;

  // Upper bound on the rows (log lines + samples) one group commit gathers; a single larger
  // batch is still committed alone.
  static constexpr size_t kMaxRowsPerCommit = 50000;
  // WAL size (pages) at which the checkpointer thread is woken, and at which the writer stops
  // to checkpoint itself (a checkpoint running beside a busy writer may never catch up, and
  // the WAL only restarts from its beginning after a complete one).
  static constexpr int kCheckpointPages = 4096;
  static constexpr int kMaxWalPages = 65536;

 private:
  struct PendingAppend;
  struct PendingRetention;
  struct Reader;
  class ReaderLease;

  // What is stored, counted once at open (StorageStats' running counters start from it).
  struct Totals {
    int64_t log_lines = 0;
    int64_t series = 0;
    int64_t samples = 0;
    int64_t hosts = 0;
  };

  SqliteStorage(const StorageOptions& options, std::string path,
                std::unique_ptr<sqlite::Connection> writer,
                std::unique_ptr<sqlite::Connection> checkpointer, const Totals& totals);

  void WriterLoop();
  // Writes `group` in one transaction and sets each entry's outcome; returns the status of the
  // transaction as a whole (one batch failing inside its savepoint does not fail it).
  Status CommitGroup(const std::vector<PendingAppend*>& group);
  // Writes one batch; fills append->duplicate and the counts of what it added.
  Status WriteBatch(PendingAppend* append);
  // Applies options_.retention on the writer thread; `request` (may be null) gets the outcome.
  void RunRetention(int64_t now_ms, PendingRetention* request);
  // Finds the series' id, storing the series first if it is new (*created).
  Status FindOrAddSeries(const std::string& host, const MetricSeries& series, int64_t* series_id,
                         bool* created);
  // After a rollback: the caches may hold rows that are no longer stored.
  void ForgetWriterCaches();
  // sqlite3_wal_hook callback: runs on the writer thread after each commit.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void CheckpointLoop();

  Result<ReaderLease> AcquireReader();
  void ReleaseReader(std::unique_ptr<Reader> reader);

  const StorageOptions options_;
  const std::string path_;

  // Writer state: the connection is only touched by the writer thread (and by the constructor
  // and destructor while that thread is not running).
  std::unique_ptr<sqlite::Connection> writer_;
  std::thread writer_thread_;
  std::unique_ptr<sqlite::SqliteChunkWriter> chunk_writer_;  // samples into chunks
  // (host, name, labels) → series id, for the series seen since open (see SeriesKey).
  std::unordered_map<std::string, int64_t> series_ids_;
  static constexpr size_t kMaxCachedSeriesIds = 1 << 20;

  std::mutex mu_;                     // guards the fields below
  std::condition_variable queue_cv_;  // writer: work arrived or stopping
  std::condition_variable done_cv_;   // appenders: a group was committed
  std::deque<PendingAppend*> queue_;
  std::deque<PendingRetention*> retention_queue_;
  size_t queued_rows_ = 0;
  bool stopping_ = false;
  int64_t last_commit_failure_ms_ = 0;  // when the last commit failed; 0 after a success

  // Running totals for Stats(): the writer adds what each successful commit stored (anything
  // that deletes rows, such as retention, must subtract).
  std::atomic<int64_t> log_lines_{0};
  std::atomic<int64_t> series_{0};
  std::atomic<int64_t> samples_{0};
  std::atomic<int64_t> hosts_{0};

  std::unique_ptr<sqlite::Connection> checkpointer_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_mu_;  // guards the two flags below
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> idle_readers_;
};

}  // namespace hivewatch
