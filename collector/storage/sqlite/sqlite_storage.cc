#include "collector/storage/sqlite/sqlite_storage.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "collector/storage/sqlite/sqlite_chunk_writer.h"
#include "collector/storage/sqlite/sqlite_db.h"
#include "collector/storage/sqlite/sqlite_fts.h"
#include "collector/storage/sqlite/sqlite_log_reader.h"
#include "collector/storage/sqlite/sqlite_metric_reader.h"
#include "collector/storage/sqlite/sqlite_retention.h"
#include "collector/storage/sqlite/sqlite_schema.h"
#include "common/deadline.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

namespace fs = std::filesystem;
using sqlite::Connection;

constexpr int kBusyTimeoutMs = 5000;
constexpr size_t kMaxIdleReaders = 8;

// Canonical JSON object for labels and fields: std::map keeps the keys sorted. Invalid UTF-8
// is replaced rather than thrown about (batches from DecodeBatch never contain any).
std::string LabelsJson(const Labels& labels) {
  return nlohmann::json(labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int64_t FileSizeOrZero(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// Runs a statement that returns no rows, from `conn`'s statement cache.
Status Run(Connection& conn, const std::string& sql) {
  auto stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  const int rc = stmt->Run();
  if (rc != SQLITE_DONE) return conn.Error(rc, sql);
  return Status::Ok();
}

Status ConfigureWriter(Connection& conn, bool synchronous_full) {
  {
    auto stmt = conn.Prepare("PRAGMA journal_mode = WAL");
    if (!stmt.ok()) return stmt.status();
    const int rc = stmt->Step();
    if (rc != SQLITE_ROW) return conn.Error(rc, "enabling WAL mode");
    if (stmt->ColumnText(0) != "wal") {
      return Internal("cannot enable WAL mode (journal_mode is '" + stmt->ColumnText(0) + "')");
    }
  }
  HW_RETURN_IF_ERROR(
      conn.Exec(synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
  // A larger page cache keeps the hot right edge of the tables and the FTS segments being
  // merged in memory. Checkpoints are driven by SqliteStorage::OnWalCommit instead of the
  // automatic ones; journal_size_limit shrinks the WAL back after a large burst.
  HW_RETURN_IF_ERROR(conn.Exec("PRAGMA cache_size = -65536"));
  HW_RETURN_IF_ERROR(conn.Exec("PRAGMA journal_size_limit = 67108864"));
  HW_RETURN_IF_ERROR(conn.Exec("PRAGMA temp_store = MEMORY"));

  // Space freed by retention goes back to the file system (PRAGMA incremental_vacuum): a new
  // database is created in that mode; an older one is switched over by the VACUUM below.
  HW_RETURN_IF_ERROR(conn.Exec("PRAGMA auto_vacuum = INCREMENTAL"));

  HW_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  bool migrated = false;
  Status status = [&]() -> Status {
    auto version = conn.QueryInt("PRAGMA user_version");
    if (!version.ok()) return version.status();
    if (*version > sqlite_schema::kVersion) {
      return Internal("database schema version " + std::to_string(*version) +
                      " is newer than this collector supports (" +
                      std::to_string(sqlite_schema::kVersion) + ")");
    }
    auto had_rollups = conn.QueryInt(sqlite_schema::kRollupsExist);
    if (!had_rollups.ok()) return had_rollups.status();
    HW_RETURN_IF_ERROR(conn.Exec(sqlite_schema::kCreate));
    if (*version == sqlite_schema::kVersion && *had_rollups == 0) {
      spdlog::info("storage: building hour rollups of the stored samples (once)");
      HW_RETURN_IF_ERROR(sqlite::BackfillRollups(conn));
    }
    if (*version == 1) {
      spdlog::info("storage: migrating samples to compressed chunks (schema version 1 to {})",
                   sqlite_schema::kVersion);
      HW_RETURN_IF_ERROR(sqlite::MigrateSamplesToChunks(conn));
      migrated = true;
    }
    return conn.Exec(("PRAGMA user_version = " + std::to_string(sqlite_schema::kVersion)).c_str());
  }();
  if (!status.ok()) {
    (void)conn.Exec("ROLLBACK");
    return status.WithPrefix("creating the schema");
  }
  HW_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  auto auto_vacuum = conn.QueryInt("PRAGMA auto_vacuum");
  if (!auto_vacuum.ok()) return auto_vacuum.status();
  if (migrated || *auto_vacuum != 2) {
    // Returns the space of the dropped samples table and turns on incremental vacuum (once).
    // VACUUM needs about the database's size in free disk space; without it the collector
    // still runs, but retention cannot give space back to the file system.
    Status vacuumed = conn.Exec("VACUUM");
    if (!vacuumed.ok()) {
      spdlog::warn(
          "storage: VACUUM failed ({}); deleted data will leave free pages in the file instead "
          "of returning the space",
          vacuumed.message());
    }
  }
  return Status::Ok();
}

// The key of a series in the writer's cache of series ids: host, name and labels, joined with
// bytes that never occur in UTF-8 (batches from DecodeBatch are valid UTF-8).
std::string SeriesKey(const std::string& host, const MetricSeries& series) {
  std::string key = host;
  key += '\xff';
  key += series.name;
  for (const auto& [name, value] : series.labels) {
    key += '\xfe';
    key += name;
    key += '\xfd';
    key += value;
  }
  return key;
}

}  // namespace

// One Append() call waiting for the writer. Lives on the caller's stack; the writer fills in
// the outcome, then sets `done` under mu_.
struct SqliteStorage::PendingAppend {
  const Batch* batch = nullptr;
  int64_t received_ms = 0;
  size_t rows = 0;
  std::chrono::steady_clock::time_point enqueued;
  Status status;
  bool duplicate = false;
  bool done = false;
  // What the batch added, applied to the running totals once its commit succeeded.
  int64_t new_series = 0;
  int64_t new_samples = 0;
  bool new_host = false;
};

// One ApplyRetention() call waiting for the writer, like PendingAppend.
struct SqliteStorage::PendingRetention {
  int64_t now_ms = 0;
  Status status;
  RetentionResult result;
  bool done = false;
};

// A read-only connection, with the tokenizer that splits query terms like the index does.
struct SqliteStorage::Reader {
  std::unique_ptr<Connection> conn;
  std::unique_ptr<sqlite::TextTokenizer> tokenizer;
};

// A reader borrowed from the pool; returned on destruction.
class SqliteStorage::ReaderLease {
 public:
  ReaderLease(SqliteStorage* owner, std::unique_ptr<Reader> reader)
      : owner_(owner), reader_(std::move(reader)) {}
  ReaderLease(ReaderLease&&) = default;
  ReaderLease& operator=(ReaderLease&&) = delete;
  ~ReaderLease() {
    if (reader_) owner_->ReleaseReader(std::move(reader_));
  }
  Connection& operator*() { return *reader_->conn; }
  Connection* operator->() { return reader_->conn.get(); }
  const sqlite::TextTokenizer& tokenizer() const { return *reader_->tokenizer; }

 private:
  SqliteStorage* owner_;
  std::unique_ptr<Reader> reader_;
};

Result<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const StorageOptions& options,
                                                           const SqliteTuning& tuning) {
  if (options.data_dir.empty()) return InvalidArgument("storage: data_dir is not set");
  const fs::path dir(options.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Unavailable("cannot create data directory '" + dir.string() + "': " + ec.message());
  }
  if (!fs::is_directory(dir, ec)) {
    return InvalidArgument("data directory '" + dir.string() + "' is not a directory");
  }
  // The WAL and its index are files next to the database: the directory must be writable.
  if (::access(dir.c_str(), W_OK) != 0) {
    return Unavailable("data directory '" + dir.string() +
                       "' is not writable: " + std::strerror(errno));
  }
  std::string path = (dir / "hivewatch.db").string();
  auto writer = Connection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, kBusyTimeoutMs);
  if (!writer.ok()) return writer.status();
  if (tuning.max_value_bytes > 0) {
    sqlite3_limit((*writer)->db(), SQLITE_LIMIT_LENGTH, tuning.max_value_bytes);
  }
  Status status = ConfigureWriter(**writer, options.synchronous_full);
  if (!status.ok()) return status.WithPrefix(path);
  // Counted once here (a count over logs takes about 20 ms per million lines); the writer keeps
  // the totals from now on, so that Stats() stays cheap for every /metrics scrape.
  Totals totals;
  for (auto [sql, out] : {std::pair{sqlite_schema::kCountLogs, &totals.log_lines},
                          std::pair{sqlite_schema::kCountSeries, &totals.series},
                          std::pair{sqlite_schema::kCountSamples, &totals.samples},
                          std::pair{sqlite_schema::kCountHosts, &totals.hosts}}) {
    Result<int64_t> n = (*writer)->QueryInt(sql);
    if (!n.ok()) return n.status().WithPrefix(path + ": counting what is stored");
    *out = *n;
  }
  auto checkpointer = Connection::Open(path, SQLITE_OPEN_READWRITE, kBusyTimeoutMs);
  if (!checkpointer.ok()) return checkpointer.status();
  status = (*checkpointer)
               ->Exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                               : "PRAGMA synchronous = NORMAL");
  if (!status.ok()) return status;
  return std::unique_ptr<SqliteStorage>(new SqliteStorage(
      options, std::move(path), std::move(*writer), std::move(*checkpointer), totals));
}

SqliteStorage::SqliteStorage(const StorageOptions& options, std::string path,
                             std::unique_ptr<Connection> writer,
                             std::unique_ptr<Connection> checkpointer, const Totals& totals)
    : options_(options),
      path_(std::move(path)),
      writer_(std::move(writer)),
      log_lines_(totals.log_lines),
      series_(totals.series),
      samples_(totals.samples),
      hosts_(totals.hosts),
      checkpointer_(std::move(checkpointer)) {
  chunk_writer_ = std::make_unique<sqlite::SqliteChunkWriter>(*writer_);
  sqlite3_wal_hook(writer_->db(), &SqliteStorage::OnWalCommit, this);
  checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

SqliteStorage::~SqliteStorage() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_thread_.join();
  {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  checkpoint_thread_.join();
  checkpointer_.reset();
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    idle_readers_.clear();  // a checkpoint cannot pass a reader's snapshot
  }
  chunk_writer_.reset();
  Status status = writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!status.ok()) spdlog::warn("storage: closing {}: {}", path_, status.message());
  writer_.reset();
}

Result<AppendResult> SqliteStorage::Append(const Batch& batch, int64_t received_ms) {
  PendingAppend append;
  append.batch = &batch;
  append.received_ms = received_ms;
  append.rows = batch.logs.size();
  for (const MetricSeries& series : batch.metrics) append.rows += series.samples.size();
  append.enqueued = std::chrono::steady_clock::now();

  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Unavailable("storage is shutting down");
  queue_.push_back(&append);
  queued_rows_ += append.rows;
  queue_cv_.notify_one();
  done_cv_.wait(lock, [&] { return append.done; });
  if (!append.status.ok()) return append.status;
  return AppendResult{append.duplicate};
}

Result<RetentionResult> SqliteStorage::ApplyRetention(int64_t now_ms) {
  PendingRetention request;
  request.now_ms = now_ms;
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return Unavailable("storage is shutting down");
  retention_queue_.push_back(&request);
  queue_cv_.notify_one();
  done_cv_.wait(lock, [&] { return request.done; });
  if (!request.status.ok()) return request.status;
  return request.result;
}

void SqliteStorage::RunRetention(int64_t now_ms, PendingRetention* request) {
  auto result = sqlite::ApplyRetentionOn(*writer_, options_.retention, now_ms);
  // Heads and series may be gone; a failed step may have left its transaction rolled back.
  if (!result.ok() || result->samples > 0 || result->series > 0) ForgetWriterCaches();
  if (!result.ok()) {
    spdlog::error("storage: retention: {}", result.status().message());
    if (request != nullptr) request->status = result.status();
    return;
  }
  samples_ -= result->samples;
  series_ -= result->series;
  log_lines_ -= result->log_lines;
  if (result->samples + result->log_lines + result->batch_ids + result->rollups > 0) {
    spdlog::info(
        "storage: retention removed {} samples, {} hour rollups, {} series, {} log lines and {} "
        "batch ids; {} bytes in use (was {})",
        result->samples, result->rollups, result->series, result->log_lines, result->batch_ids,
        result->bytes_after, result->bytes_before);
  }
  if (request != nullptr) request->result = *result;
}

void SqliteStorage::WriterLoop() {
  const auto max_wait = std::chrono::milliseconds(std::max(0, options_.max_batch_wait_ms));
  const bool timed_retention =
      options_.retention.interval_ms > 0 &&
      (options_.retention.max_age_ms > 0 || options_.retention.max_bytes > 0);
  const auto retention_interval = std::chrono::milliseconds(options_.retention.interval_ms);
  auto next_retention = std::chrono::steady_clock::now() + retention_interval;
  std::vector<PendingAppend*> group;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    auto ready = [&] { return !queue_.empty() || !retention_queue_.empty() || stopping_; };
    if (timed_retention) {
      queue_cv_.wait_until(lock, next_retention, ready);
    } else {
      queue_cv_.wait(lock, ready);
    }
    // Retention between commits: asked for, or due.
    if (!retention_queue_.empty() ||
        (timed_retention && !stopping_ && std::chrono::steady_clock::now() >= next_retention)) {
      std::deque<PendingRetention*> requests;
      requests.swap(retention_queue_);
      lock.unlock();
      if (requests.empty()) RunRetention(NowMs(), nullptr);
      for (PendingRetention* request : requests) RunRetention(request->now_ms, request);
      next_retention = std::chrono::steady_clock::now() + retention_interval;
      lock.lock();
      for (PendingRetention* request : requests) request->done = true;
      done_cv_.notify_all();
    }
    if (queue_.empty()) {
      if (stopping_) return;  // everything queued has been committed
      continue;
    }

    // Give concurrent pushers until the oldest queued batch has waited max_wait to join this
    // commit. Under load the previous commit already took that long, so there is no extra wait.
    const auto deadline = queue_.front()->enqueued + max_wait;
    queue_cv_.wait_until(lock, deadline,
                         [&] { return stopping_ || queued_rows_ >= kMaxRowsPerCommit; });

    size_t rows = 0;
    while (!queue_.empty() && (group.empty() || rows + queue_.front()->rows <= kMaxRowsPerCommit)) {
      PendingAppend* append = queue_.front();
      queue_.pop_front();
      queued_rows_ -= append->rows;
      rows += append->rows;
      group.push_back(append);
    }

    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    const Status status = CommitGroup(group);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    if (!status.ok()) spdlog::error("storage: commit failed: {}", status.message());
    if (status.ok()) {
      for (const PendingAppend* append : group) {
        if (!append->status.ok() || append->duplicate) continue;
        log_lines_ += static_cast<int64_t>(append->batch->logs.size());
        series_ += append->new_series;
        samples_ += append->new_samples;
        hosts_ += append->new_host ? 1 : 0;
      }
    }
    if (options_.observer != nullptr) {
      options_.observer->OnCommit(
          CommitInfo{took.count(), static_cast<int>(group.size()), status.ok()});
    }
    lock.lock();

    // Not ready while writes fail for reasons other than the batch itself (disk full, I/O).
    bool failed = !status.ok();
    for (const PendingAppend* append : group) {
      const StatusCode code = append->status.code();
      failed = failed || code == StatusCode::kUnavailable || code == StatusCode::kInternal;
    }
    last_commit_failure_ms_ = failed ? NowMs() : 0;
    for (PendingAppend* append : group) append->done = true;
    group.clear();
    done_cv_.notify_all();
  }
}

Status SqliteStorage::CommitGroup(const std::vector<PendingAppend*>& group) {
  Connection& db = *writer_;
  // A failure that loses the whole transaction: every batch in it gets the error, including
  // those that looked like duplicates (their original may have been in this transaction).
  auto fail_all = [&](const Status& status) {
    ForgetWriterCaches();
    for (PendingAppend* append : group) {
      append->status = status;
      append->duplicate = false;
    }
    if (!sqlite3_get_autocommit(db.db())) (void)db.Exec("ROLLBACK");
    return status;
  };

  Status status = Run(db, "BEGIN IMMEDIATE");
  if (!status.ok()) return fail_all(status);
  auto last_id = db.QueryInt(sqlite_schema::kMaxLogId);
  if (!last_id.ok()) return fail_all(last_id.status());

  bool new_logs = false;
  for (PendingAppend* append : group) {
    status = Run(db, "SAVEPOINT batch");
    if (!status.ok()) return fail_all(status);
    Status batch_status = WriteBatch(append);
    if (batch_status.ok()) {
      status = Run(db, "RELEASE batch");
      if (!status.ok()) return fail_all(status);
      new_logs = new_logs || (!append->duplicate && !append->batch->logs.empty());
      continue;
    }
    // Some errors (SQLITE_FULL, IOERR, NOMEM) may make SQLite roll back the whole transaction.
    if (sqlite3_get_autocommit(db.db())) return fail_all(batch_status);
    append->status = batch_status;
    append->duplicate = false;
    ForgetWriterCaches();  // they may hold what the rollback undoes
    status = Run(db, "ROLLBACK TO batch");
    if (status.ok()) status = Run(db, "RELEASE batch");
    if (!status.ok()) return fail_all(status);
  }

  if (new_logs) {
    auto index = db.Prepare(sqlite_schema::kIndexNewLogs);
    if (!index.ok()) return fail_all(index.status());
    index->BindInt64(1, *last_id);
    const int rc = index->Run();
    if (rc != SQLITE_DONE) return fail_all(db.Error(rc, "indexing log messages"));
  }
  status = chunk_writer_->BuildRollups();
  if (!status.ok()) return fail_all(status);
  status = Run(db, "COMMIT");
  if (!status.ok()) return fail_all(status);
  return Status::Ok();
}

Status SqliteStorage::WriteBatch(PendingAppend* append) {
  Connection& db = *writer_;
  const Batch& batch = *append->batch;
  append->duplicate = false;
  append->new_series = 0;
  append->new_samples = 0;
  append->new_host = false;
  {
    auto stmt = db.Prepare(sqlite_schema::kInsertBatchId);
    if (!stmt.ok()) return stmt.status();
    stmt->BindText(1, batch.agent.id);
    stmt->BindText(2, batch.batch_id);
    stmt->BindInt64(3, append->received_ms);
    const int rc = stmt->Run();
    if (rc != SQLITE_DONE) return db.Error(rc, "recording the batch id");
    if (sqlite3_changes(db.db()) == 0) {
      append->duplicate = true;
      return Status::Ok();
    }
  }

  if (!batch.logs.empty()) {
    auto stmt = db.Prepare(sqlite_schema::kInsertLog);
    if (!stmt.ok()) return stmt.status();
    std::string fields;
    // ts bounds of the zones the new rows fall in (usually one or two per batch).
    struct Zone {
      int64_t zone, min_ts, max_ts;
    };
    std::vector<Zone> zones;
    for (const LogRecord& record : batch.logs) {
      stmt->BindInt64(1, record.ts_ms);
      stmt->BindText(2, batch.agent.host);
      stmt->BindText(3, record.service);
      stmt->BindInt64(4, static_cast<int>(record.level));
      stmt->BindText(5, record.message);
      if (record.fields.empty()) {
        stmt->BindNull(6);
      } else {
        fields = LabelsJson(record.fields);
        stmt->BindText(6, fields);
      }
      const int rc = stmt->Run();
      if (rc != SQLITE_DONE) return db.Error(rc, "storing a log record");
      stmt->Reset();
      const int64_t zone = sqlite3_last_insert_rowid(db.db()) >> sqlite_schema::kLogZoneBits;
      if (zones.empty() || zones.back().zone != zone) {
        zones.push_back({zone, record.ts_ms, record.ts_ms});
      } else {
        zones.back().min_ts = std::min(zones.back().min_ts, record.ts_ms);
        zones.back().max_ts = std::max(zones.back().max_ts, record.ts_ms);
      }
    }
    auto widen = db.Prepare(sqlite_schema::kWidenLogZone);
    if (!widen.ok()) return widen.status();
    for (const Zone& zone : zones) {
      widen->BindInt64(1, zone.zone);
      widen->BindInt64(2, zone.min_ts);
      widen->BindInt64(3, zone.max_ts);
      const int rc = widen->Run();
      if (rc != SQLITE_DONE) return db.Error(rc, "updating the log zone map");
      widen->Reset();
    }
  }

  int64_t samples = 0;
  for (const MetricSeries& series : batch.metrics) {
    std::string key = SeriesKey(batch.agent.host, series);
    int64_t series_id = 0;
    bool new_series = false;
    if (auto cached = series_ids_.find(key); cached != series_ids_.end()) {
      series_id = cached->second;
    } else {
      HW_RETURN_IF_ERROR(FindOrAddSeries(batch.agent.host, series, &series_id, &new_series));
      if (new_series) ++append->new_series;
      if (series_ids_.size() >= kMaxCachedSeriesIds) series_ids_.clear();
      series_ids_.emplace(std::move(key), series_id);
    }
    HW_RETURN_IF_ERROR(
        chunk_writer_->Add(series_id, series.samples, new_series, &append->new_samples));
    samples += static_cast<int64_t>(series.samples.size());
  }

  auto host = db.Prepare(sqlite_schema::kUpsertHost);
  if (!host.ok()) return host.status();
  host->BindText(1, batch.agent.host);
  host->BindText(2, batch.agent.id);
  host->BindText(3, batch.agent.version);
  host->BindInt64(4, append->received_ms);
  host->BindInt64(5, static_cast<int64_t>(batch.logs.size()));
  host->BindInt64(6, samples);
  int rc = host->Step();
  if (rc == SQLITE_ROW) {
    append->new_host = host->ColumnInt64(0) == 1;
    rc = host->Run();  // steps past the RETURNING row to complete the statement
  }
  if (rc != SQLITE_DONE) return db.Error(rc, "updating the host registry");
  return Status::Ok();
}

void SqliteStorage::ForgetWriterCaches() {
  series_ids_.clear();
  chunk_writer_->Forget();
}

Status SqliteStorage::FindOrAddSeries(const std::string& host, const MetricSeries& series,
                                      int64_t* series_id, bool* created) {
  Connection& db = *writer_;
  const std::string labels = LabelsJson(series.labels);
  *series_id = 0;
  *created = false;
  {
    auto find = db.Prepare(sqlite_schema::kFindSeries);
    if (!find.ok()) return find.status();
    find->BindText(1, host);
    find->BindText(2, series.name);
    find->BindText(3, labels);
    const int rc = find->Step();
    if (rc == SQLITE_ROW) {
      *series_id = find->ColumnInt64(0);
      return Status::Ok();
    }
    if (rc != SQLITE_DONE) return db.Error(rc, "looking up a series");
  }
  auto insert = db.Prepare(sqlite_schema::kInsertSeries);
  if (!insert.ok()) return insert.status();
  insert->BindText(1, host);
  insert->BindText(2, series.name);
  insert->BindText(3, MetricTypeName(series.type));
  insert->BindText(4, labels);
  const int rc = insert->Run();
  if (rc != SQLITE_DONE) return db.Error(rc, "storing a series");
  *series_id = sqlite3_last_insert_rowid(db.db());
  *created = true;
  return Status::Ok();
}

int SqliteStorage::OnWalCommit(void* self, sqlite3* db, const char* name, int wal_pages) {
  auto* storage = static_cast<SqliteStorage*>(self);
  if (wal_pages >= kMaxWalPages) {
    const int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("storage: checkpoint: {}", sqlite3_errmsg(db));
    }
  } else if (wal_pages >= kCheckpointPages) {
    {
      std::lock_guard<std::mutex> lock(storage->checkpoint_mu_);
      storage->checkpoint_wanted_ = true;
    }
    storage->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;  // a failed checkpoint does not undo the commit
}

void SqliteStorage::CheckpointLoop() {
  std::unique_lock<std::mutex> lock(checkpoint_mu_);
  for (;;) {
    checkpoint_cv_.wait(lock, [&] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) return;
    checkpoint_wanted_ = false;
    lock.unlock();
    // PASSIVE: copies what it can without waiting for (or blocking) the writer and readers.
    const int rc = sqlite3_wal_checkpoint_v2(checkpointer_->db(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("storage: checkpoint: {}", sqlite3_errmsg(checkpointer_->db()));
    }
    lock.lock();
  }
}

Result<SqliteStorage::ReaderLease> SqliteStorage::AcquireReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Reader> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(reader));
    }
  }
  auto reader = std::make_unique<Reader>();
  auto conn = Connection::Open(path_, SQLITE_OPEN_READWRITE, kBusyTimeoutMs);
  if (!conn.ok()) return conn.status();
  reader->conn = std::move(*conn);
  HW_RETURN_IF_ERROR(reader->conn->Exec("PRAGMA query_only = ON"));
  HW_RETURN_IF_ERROR(reader->conn->Exec("PRAGMA cache_size = -16384"));
  // A read past the request's deadline (query.timeout) stops with SQLITE_INTERRUPT.
  sqlite3_progress_handler(
      reader->conn->db(), 1000, [](void*) { return DeadlinePassed() ? 1 : 0; }, nullptr);
  HW_RETURN_IF_ERROR(sqlite::RegisterPhraseFunction(reader->conn->db()));
  auto tokenizer = sqlite::TextTokenizer::Create(reader->conn->db());
  if (!tokenizer.ok()) return tokenizer.status();
  reader->tokenizer = std::move(*tokenizer);
  return ReaderLease(this, std::move(reader));
}

void SqliteStorage::ReleaseReader(std::unique_ptr<Reader> reader) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (idle_readers_.size() < kMaxIdleReaders) idle_readers_.push_back(std::move(reader));
}

Result<LogPage> SqliteStorage::QueryLogs(const LogQuery& query) {
  if (query.limit < 1 || query.limit > kMaxLogLimit) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxLogLimit));
  }
  if (query.start_ms >= query.end_ms) return LogPage{};
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::QueryLogsOn(**reader, reader->tokenizer(), query);
}

Result<LogTail> SqliteStorage::TailLogs(const LogQuery& filter, std::optional<int64_t> after_id,
                                        int limit) {
  if (limit < 1 || limit > kMaxLogLimit) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxLogLimit));
  }
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::TailLogsOn(**reader, reader->tokenizer(), filter, after_id, limit);
}

Result<std::vector<LogCount>> SqliteStorage::CountLogs(const LogQuery& filter, int64_t step_ms) {
  if (step_ms < 1) return InvalidArgument("the histogram step must be at least 1 ms");
  if (filter.start_ms >= filter.end_ms) return std::vector<LogCount>{};
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::CountLogsOn(**reader, reader->tokenizer(), filter, step_ms);
}

Result<std::vector<HostInfo>> SqliteStorage::ListHosts() {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  auto stmt = (*reader)->Prepare(sqlite_schema::kListHosts);
  if (!stmt.ok()) return stmt.status();
  std::vector<HostInfo> hosts;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    HostInfo host;
    host.host = stmt->ColumnText(0);
    host.agent_id = stmt->ColumnText(1);
    host.agent_version = stmt->ColumnText(2);
    host.first_seen_ms = stmt->ColumnInt64(3);
    host.last_seen_ms = stmt->ColumnInt64(4);
    host.batches = stmt->ColumnInt64(5);
    host.log_lines = stmt->ColumnInt64(6);
    host.samples = stmt->ColumnInt64(7);
    hosts.push_back(std::move(host));
  }
  if (rc != SQLITE_DONE) return (*reader)->Error(rc, "listing hosts");
  return hosts;
}

Result<std::vector<SeriesRollups>> SqliteStorage::SelectRollups(const SeriesSelection& selection,
                                                                int64_t bucket_ms) {
  if (bucket_ms != sqlite_schema::kRollupBucketMs) {
    return Storage::SelectRollups(selection, bucket_ms);
  }
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::SelectRollupsOn(**reader, selection);
}

Result<std::vector<SeriesSamples>> SqliteStorage::SelectSeries(const SeriesSelection& selection) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::SelectSeriesOn(**reader, selection);
}

Result<std::vector<Labels>> SqliteStorage::ListSeries(const SeriesSelection& selection) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::ListSeriesOn(**reader, selection);
}

Result<std::vector<SeriesSamples>> SqliteStorage::LatestSamples(
    const std::vector<LabelMatcher>& matchers, int64_t at_ms, int64_t lookback_ms) {
  auto reader = AcquireReader();
  if (!reader.ok()) return reader.status();
  return sqlite::LatestSamplesOn(**reader, matchers, at_ms, lookback_ms);
}

Result<StorageStats> SqliteStorage::Stats() {
  StorageStats stats;
  stats.log_lines = log_lines_;
  stats.series = series_;
  stats.samples = samples_;
  stats.hosts = hosts_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats.queued_batches = static_cast<int64_t>(queue_.size());
    stats.queued_rows = static_cast<int64_t>(queued_rows_);
  }
  stats.bytes_on_disk = FileSizeOrZero(path_) + FileSizeOrZero(path_ + "-wal");
  return stats;
}

bool SqliteStorage::Ready() {
  std::lock_guard<std::mutex> lock(mu_);
  // A failed commit makes the collector unready for a while only: if a load balancer stops
  // sending pushes because of the 503, no later commit could ever clear it.
  constexpr int64_t kUnreadyAfterFailureMs = 10000;
  return !stopping_ && (last_commit_failure_ms_ == 0 ||
                        NowMs() - last_commit_failure_ms_ > kUnreadyAfterFailureMs);
}

}  // namespace hivewatch
