// The SQLite backend's compressed sample chunks: sealed chunks, the head and late samples
// against a plain model over many chunks and windows, and the migration of a schema version 1
// database (one row per sample).
#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "collector/storage/storage.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

using testing::TempDir;

constexpr int64_t kBase = 1763900000000;

std::unique_ptr<Storage> OpenIn(const TempDir& dir) {
  StorageOptions options;
  options.data_dir = dir.path() + "/data";
  options.synchronous_full = false;
  auto storage = OpenStorage(options);
  if (!storage.ok()) FAIL("open: " << storage.status().message());
  return std::move(*storage);
}

Batch MetricsBatch(const std::string& host, const std::string& id,
                   std::vector<MetricSeries> metrics) {
  Batch batch;
  batch.agent = {host, "agent-" + host, "1.0.0"};
  batch.batch_id = id;
  batch.metrics = std::move(metrics);
  return batch;
}

MetricSeries Series(const std::string& cpu, std::vector<Sample> samples) {
  MetricSeries s;
  s.name = "node_cpu_seconds_total";
  s.type = MetricType::kCounter;
  s.labels = {{"cpu", cpu}};
  s.samples = std::move(samples);
  return s;
}

int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int64_t v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

using Model = std::map<std::string, std::map<int64_t, double>>;  // cpu → ts → value

void CheckAgainstModel(Storage& storage, const Model& model, std::mt19937& rng, int64_t span) {
  for (int q = 0; q < 60; ++q) {
    const int64_t start = kBase - 3600000 + std::uniform_int_distribution<int64_t>(0, span)(rng);
    const int64_t end = start + std::uniform_int_distribution<int64_t>(0, span / 3)(rng);
    INFO("window [" << start << ", " << end << "]");
    SeriesSelection sel;
    sel.matchers = {{"__name__", LabelMatcher::Op::kEq, "node_cpu_seconds_total"}};
    sel.start_ms = start;
    sel.end_ms = end;
    auto got = storage.SelectSeries(sel);
    REQUIRE(got.ok());
    auto listed = storage.ListSeries(sel);
    REQUIRE(listed.ok());
    auto latest = storage.LatestSamples(sel.matchers, end, end - start);
    REQUIRE(latest.ok());
    size_t i = 0;
    for (const auto& [cpu, samples] : model) {
      std::vector<Sample> want;
      for (auto it = samples.lower_bound(start); it != samples.end() && it->first <= end; ++it) {
        want.push_back({it->first, it->second});
      }
      if (want.empty()) continue;
      REQUIRE(i < got->size());
      CHECK(got->at(i).labels.at("cpu") == cpu);
      CHECK(listed->at(i).at("cpu") == cpu);
      REQUIRE(got->at(i).samples.size() == want.size());
      for (size_t j = 0; j < want.size(); ++j) {
        CHECK(got->at(i).samples[j].ts_ms == want[j].ts_ms);
        CHECK(got->at(i).samples[j].value == want[j].value);
      }
      REQUIRE(latest->at(i).samples.size() == 1);
      CHECK(latest->at(i).samples[0].ts_ms == want.back().ts_ms);
      CHECK(latest->at(i).samples[0].value == want.back().value);
      ++i;
    }
    CHECK(got->size() == i);
    CHECK(listed->size() == i);
    CHECK(latest->size() == i);
  }
}

TEST_CASE("samples across many chunks, late and repeated ones included, agree with a model",
          "[storage][sqlite][chunks]") {
  TempDir dir;
  auto storage = OpenIn(dir);
  std::mt19937 rng(5);
  Model model;
  int64_t distinct = 0;
  // 10 hours of 10 s samples for 3 series (several 2 h windows, chunks of 240 samples), pushed
  // mostly in order, with some batches going back in time (replays) and repeating points.
  const int64_t span = 10 * 3600 * 1000;
  int batch = 0;
  for (int64_t t = 0; t < span; t += 600000) {
    std::vector<MetricSeries> metrics;
    for (const std::string cpu : {"0", "1", "2"}) {
      std::vector<Sample> samples;
      for (int64_t ts = t; ts < t + 600000; ts += 10000) {
        samples.push_back({kBase + ts + static_cast<int64_t>(rng() % 300), (rng() % 4) * 0.5});
      }
      const int late = static_cast<int>(rng() % 8);
      for (int k = 0; k < late; ++k) {
        // A point anywhere in the past, at a stored timestamp or between two.
        const int64_t back = std::uniform_int_distribution<int64_t>(-3600000, t)(rng);
        auto& series = model[cpu];
        int64_t ts = kBase + back;
        if (!series.empty() && rng() % 2 == 0) {
          auto it = series.lower_bound(ts);
          if (it != series.end()) ts = it->first;
        }
        samples.push_back({ts, static_cast<double>(1000 + batch)});
      }
      for (const Sample& s : samples) model[cpu][s.ts_ms] = s.value;  // the last push wins
      metrics.push_back(Series(cpu, samples));
    }
    auto appended = storage->Append(MetricsBatch("h", std::to_string(batch++), metrics), kBase);
    REQUIRE(appended.ok());
    if (batch == 31) {
      storage.reset();  // the heads are reloaded from disk after this
      storage = OpenIn(dir);
    }
  }
  for (const auto& [cpu, samples] : model) distinct += static_cast<int64_t>(samples.size());
  auto stats = storage->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->samples == distinct);
  CheckAgainstModel(*storage, model, rng, span + 3600000);

  const std::string path = dir.path() + "/data/hivewatch.db";
  storage.reset();
  CHECK(QueryInt(path, "SELECT count(*) FROM chunks") > 3 * 5);  // sealed: several per window
  CHECK(QueryInt(path, "SELECT count(*) FROM head_chunks") == 3);
  CHECK(QueryInt(path, "SELECT count(*) FROM chunks WHERE max_ts - min_ts >= 7200000") == 0);
  CHECK(QueryInt(path, "SELECT max(count) FROM chunks") <= 240 + 8 * 60);
  storage = OpenIn(dir);
  auto reopened = storage->Stats();
  REQUIRE(reopened.ok());
  CHECK(reopened->samples == distinct);
  CheckAgainstModel(*storage, model, rng, span + 3600000);
}

TEST_CASE("a schema version 1 database is migrated to chunks when opened",
          "[storage][sqlite][chunks]") {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  const std::string path = data + "/hivewatch.db";
  {
    // The version 1 layout of series and samples, as the collector of that version wrote it.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    std::string sql = R"sql(
      PRAGMA journal_mode = WAL;
      BEGIN;
      CREATE TABLE series (id INTEGER PRIMARY KEY, host TEXT NOT NULL, name TEXT NOT NULL,
        type TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (host, name, labels));
      CREATE TABLE samples (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL,
        PRIMARY KEY (series_id, ts)) WITHOUT ROWID;
      INSERT INTO series VALUES (1, 'h1', 'up', 'gauge', '{}');
      INSERT INTO series VALUES (2, 'h1', 'node_cpu_seconds_total', 'counter', '{"cpu":"0"}');
      INSERT INTO samples VALUES (1, 1763900000000, 1), (1, 1763900010000, NULL);
    )sql";
    // 1,000 samples of a counter over about 2.8 hours: sealed chunks and a head.
    for (int i = 0; i < 1000; ++i) {
      sql += "INSERT INTO samples VALUES (2, " + std::to_string(kBase + i * 10000) + ", " +
             std::to_string(i * 0.25) + ");\n";
    }
    sql += "PRAGMA user_version = 1; COMMIT;";
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto storage = OpenIn(dir);
  auto stats = storage->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->samples == 1002);
  CHECK(stats->series == 2);

  SeriesSelection sel;
  sel.start_ms = kBase;
  sel.end_ms = kBase + 1000 * 10000;
  sel.matchers = {{"__name__", LabelMatcher::Op::kEq, "up"}};
  auto up = storage->SelectSeries(sel);
  REQUIRE(up.ok());
  REQUIRE(up->size() == 1);
  REQUIRE(up->at(0).samples.size() == 2);
  CHECK(up->at(0).samples[0].value == 1);
  CHECK(std::isnan(up->at(0).samples[1].value));
  sel.matchers = {{"cpu", LabelMatcher::Op::kEq, "0"}};
  auto cpu = storage->SelectSeries(sel);
  REQUIRE(cpu.ok());
  REQUIRE(cpu->size() == 1);
  REQUIRE(cpu->at(0).samples.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    CHECK(cpu->at(0).samples[i].ts_ms == kBase + i * 10000);
    CHECK(cpu->at(0).samples[i].value == i * 0.25);
  }
  // New samples continue the migrated head.
  auto appended = storage->Append(
      MetricsBatch("h1", "after", {Series("0", {{kBase + 1000 * 10000, 1e6}})}), kBase);
  REQUIRE(appended.ok());
  auto latest = storage->LatestSamples(sel.matchers, kBase + 2000 * 10000, 3600000 * 10);
  REQUIRE(latest.ok());
  REQUIRE(latest->size() == 1);
  CHECK(latest->at(0).samples[0].value == 1e6);

  storage.reset();
  CHECK(QueryInt(path, "PRAGMA user_version") == 2);
  CHECK(QueryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'samples'") == 0);
  CHECK(QueryInt(path, "PRAGMA auto_vacuum") == 2);  // incremental, switched on by a VACUUM
  CHECK(QueryInt(path, "SELECT sum(count) FROM chunks") +
            QueryInt(path, "SELECT sum(count) FROM head_chunks") ==
        1003);
}

}  // namespace
}  // namespace hivewatch
