// Hour rollups of the SQLite backend: every bucket summarises exactly the raw samples of its hour
// (late samples rewriting old chunks included, hours reaching the head left raw), and the PromQL
// engine's *_over_time over rollups agrees with its raw evaluation on randomised data.
#include <sqlite3.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "collector/query/promql/engine.h"
#include "collector/query/promql/parser.h"
#include "collector/storage/rollup.h"
#include "collector/storage/storage.h"
#include "tests/support/temp_dir.h"

namespace hivewatch {
namespace {

using testing::TempDir;

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kBase = 489972 * kHour;  // a whole hour (2025-11-23)

std::unique_ptr<Storage> OpenIn(const TempDir& dir) {
  StorageOptions options;
  options.data_dir = dir.path() + "/data";
  options.synchronous_full = false;
  auto storage = OpenStorage(options);
  if (!storage.ok()) FAIL("open: " << storage.status().message());
  return std::move(*storage);
}

// Counts the buckets the engine was given, so a test can tell rollups were really read.
class CountingSource final : public promql::SeriesSource {
 public:
  explicit CountingSource(Storage* storage) : inner_(storage) {}
  Result<std::vector<SeriesSamples>> Select(const SeriesSelection& selection) override {
    return inner_.Select(selection);
  }
  Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                   int64_t bucket_ms) override {
    auto r = inner_.SelectRollups(selection, bucket_ms);
    if (r.ok()) {
      for (const SeriesRollups& s : *r) buckets_ += static_cast<int64_t>(s.buckets.size());
    }
    return r;
  }
  int64_t buckets() const { return buckets_; }

 private:
  promql::StorageSeriesSource inner_;
  int64_t buckets_ = 0;
};

bool SameBits(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b)) return SameBits(a, b);
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

// Every bucket SelectRollups returns equals the summary of the raw samples of its hour, and
// buckets plus raw samples are exactly the raw samples of the window.
void CheckRollupsAgainstRaw(Storage& storage, int64_t start, int64_t end, int64_t* buckets) {
  SeriesSelection sel;
  sel.matchers = {{"__name__", LabelMatcher::Op::kEq, "m"}};
  sel.start_ms = start;
  sel.end_ms = end;
  auto raw = storage.SelectSeries(sel);
  auto rolled = storage.SelectRollups(sel, kHour);
  REQUIRE(raw.ok());
  REQUIRE(rolled.ok());
  REQUIRE(raw->size() == rolled->size());
  for (size_t k = 0; k < raw->size(); ++k) {
    const std::vector<Sample>& all = (*raw)[k].samples;
    const SeriesRollups& r = (*rolled)[k];
    CHECK(r.labels == (*raw)[k].labels);
    int64_t covered = 0;
    for (const RollupBucket& b : r.buckets) {
      CHECK(b.start_ms % kHour == 0);
      CHECK(b.start_ms >= start);
      CHECK(b.start_ms + kHour - 1 <= end);
      std::vector<Sample> in;
      for (const Sample& s : all) {
        if (s.ts_ms >= b.start_ms && s.ts_ms < b.start_ms + kHour) in.push_back(s);
      }
      REQUIRE(!in.empty());
      const RollupBucket want = Summarise(b.start_ms, in.data(), in.size());
      CHECK(b.count == want.count);
      CHECK(SameBits(b.min, want.min));
      CHECK(SameBits(b.max, want.max));
      CHECK(SameBits(b.sum, want.sum));
      CHECK(b.first.ts_ms == want.first.ts_ms);
      CHECK(SameBits(b.first.value, want.first.value));
      CHECK(b.last.ts_ms == want.last.ts_ms);
      CHECK(SameBits(b.last.value, want.last.value));
      covered += b.count;
      for (const Sample& s : r.samples) {
        CHECK((s.ts_ms < b.start_ms || s.ts_ms >= b.start_ms + kHour));
      }
    }
    CHECK(covered + static_cast<int64_t>(r.samples.size()) == static_cast<int64_t>(all.size()));
    *buckets += static_cast<int64_t>(r.buckets.size());
  }
}

// The query evaluated with and without rollups; min, max, count and last must agree exactly,
// sum and avg within rounding.
void CheckQuery(Storage& storage, const std::string& q, int64_t start, int64_t end, int64_t step,
                int64_t* buckets_read) {
  INFO(q << " start " << (start - kBase) / kHour << " h, step " << step / kHour << " h");
  auto expr = promql::ParseExpr(q);
  REQUIRE(expr.ok());
  CountingSource source(&storage);
  promql::EngineOptions raw_options;
  raw_options.rollup_bucket_ms = 0;
  auto raw = promql::EvalRange(**expr, source, start, end, step, raw_options);
  auto rolled = promql::EvalRange(**expr, source, start, end, step);
  REQUIRE(raw.ok());
  REQUIRE(rolled.ok());
  *buckets_read += source.buckets();
  const bool exact = q.find("sum_") == std::string::npos && q.find("avg_") == std::string::npos;
  REQUIRE(raw->series.size() == rolled->series.size());
  for (size_t k = 0; k < raw->series.size(); ++k) {
    CHECK(raw->series[k].labels == rolled->series[k].labels);
    const auto& a = raw->series[k].points;
    const auto& b = rolled->series[k].points;
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].ts_ms == b[i].ts_ms);
      if (exact) {
        CHECK(SameBits(a[i].value, b[i].value));
      } else {
        CHECK(Close(a[i].value, b[i].value));
      }
    }
  }
}

TEST_CASE("hour rollups summarise exactly the raw samples of their hour, late ones included",
          "[storage][sqlite][rollups]") {
  TempDir dir;
  auto storage = OpenIn(dir);
  std::mt19937 rng(11);
  // 30 hours of samples 5..40 s apart on a 5 s grid (so many fall on whole hours) for 3 series,
  // pushed 20 minutes at a time, with points going back up to 8 hours (rewriting sealed chunks)
  // and now and then a NaN or a repeated timestamp.
  const int64_t span = 30 * kHour;
  std::vector<int64_t> next(3, kBase);
  int batch = 0;
  int64_t buckets = 0, buckets_read = 0;
  const std::vector<std::string> queries = {
      "min_over_time(m[1h])",           "max_over_time(m[2h])",   "count_over_time(m[3h])",
      "last_over_time(m[1h])",          "sum_over_time(m[1h])",   "avg_over_time(m[4h])",
      "max_over_time(m[1h] offset 1h)", "min_over_time((m[2h]))",
  };
  for (int64_t t = 0; t < span; t += 20 * 60 * 1000) {
    std::vector<MetricSeries> metrics;
    for (int s = 0; s < 3; ++s) {
      MetricSeries series;
      series.name = "m";
      series.type = MetricType::kGauge;
      series.labels = {{"s", std::to_string(s)}};
      for (; next[s] < kBase + t + 20 * 60 * 1000; next[s] += 5000 * (1 + rng() % 8)) {
        const double v = rng() % 50 == 0 ? std::nan("") : static_cast<double>(rng() % 1000) / 8;
        series.samples.push_back({next[s], v});
      }
      const int late = static_cast<int>(rng() % 4);
      for (int k = 0; k < late && t > 0; ++k) {
        const int64_t back =
            std::uniform_int_distribution<int64_t>(0, std::min<int64_t>(t, 8 * kHour))(rng);
        series.samples.push_back({kBase + t - back / 5000 * 5000, 2000.0 + batch});
      }
      metrics.push_back(std::move(series));
    }
    Batch b;
    b.agent = {"h", "agent-h", "1.0.0"};
    b.batch_id = std::to_string(batch++);
    b.metrics = std::move(metrics);
    REQUIRE(storage->Append(b, kBase).ok());
    if (batch == 40) {
      storage.reset();  // the writer's heads are reloaded from disk after this
      storage = OpenIn(dir);
    }
    if (batch % 9 != 0) continue;
    // Windows ending in the head included: its hours must come raw.
    const int64_t now = kBase + t + 20 * 60 * 1000;
    for (int w = 0; w < 3; ++w) {
      const int64_t a = kBase + std::uniform_int_distribution<int64_t>(-kHour, t)(rng);
      const int64_t z = std::uniform_int_distribution<int64_t>(a, now + kHour)(rng);
      CheckRollupsAgainstRaw(*storage, a, z, &buckets);
    }
    for (const std::string& q : queries) {
      const int64_t step = kHour * (1 + static_cast<int64_t>(rng() % 3));
      const int64_t first = kBase + kHour * static_cast<int64_t>(rng() % (t / kHour + 2));
      CheckQuery(*storage, q, first, now + kHour, step, &buckets_read);
    }
    // Not aligned to the hour: raw evaluation, the same answers.
    CheckQuery(*storage, "min_over_time(m[1h])", kBase + 90000, now, kHour, &buckets_read);
  }
  CHECK(buckets > 100);       // the rollups were there...
  CHECK(buckets_read > 100);  // ...and the engine read them
}

TEST_CASE("a database written before rollups existed gets them when opened",
          "[storage][sqlite][rollups]") {
  TempDir dir;
  auto storage = OpenIn(dir);
  for (int64_t t = 0; t < 6 * kHour; t += kHour) {
    MetricSeries series;
    series.name = "m";
    for (int64_t ts = t; ts < t + kHour; ts += 30000) {
      series.samples.push_back({kBase + ts, static_cast<double>(ts % 7)});
    }
    Batch b;
    b.agent = {"h", "agent-h", "1.0.0"};
    b.batch_id = std::to_string(t);
    b.metrics = {series};
    REQUIRE(storage->Append(b, kBase).ok());
  }
  storage.reset();
  sqlite3* db = nullptr;
  const std::string path = dir.path() + "/data/hivewatch.db";
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE rollups", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  storage = OpenIn(dir);
  int64_t buckets = 0;
  CheckRollupsAgainstRaw(*storage, kBase, kBase + 6 * kHour, &buckets);
  CHECK(buckets == 4);  // the last window (2 hours) is the head
}

}  // namespace
}  // namespace hivewatch
