// Retention of the SQLite backend: by age (samples, logs, batch ids, series left empty), by a
// size cap (oldest first, space returned to the file system), on its own timer, and the
// full-text index staying consistent with the rows that remain.
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "collector/storage/storage.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

using testing::TempDir;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kNow = 1763900000000 / kHour * kHour + 10 * kDay;

struct Store {
  TempDir dir;
  StorageOptions options;
  std::unique_ptr<Storage> storage;

  explicit Store(RetentionOptions retention) {
    options.data_dir = dir.path() + "/data";
    options.synchronous_full = false;
    options.retention = retention;
    Open();
  }
  void Open() {
    auto opened = OpenStorage(options);
    if (!opened.ok()) FAIL("open: " << opened.status().message());
    storage = std::move(*opened);
  }
  void Reopen() {
    storage.reset();
    Open();
  }
  std::string db_path() const { return options.data_dir + "/hivewatch.db"; }
};

LogRecord Log(int64_t ts, std::string message) {
  LogRecord r;
  r.ts_ms = ts;
  r.service = "app";
  r.message = std::move(message);
  return r;
}

MetricSeries Series(const std::string& name, int64_t from, int64_t to, int64_t step) {
  MetricSeries s;
  s.name = name;
  for (int64_t ts = from; ts < to; ts += step)
    s.samples.push_back({ts, static_cast<double>(ts % 97)});
  return s;
}

Batch MakeBatch(const std::string& id, std::vector<LogRecord> logs,
                std::vector<MetricSeries> metrics = {}) {
  Batch b;
  b.agent = {"h", "agent-h", "1.0.0"};
  b.batch_id = id;
  b.logs = std::move(logs);
  b.metrics = std::move(metrics);
  return b;
}

AppendResult AppendOk(Storage& storage, const Batch& batch, int64_t received_ms) {
  auto r = storage.Append(batch, received_ms);
  if (!r.ok()) FAIL("append: " << r.status().message());
  return *r;
}

std::vector<int64_t> SearchTimes(Storage& storage, const std::string& word) {
  LogQuery q;
  auto terms = ParseTextQuery(word);
  REQUIRE(terms.ok());
  q.terms = *terms;
  q.limit = kMaxLogLimit;
  auto page = storage.QueryLogs(q);
  REQUIRE(page.ok());
  std::vector<int64_t> ts;
  for (const StoredLog& log : page->logs) ts.push_back(log.record.ts_ms);
  return ts;
}

std::vector<Sample> SamplesOf(Storage& storage, const std::string& name) {
  SeriesSelection sel;
  sel.matchers = {{"__name__", LabelMatcher::Op::kEq, name}};
  sel.start_ms = 0;
  sel.end_ms = kNow + kDay;
  auto got = storage.SelectSeries(sel);
  REQUIRE(got.ok());
  return got->empty() ? std::vector<Sample>{} : got->front().samples;
}

// FTS5's own check that the index matches the content table (rank 1: compare with the rows).
bool IndexConsistent(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
  const int rc =
      sqlite3_exec(db, "INSERT INTO logs_fts (logs_fts, rank) VALUES ('integrity-check', 1)",
                   nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc == SQLITE_OK;
}

TEST_CASE("retention by age deletes old samples, logs and batch ids and nothing newer",
          "[storage][sqlite][retention]") {
  RetentionOptions retention;
  retention.max_age_ms = 2 * kDay;
  retention.rollup_max_age_ms = 2 * kDay;  // a series goes when its rollups go too
  retention.interval_ms = 0;               // only when asked
  Store s(retention);
  const int64_t cutoff = kNow - 2 * kDay;
  // "gone": only old samples (sealed chunks and a head); "kept": old and new ones.
  AppendOk(*s.storage,
           MakeBatch("old",
                     {Log(cutoff - kDay, "ancient alpha"), Log(cutoff - 3 * kHour, "ancient beta")},
                     {Series("gone", cutoff - kDay, cutoff - 3 * kHour, 10000),
                      Series("kept", cutoff - kDay, cutoff - 3 * kHour, 10000)}),
           cutoff - kHour);
  AppendOk(*s.storage,
           MakeBatch("new", {Log(cutoff + kHour, "fresh alpha"), Log(kNow, "fresh beta")},
                     {Series("kept", cutoff + 1, kNow, 10000)}),
           kNow);
  const std::vector<Sample> kept_before = SamplesOf(*s.storage, "kept");
  auto before = s.storage->Stats();
  REQUIRE(before.ok());
  CHECK(before->series == 2);

  auto r = s.storage->ApplyRetention(kNow);
  REQUIRE(r.ok());
  const int64_t old_samples = (kDay - 3 * kHour) / 10000;
  CHECK(r->samples == 2 * old_samples);
  CHECK(r->series == 1);
  CHECK(r->log_lines == 2);
  CHECK(r->batch_ids == 1);

  CHECK(SamplesOf(*s.storage, "gone").empty());
  std::vector<Sample> kept_after = SamplesOf(*s.storage, "kept");
  REQUIRE(kept_after.size() == kept_before.size() - static_cast<size_t>(old_samples));
  CHECK(kept_after.front().ts_ms > cutoff);
  CHECK(kept_after.back().ts_ms == kept_before.back().ts_ms);
  CHECK(SearchTimes(*s.storage, "ancient").empty());
  CHECK(SearchTimes(*s.storage, "alpha") == std::vector<int64_t>{cutoff + kHour});
  CHECK(SearchTimes(*s.storage, "beta") == std::vector<int64_t>{kNow});
  auto after = s.storage->Stats();
  REQUIRE(after.ok());
  CHECK(after->samples == before->samples - 2 * old_samples);
  CHECK(after->series == 1);
  CHECK(after->log_lines == 2);

  // The old batch id is forgotten (a re-sent copy is stored again), the new one is not.
  CHECK_FALSE(AppendOk(*s.storage, MakeBatch("old", {}), kNow).duplicate);
  CHECK(AppendOk(*s.storage, MakeBatch("new", {}), kNow).duplicate);
  // Applying it again removes nothing more; new samples still go to the kept series' head.
  auto again = s.storage->ApplyRetention(kNow);
  REQUIRE(again.ok());
  CHECK(again->samples + again->log_lines + again->series == 0);
  AppendOk(*s.storage, MakeBatch("newer", {}, {Series("kept", kNow, kNow + 20000, 10000)}), kNow);
  CHECK(SamplesOf(*s.storage, "kept").size() == kept_after.size() + 2);

  s.Reopen();
  auto reopened = s.storage->Stats();
  REQUIRE(reopened.ok());
  CHECK(reopened->samples == after->samples + 2);
  CHECK(reopened->series == 1);
  CHECK(reopened->log_lines == 2);
  s.storage.reset();
  CHECK(IndexConsistent(s.db_path()));
}

TEST_CASE("hour rollups outlive the samples and go by their own age",
          "[storage][sqlite][retention][rollups]") {
  RetentionOptions retention;
  retention.max_age_ms = 2 * kDay;
  retention.rollup_max_age_ms = 5 * kDay;
  retention.interval_ms = 0;
  Store s(retention);
  // Four days of one sample a minute, pushed an hour at a time.
  const int64_t start = kNow - 4 * kDay;
  for (int64_t t = start; t < kNow; t += kHour) {
    AppendOk(*s.storage, MakeBatch(std::to_string(t), {}, {Series("m", t, t + kHour, 60000)}),
             kNow);
  }
  SeriesSelection sel;
  sel.matchers = {{"__name__", LabelMatcher::Op::kEq, "m"}};
  sel.start_ms = start;
  sel.end_ms = kNow;
  auto buckets_before = [&](int64_t before) {
    auto got = s.storage->SelectRollups(sel, kHour);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 1);
    int64_t n = 0;
    for (const RollupBucket& b : got->front().buckets) {
      CHECK(b.count == 60);
      n += b.start_ms < before ? 1 : 0;
    }
    return n;
  };
  CHECK(buckets_before(kNow - 2 * kDay) == 48);

  auto r = s.storage->ApplyRetention(kNow);
  REQUIRE(r.ok());
  CHECK(r->samples > 0);
  CHECK(r->rollups == 0);
  CHECK(SamplesOf(*s.storage, "m").front().ts_ms >= kNow - 2 * kDay - 2 * kHour);
  CHECK(buckets_before(kNow - 2 * kDay) == 48);  // the hours whose samples are gone

  // Two days later the rollups' own age limit (5 days) reaches the first day.
  r = s.storage->ApplyRetention(kNow + 2 * kDay);
  REQUIRE(r.ok());
  CHECK(r->rollups == 24);
  CHECK(buckets_before(kNow - 3 * kDay) == 0);
  CHECK(buckets_before(kNow - 2 * kDay) == 24);
  CHECK(r->series == 0);
}

TEST_CASE("the size cap deletes the oldest data until the database fits and shrinks the file",
          "[storage][sqlite][retention]") {
  RetentionOptions retention;
  retention.max_age_ms = 0;  // no age limit: only the cap
  retention.max_bytes = 2 << 20;
  retention.interval_ms = 0;
  Store s(retention);
  // 10 days of logs (about 8 MB with the index) and a sample series, one batch per hour.
  const int64_t start = kNow - 10 * kDay;
  int64_t lines = 0;
  for (int64_t hour = 0; hour < 240; ++hour) {
    std::vector<LogRecord> logs;
    for (int i = 0; i < 120; ++i) {
      const int64_t ts = start + hour * kHour + i * 30000;
      logs.push_back(Log(ts, "request " + std::to_string(ts) + " served common word filler " +
                                 std::string(160, 'x')));
    }
    lines += static_cast<int64_t>(logs.size());
    AppendOk(*s.storage,
             MakeBatch(std::to_string(hour), logs,
                       {Series("up", start + hour * kHour, start + (hour + 1) * kHour, 10000)}),
             start + hour * kHour);
  }
  s.Reopen();  // checkpointed: the file holds everything
  const auto size_before = std::filesystem::file_size(s.db_path());
  REQUIRE(size_before > 3u * (2 << 20));

  auto r = s.storage->ApplyRetention(kNow);
  REQUIRE(r.ok());
  CHECK(r->bytes_before > retention.max_bytes);
  CHECK(r->bytes_after <= retention.max_bytes);
  CHECK(r->log_lines > 0);
  CHECK(r->samples > 0);

  // What is left is the newest data, with nothing missing after its oldest point.
  const std::vector<int64_t> remaining = SearchTimes(*s.storage, "common");
  REQUIRE(!remaining.empty());
  const int64_t oldest_kept = *std::min_element(remaining.begin(), remaining.end());
  CHECK(remaining.size() == static_cast<size_t>(lines - r->log_lines));
  CHECK(static_cast<int64_t>(remaining.size()) == (kNow - oldest_kept) / 30000);
  const std::vector<Sample> up = SamplesOf(*s.storage, "up");
  REQUIRE(!up.empty());
  CHECK(up.back().ts_ms == kNow - 10000);
  CHECK(static_cast<int64_t>(up.size()) == (kNow - up.front().ts_ms) / 10000);

  s.storage.reset();  // the last checkpoint truncates the file to the pages in use
  const auto size_after = std::filesystem::file_size(s.db_path());
  CHECK(size_after <= static_cast<uintmax_t>(retention.max_bytes));
  CHECK(size_after < size_before / 2);
  CHECK(IndexConsistent(s.db_path()));
}

TEST_CASE("retention also runs on its own every interval", "[storage][sqlite][retention]") {
  RetentionOptions retention;
  retention.max_age_ms = kDay;
  retention.rollup_max_age_ms = kDay;
  retention.interval_ms = 50;
  Store s(retention);
  // Timestamps relative to the real clock, as the timer uses it.
  auto now = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count());
  AppendOk(*s.storage,
           MakeBatch("b", {Log(now - 2 * kDay, "stale"), Log(now, "current")},
                     {Series("old", now - 3 * kDay, now - 2 * kDay, 60000)}),
           now);
  CHECK(testing::WaitFor([&] {
    auto stats = s.storage->Stats();
    return stats.ok() && stats->samples == 0 && stats->log_lines == 1 && stats->series == 0;
  }));
  CHECK(SearchTimes(*s.storage, "stale").empty());
  CHECK(SearchTimes(*s.storage, "current").size() == 1);
}

}  // namespace
}  // namespace hivewatch
