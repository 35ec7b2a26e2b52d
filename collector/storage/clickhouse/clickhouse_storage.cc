#include "collector/storage/clickhouse/clickhouse_storage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <tuple>
#include <utility>

#include "collector/storage/clickhouse/clickhouse_client.h"
#include "collector/storage/clickhouse/clickhouse_log_sql.h"
#include "collector/storage/clickhouse/clickhouse_schema.h"
#include "collector/storage/clickhouse/clickhouse_words.h"
#include "collector/storage/label_match.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

using clickhouse::BatchState;
using clickhouse::Quote;
using clickhouse::RowReader;
using clickhouse::RowWriter;

constexpr int64_t kIdEpochMs = 1577836800000;  // 2020-01-01: ids last until about 2089
constexpr int kSequenceBits = 13;
constexpr int kNodeBits = 9;
// Above this many series, a sample read filters by name/host in SQL and by series here
// instead of sending every series key (the statement must stay under max_query_size).
constexpr size_t kMaxSeriesInStatement = 256;

uint64_t RandomU64() {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}() ^
                             static_cast<uint64_t>(NowMs()) * 0x9E3779B97F4A7C15ull);
  std::lock_guard<std::mutex> lock(mu);
  return rng();
}

Level LevelFromInt(int value) {
  if (value < 0 || value >= kLevelCount) return Level::kInfo;
  return static_cast<Level>(value);
}

Labels ParseObject(const std::string& text, bool drop_empty) {
  Labels out;
  if (text.empty()) return out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) continue;
    const auto& value = it.value().get_ref<const std::string&>();
    if (drop_empty && value.empty()) continue;
    out.emplace(it.key(), value);
  }
  return out;
}

std::string DumpObject(const Labels& labels) {
  if (labels.empty()) return "";
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : labels) j[k] = v;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The pushed labels as stored: without `host` (the agent's host overrides it) and without
// empty values (no label, as in Prometheus); canonical JSON (keys sorted).
std::string StoredLabels(const Labels& pushed) {
  Labels kept;
  for (const auto& [k, v] : pushed) {
    if (k != "host" && !v.empty()) kept.emplace(k, v);
  }
  return DumpObject(kept);
}

Status CheckLimit(int limit) {
  if (limit < 1 || limit > kMaxLogLimit) {
    return InvalidArgument("limit must be between 1 and " + std::to_string(kMaxLogLimit));
  }
  return Status::Ok();
}

Status Malformed(const char* what) {
  return Internal(std::string("ClickHouse sent a malformed answer to ") + what);
}

}  // namespace

struct ClickhouseStorage::PendingAppend {
  const Batch* batch = nullptr;
  int64_t received_ms = 0;
  size_t rows = 0;
  // Each record's words and fields column, made on the caller's thread (the HTTP workers
  // tokenize in parallel; the writer thread only copies).
  std::vector<std::string> words;
  std::vector<std::string> fields;
  std::chrono::steady_clock::time_point enqueued;
  bool done = false;
  bool duplicate = false;
  Status status;
};

struct ClickhouseStorage::SeriesRow {
  std::string host;
  std::string name;
  std::string labels_json;
  MetricType type = MetricType::kGauge;
  Labels labels;  // full: with __name__ and host
};

Result<std::unique_ptr<ClickhouseStorage>> ClickhouseStorage::Open(const StorageOptions& options) {
  auto client = clickhouse::OpenDatabase(options.clickhouse);
  if (!client.ok()) return client.status();
  return std::unique_ptr<ClickhouseStorage>(
      new ClickhouseStorage(options, std::move(client).value()));
}

ClickhouseStorage::ClickhouseStorage(const StorageOptions& options,
                                     std::unique_ptr<clickhouse::Client> client)
    : options_(options),
      client_(std::move(client)),
      node_(RandomU64() & ((uint64_t{1} << kNodeBits) - 1)) {
  writer_thread_ = std::thread([this] { WriterLoop(); });
}

ClickhouseStorage::~ClickhouseStorage() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_thread_.join();
}

int64_t ClickhouseStorage::NextLogId(int64_t now_ms) {
  const int64_t from_clock = std::max<int64_t>(0, now_ms - kIdEpochMs) << kSequenceBits;
  last_counter_ = std::max(last_counter_ + 1, from_clock);
  return (last_counter_ << kNodeBits) | static_cast<int64_t>(node_);
}

Result<AppendResult> ClickhouseStorage::Append(const Batch& batch, int64_t received_ms) {
  PendingAppend append;
  append.batch = &batch;
  append.received_ms = received_ms;
  append.rows = batch.logs.size();
  for (const MetricSeries& series : batch.metrics) append.rows += series.samples.size();
  append.words.reserve(batch.logs.size());
  append.fields.reserve(batch.logs.size());
  for (const LogRecord& r : batch.logs) {
    append.words.push_back(clickhouse::MessageWords(r.message));
    append.fields.push_back(DumpObject(r.fields));
  }
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

void ClickhouseStorage::WriterLoop() {
  const auto max_wait = std::chrono::milliseconds(std::max(0, options_.max_batch_wait_ms));
  std::vector<PendingAppend*> group;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    queue_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;
    queue_cv_.wait_until(lock, queue_.front()->enqueued + max_wait,
                         [&] { return stopping_ || queued_rows_ >= kMaxRowsPerCommit; });
    size_t rows = 0;
    while (!queue_.empty() &&
           (group.empty() || (rows + queue_.front()->rows <= kMaxRowsPerCommit &&
                              group.size() < kMaxBatchesPerCommit))) {
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
    if (!status.ok()) spdlog::error("storage: ClickHouse write failed: {}", status.message());
    ++commits_;
    if (options_.observer != nullptr) {
      options_.observer->OnCommit(
          CommitInfo{took.count(), static_cast<int>(group.size()), status.ok()});
    }
    lock.lock();
    for (PendingAppend* append : group) append->done = true;
    group.clear();
    done_cv_.notify_all();
  }
}

Status ClickhouseStorage::CommitGroup(const std::vector<PendingAppend*>& group) {
  auto fail_all = [&](const Status& status) {
    for (PendingAppend* append : group) {
      append->status = status;
      append->duplicate = false;
    }
    return status;
  };

  // 1. What is known about these batches.
  using Key = std::pair<std::string, std::string>;  // agent id, batch id
  std::string keys;
  for (const PendingAppend* append : group) {
    if (!keys.empty()) keys += ", ";
    keys += "(" + Quote(append->batch->agent.id) + ", " + Quote(append->batch->batch_id) + ")";
  }
  Result<std::string> known = client_->Query(
      "SELECT agent_id, batch_id, attempt, state FROM batches WHERE (agent_id, batch_id) IN (" +
      keys + ") FORMAT RowBinary");
  if (!known.ok()) return fail_all(known.status());
  struct Attempts {
    std::set<uint64_t> started, committed, superseded;
  };
  std::map<Key, Attempts> attempts;
  RowReader reader(*known);
  while (!reader.AtEnd()) {
    std::string agent_id = reader.String();
    std::string batch_id = reader.String();
    const uint64_t attempt = reader.UInt64();
    const int state = reader.UInt8();
    if (!reader.ok()) return fail_all(Malformed("the batch lookup"));
    Attempts& a = attempts[{std::move(agent_id), std::move(batch_id)}];
    if (state == static_cast<int>(BatchState::kStarted)) a.started.insert(attempt);
    if (state == static_cast<int>(BatchState::kCommitted)) a.committed.insert(attempt);
    if (state == static_cast<int>(BatchState::kSuperseded)) a.superseded.insert(attempt);
  }

  // 2. Duplicates, and the start records of the others (superseding unfinished attempts).
  const int64_t now = NowMs();
  std::set<Key> in_group;
  std::vector<std::pair<PendingAppend*, uint64_t>> writes;  // with their attempt ids
  RowWriter batch_rows;
  auto batch_row = [&](const Batch& b, uint64_t attempt, BatchState state, int64_t at_ms,
                       int64_t log_lines, int64_t samples, int64_t last_id) {
    batch_rows.String(b.agent.id);
    batch_rows.String(b.batch_id);
    batch_rows.UInt64(attempt);
    batch_rows.UInt8(static_cast<uint8_t>(state));
    batch_rows.Int64(at_ms);
    batch_rows.String(b.agent.host);
    batch_rows.String(b.agent.version);
    batch_rows.Int64(log_lines);
    batch_rows.Int64(samples);
    batch_rows.Int64(last_id);
  };
  for (PendingAppend* append : group) {
    const Batch& b = *append->batch;
    Key key{b.agent.id, b.batch_id};
    append->status = Status::Ok();
    append->duplicate = false;
    if (!in_group.insert(key).second) {
      append->duplicate = true;
      continue;
    }
    const Attempts& a = attempts[key];
    bool committed = false;
    for (uint64_t id : a.committed) committed = committed || !a.superseded.count(id);
    if (committed) {
      append->duplicate = true;
      continue;
    }
    for (uint64_t id : a.started) {
      if (!a.superseded.count(id) && !a.committed.count(id)) {
        batch_row(b, id, BatchState::kSuperseded, now, 0, 0, 0);
      }
    }
    const uint64_t attempt = RandomU64();
    batch_row(b, attempt, BatchState::kStarted, now, 0, 0, 0);
    writes.emplace_back(append, attempt);
  }
  if (writes.empty()) return Status::Ok();
  Status status = client_->Insert("batches", batch_rows.data());
  if (!status.ok()) return fail_all(status);

  // 3. The rows.
  RowWriter logs;
  RowWriter samples;
  std::vector<int64_t> last_ids;
  std::vector<int64_t> sample_counts;
  for (const auto& [append, attempt] : writes) {
    const Batch& b = *append->batch;
    int64_t last_id = 0;
    for (size_t i = 0; i < b.logs.size(); ++i) {
      const LogRecord& r = b.logs[i];
      last_id = NextLogId(now);
      logs.Int64(last_id);
      logs.Int64(r.ts_ms);
      logs.String(b.agent.host);
      logs.String(r.service);
      logs.UInt8(static_cast<uint8_t>(r.level));
      logs.String(r.message);
      logs.String(append->words[i]);
      logs.String(append->fields[i]);
      logs.UInt64(attempt);
    }
    const auto version = static_cast<uint64_t>(NextLogId(now));
    int64_t count = 0;
    for (const MetricSeries& series : b.metrics) {
      const std::string labels = StoredLabels(series.labels);
      for (const Sample& s : series.samples) {
        samples.String(b.agent.host);
        samples.String(series.name);
        samples.String(labels);
        samples.UInt8(series.type == MetricType::kCounter ? 1 : 0);
        samples.Int64(s.ts_ms);
        samples.Float64(s.value);
        samples.UInt64(version);
        ++count;
      }
    }
    last_ids.push_back(last_id);
    sample_counts.push_back(count);
  }
  status = client_->Insert("logs", logs.data());
  if (status.ok()) status = client_->Insert("samples", samples.data());
  if (!status.ok()) return fail_all(status);

  // 4. Commit records: from now on the batches are duplicates everywhere.
  batch_rows.Clear();
  for (size_t i = 0; i < writes.size(); ++i) {
    const PendingAppend& append = *writes[i].first;
    batch_row(*append.batch, writes[i].second, BatchState::kCommitted, append.received_ms,
              static_cast<int64_t>(append.batch->logs.size()), sample_counts[i], last_ids[i]);
  }
  status = client_->Insert("batches", batch_rows.data());
  if (!status.ok()) return fail_all(status);
  return Status::Ok();
}

Result<std::vector<StoredLog>> ClickhouseStorage::RunLogQuery(const std::string& sql) {
  Result<std::string> body = client_->Query(sql);
  if (!body.ok()) return body.status();
  std::vector<StoredLog> out;
  RowReader r(*body);
  while (!r.AtEnd()) {
    StoredLog log;
    log.id = r.Int64();
    log.record.ts_ms = r.Int64();
    log.host = r.String();
    log.record.service = r.String();
    log.record.level = LevelFromInt(r.UInt8());
    log.record.message = r.String();
    log.record.fields = ParseObject(r.String(), /*drop_empty=*/false);
    if (!r.ok()) return Malformed("a log query");
    out.push_back(std::move(log));
  }
  return out;
}

Result<LogPage> ClickhouseStorage::QueryLogs(const LogQuery& query) {
  HW_RETURN_IF_ERROR(CheckLimit(query.limit));
  LogPage page;
  if (query.start_ms >= query.end_ms) return page;
  auto rows = RunLogQuery(clickhouse::LogSearchSql(query));
  if (!rows.ok()) return rows.status();
  page.logs = std::move(rows).value();
  if (page.logs.size() > static_cast<size_t>(query.limit)) {
    page.logs.resize(static_cast<size_t>(query.limit));
    const StoredLog& last = page.logs.back();
    page.next = EncodeLogCursor(LogCursor{last.record.ts_ms, last.id});
  }
  return page;
}

Result<LogTail> ClickhouseStorage::TailLogs(const LogQuery& filter, std::optional<int64_t> after_id,
                                            int limit) {
  HW_RETURN_IF_ERROR(CheckLimit(limit));
  // The newest id of a committed batch first, then the rows up to it: rows of a write still
  // in flight are left for the next read.
  Result<std::string> newest_body =
      client_->Query("SELECT toInt64(max(last_id)) FROM batches WHERE state = 2 FORMAT RowBinary");
  if (!newest_body.ok()) return newest_body.status();
  RowReader r(*newest_body);
  const int64_t newest = r.Int64();
  if (!r.ok()) return Malformed("the newest log id");
  LogTail tail;
  tail.last_id = newest;
  if (!after_id) return tail;
  tail.last_id = std::max(newest, *after_id);
  if (newest <= *after_id) return tail;
  auto rows = RunLogQuery(clickhouse::LogTailSql(filter, *after_id, newest, limit));
  if (!rows.ok()) return rows.status();
  tail.logs = std::move(rows).value();
  if (tail.logs.size() >= static_cast<size_t>(limit)) tail.last_id = tail.logs.back().id;
  return tail;
}

Result<std::vector<LogCount>> ClickhouseStorage::CountLogs(const LogQuery& filter,
                                                           int64_t step_ms) {
  if (step_ms < 1) return InvalidArgument("the histogram step must be at least 1 ms");
  std::vector<LogCount> counts;
  if (filter.start_ms >= filter.end_ms) return counts;
  Result<std::string> body = client_->Query(clickhouse::LogCountSql(filter, step_ms));
  if (!body.ok()) return body.status();
  RowReader r(*body);
  while (!r.AtEnd()) {
    LogCount c;
    c.bucket = r.Int64();
    c.level = LevelFromInt(r.UInt8());
    c.count = static_cast<int64_t>(r.UInt64());
    if (!r.ok()) return Malformed("a log count");
    counts.push_back(c);
  }
  return counts;
}

Result<std::vector<HostInfo>> ClickhouseStorage::ListHosts() {
  Result<std::string> body = client_->Query(
      "SELECT host, argMax(agent_id, at_ms), argMax(agent_version, at_ms), toInt64(min(at_ms)), "
      "toInt64(max(at_ms)), toInt64(count()), toInt64(sum(log_lines)), toInt64(sum(samples)) "
      "FROM batches WHERE state = 2 AND attempt GLOBAL NOT IN "
      "(SELECT attempt FROM batches WHERE state = 3) GROUP BY host ORDER BY host "
      "FORMAT RowBinary");
  if (!body.ok()) return body.status();
  std::vector<HostInfo> hosts;
  RowReader r(*body);
  while (!r.AtEnd()) {
    HostInfo h;
    h.host = r.String();
    h.agent_id = r.String();
    h.agent_version = r.String();
    h.first_seen_ms = r.Int64();
    h.last_seen_ms = r.Int64();
    h.batches = r.Int64();
    h.log_lines = r.Int64();
    h.samples = r.Int64();
    if (!r.ok()) return Malformed("the host list");
    hosts.push_back(std::move(h));
  }
  return hosts;
}

namespace {

// " AND name = … AND host = …" for the equality matchers a selection must hold.
std::string SeriesPushdown(const CompiledMatchers& compiled) {
  std::string out;
  if (const std::string* name = compiled.EqualValue("__name__"))
    out += " AND name = " + Quote(*name);
  if (const std::string* host = compiled.EqualValue("host")) out += " AND host = " + Quote(*host);
  return out;
}

std::string Window(int64_t start_ms, int64_t end_ms) {
  return "ts >= toInt64(" + std::to_string(start_ms) + ") AND ts <= toInt64(" +
         std::to_string(end_ms) + ")";
}

using SeriesKey = std::tuple<std::string, std::string, std::string>;  // host, name, labels

}  // namespace

// The series with samples in [start_ms, end_ms] whose label sets satisfy every matcher,
// sorted by labels.
Result<std::vector<ClickhouseStorage::SeriesRow>> ClickhouseStorage::FindSeries(
    const std::vector<LabelMatcher>& matchers, int64_t start_ms, int64_t end_ms) {
  auto compiled = CompiledMatchers::Compile(matchers);
  if (!compiled.ok()) return compiled.status();
  Result<std::string> body =
      client_->Query("SELECT host, name, labels, argMin(type, version) FROM samples WHERE " +
                     Window(start_ms, end_ms) + SeriesPushdown(*compiled) +
                     " GROUP BY host, name, labels FORMAT RowBinary");
  if (!body.ok()) return body.status();
  std::map<Labels, SeriesRow> found;
  RowReader r(*body);
  while (!r.AtEnd()) {
    SeriesRow row;
    row.host = r.String();
    row.name = r.String();
    row.labels_json = r.String();
    row.type = r.UInt8() == 1 ? MetricType::kCounter : MetricType::kGauge;
    if (!r.ok()) return Malformed("a series lookup");
    row.labels = ParseObject(row.labels_json, /*drop_empty=*/true);
    row.labels["__name__"] = row.name;
    row.labels["host"] = row.host;
    if (!compiled->Matches(row.labels)) continue;
    Labels key = row.labels;
    found.emplace(std::move(key), std::move(row));
  }
  std::vector<SeriesRow> out;
  out.reserve(found.size());
  for (auto& [labels, row] : found) out.push_back(std::move(row));
  return out;
}

namespace {

// The WHERE clause selecting `series`' samples in the window.
std::string SampleFilter(const std::vector<LabelMatcher>& matchers, int64_t start_ms,
                         int64_t end_ms, size_t series_count, const std::string& series_keys) {
  std::string where = Window(start_ms, end_ms);
  if (series_count <= kMaxSeriesInStatement) {
    where += " AND (host, name, labels) IN (" + series_keys + ")";
  } else {
    auto compiled = CompiledMatchers::Compile(matchers);
    if (compiled.ok()) where += SeriesPushdown(*compiled);
  }
  return where;
}

std::string SeriesKeys(const std::vector<std::string>& hosts, const std::vector<std::string>& names,
                       const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (!out.empty()) out += ", ";
    out += "(" + Quote(hosts[i]) + ", " + Quote(names[i]) + ", " + Quote(labels[i]) + ")";
  }
  return out;
}

}  // namespace

Result<std::vector<SeriesSamples>> ClickhouseStorage::ReadSamples(
    const std::vector<LabelMatcher>& matchers, int64_t start_ms, int64_t end_ms,
    const std::function<std::string(const std::string& where)>& statement) {
  auto series = FindSeries(matchers, start_ms, end_ms);
  if (!series.ok()) return series.status();
  std::vector<SeriesSamples> out;
  if (series->empty()) return out;
  std::map<SeriesKey, size_t> index;
  std::vector<std::string> hosts, names, labels;
  for (const SeriesRow& row : *series) {
    index.emplace(SeriesKey{row.host, row.name, row.labels_json}, out.size());
    SeriesSamples s;
    s.labels = row.labels;
    s.type = row.type;
    out.push_back(std::move(s));
    hosts.push_back(row.host);
    names.push_back(row.name);
    labels.push_back(row.labels_json);
  }
  Result<std::string> body = client_->Query(statement(
      SampleFilter(matchers, start_ms, end_ms, series->size(), SeriesKeys(hosts, names, labels))));
  if (!body.ok()) return body.status();
  RowReader r(*body);
  while (!r.AtEnd()) {
    SeriesKey key;
    std::get<0>(key) = r.String();
    std::get<1>(key) = r.String();
    std::get<2>(key) = r.String();
    Sample sample;
    sample.ts_ms = r.Int64();
    sample.value = r.Float64();
    if (!r.ok()) return Malformed("a sample read");
    auto it = index.find(key);
    if (it != index.end()) out[it->second].samples.push_back(sample);
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const SeriesSamples& s) { return s.samples.empty(); }),
            out.end());
  return out;
}

Result<std::vector<SeriesSamples>> ClickhouseStorage::SelectSeries(
    const SeriesSelection& selection) {
  if (selection.start_ms > selection.end_ms) return std::vector<SeriesSamples>{};
  return ReadSamples(selection.matchers, selection.start_ms, selection.end_ms,
                     [](const std::string& where) {
                       return "SELECT host, name, labels, ts, argMax(value, version) FROM samples "
                              "WHERE " +
                              where +
                              " GROUP BY host, name, labels, ts ORDER BY host, name, labels, ts "
                              "FORMAT RowBinary";
                     });
}

Result<std::vector<Labels>> ClickhouseStorage::ListSeries(const SeriesSelection& selection) {
  if (selection.start_ms > selection.end_ms) return std::vector<Labels>{};
  auto series = FindSeries(selection.matchers, selection.start_ms, selection.end_ms);
  if (!series.ok()) return series.status();
  std::vector<Labels> out;
  for (SeriesRow& row : *series) out.push_back(std::move(row.labels));
  return out;
}

Result<std::vector<SeriesSamples>> ClickhouseStorage::LatestSamples(
    const std::vector<LabelMatcher>& matchers, int64_t at_ms, int64_t lookback_ms) {
  if (lookback_ms < 0) return InvalidArgument("lookback must not be negative");
  return ReadSamples(matchers, at_ms - lookback_ms, at_ms, [](const std::string& where) {
    return "SELECT host, name, labels, max(ts), argMax(v, ts) FROM (SELECT host, name, labels, "
           "ts, argMax(value, version) AS v FROM samples WHERE " +
           where + " GROUP BY host, name, labels, ts) GROUP BY host, name, labels FORMAT RowBinary";
  });
}

Result<StorageStats> ClickhouseStorage::Stats() {
  StorageStats stats;
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    const int64_t commits = commits_.load();
    if (stats_ && commits == stats_commits_ && NowMs() - stats_at_ms_ < kStatsSeconds * 1000) {
      stats = *stats_;
    } else {
      Result<std::string> body = client_->Query(
          std::string("SELECT (SELECT toInt64(count()) FROM logs WHERE ") +
          clickhouse::kVisibleLogs +
          "), (SELECT toInt64(uniqExact(host, name, labels)) FROM samples), "
          "(SELECT toInt64(uniq(host, name, labels, ts)) FROM samples), "
          "(SELECT toInt64(uniqExact(host)) FROM batches WHERE state = 2), "
          "(SELECT toInt64(sum(bytes_on_disk)) FROM system.parts WHERE active AND database = " +
          Quote(options_.clickhouse.database) + ") FORMAT RowBinary");
      if (!body.ok()) return body.status();
      RowReader r(*body);
      stats.log_lines = r.Int64();
      stats.series = r.Int64();
      stats.samples = r.Int64();
      stats.hosts = r.Int64();
      stats.bytes_on_disk = r.Int64();
      if (!r.ok()) return Malformed("the stats query");
      stats_ = stats;
      stats_at_ms_ = NowMs();
      stats_commits_ = commits;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const PendingAppend* append : queue_) {
    ++stats.queued_batches;
    stats.queued_rows += static_cast<int64_t>(append->rows);
  }
  return stats;
}

bool ClickhouseStorage::Ready() {
  Result<std::string> r = client_->Query("SELECT 1", /*in_database=*/false);
  return r.ok();
}

}  // namespace hivewatch
