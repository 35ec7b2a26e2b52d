#include "collector/storage/sqlite/sqlite_metric_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "collector/storage/chunk/sample_chunk.h"
#include "collector/storage/label_match.h"
#include "collector/storage/sqlite/sqlite_schema.h"

namespace hivewatch::sqlite {
namespace {

// The read statements of the metric side. They are kept beside their only user rather than in
// sqlite_schema.h because they are tied to this reader's plan (see the header).
constexpr const char* kSeriesAll = "SELECT id, host, name, type, labels FROM series";
constexpr const char* kSeriesByName =
    "SELECT id, host, name, type, labels FROM series WHERE name = ?1";
constexpr const char* kSeriesByHost =
    "SELECT id, host, name, type, labels FROM series WHERE host = ?1";
constexpr const char* kSeriesByHostAndName =
    "SELECT id, host, name, type, labels FROM series WHERE host = ?1 AND name = ?2";
// Chunks reaching into [?2, ?3]: a chunk lies within one window (sqlite_schema.h), so one
// starting before WindowStart(?2) ends before ?2: ?4 = WindowStart(?2) bounds the index range.
constexpr const char* kChunksInWindow =
    "SELECT min_ts, max_ts, data FROM chunks WHERE series_id = ?1 AND min_ts >= ?4 "
    "AND min_ts <= ?3 AND max_ts >= ?2 ORDER BY min_ts";
constexpr const char* kHeadInWindow =
    "SELECT min_ts, max_ts, data FROM head_chunks WHERE series_id = ?1 AND min_ts <= ?3 "
    "AND max_ts >= ?2";
// The same, newest first (for the latest sample).
constexpr const char* kChunksInWindowDesc =
    "SELECT min_ts, max_ts, data FROM chunks WHERE series_id = ?1 AND min_ts >= ?4 "
    "AND min_ts <= ?3 AND max_ts >= ?2 ORDER BY min_ts DESC";
// Rollups of the hours starting in [?2, ?3].
constexpr const char* kRollupsInWindow =
    "SELECT bucket, count, min, max, sum, first_ts, first, last_ts, last FROM rollups "
    "WHERE series_id = ?1 AND bucket >= ?2 AND bucket <= ?3 ORDER BY bucket";

// Stored series that share one label set (normally exactly one).
struct Candidate {
  MetricType type = MetricType::kGauge;
  std::vector<int64_t> ids;
};
using Candidates = std::map<Labels, Candidate>;  // sorted by labels: the order of the answers

Labels ParseLabels(const std::string& json) {
  Labels labels;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return labels;
  for (auto it = j.begin(); it != j.end(); ++it) {
    // An empty value is the same as no label, as in Prometheus.
    if (it.value().is_string() && !it.value().get_ref<const std::string&>().empty()) {
      labels.emplace(it.key(), it.value().get<std::string>());
    }
  }
  return labels;
}

// The series whose full label sets satisfy every matcher.
Result<Candidates> FindSeries(Connection& conn, const std::vector<LabelMatcher>& matchers) {
  auto compiled = CompiledMatchers::Compile(matchers);
  if (!compiled.ok()) return compiled.status();
  const std::string* name = compiled->EqualValue("__name__");
  const std::string* host = compiled->EqualValue("host");
  const char* sql = name && host ? kSeriesByHostAndName
                    : name       ? kSeriesByName
                    : host       ? kSeriesByHost
                                 : kSeriesAll;
  auto stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  if (host) stmt->BindText(1, *host);
  if (name) stmt->BindText(host ? 2 : 1, *name);

  Candidates found;
  int rc;
  while ((rc = stmt->Step()) == SQLITE_ROW) {
    Labels labels = ParseLabels(stmt->ColumnText(4));
    labels["__name__"] = stmt->ColumnText(2);
    labels["host"] = stmt->ColumnText(1);
    if (!compiled->Matches(labels)) continue;
    auto [it, inserted] = found.try_emplace(std::move(labels));
    if (inserted) {
      it->second.type = stmt->ColumnText(3) == MetricTypeName(MetricType::kCounter)
                            ? MetricType::kCounter
                            : MetricType::kGauge;
    }
    it->second.ids.push_back(stmt->ColumnInt64(0));
  }
  if (rc != SQLITE_DONE) return conn.Error(rc, "listing series");
  return found;
}

// Calls visit(min_ts, max_ts, chunk) for each chunk of series `id` reaching into
// [start_ms, end_ms]: the sealed ones in time order (newest first with `newest_first`), the head
// last (first). visit returns false to stop.
template <typename Visit>
Status VisitChunks(Connection& conn, int64_t id, int64_t start_ms, int64_t end_ms,
                   bool newest_first, Visit visit) {
  auto head = conn.Prepare(kHeadInWindow);
  if (!head.ok()) return head.status();
  auto sealed = conn.Prepare(newest_first ? kChunksInWindowDesc : kChunksInWindow);
  if (!sealed.ok()) return sealed.status();
  auto run = [&](Stmt& stmt, bool with_window) -> Result<bool> {
    stmt.BindInt64(1, id);
    stmt.BindInt64(2, start_ms);
    stmt.BindInt64(3, end_ms);
    if (with_window) stmt.BindInt64(4, sqlite_schema::WindowStart(start_ms));
    int rc;
    while ((rc = stmt.Step()) == SQLITE_ROW) {
      auto go_on = visit(stmt.ColumnInt64(0), stmt.ColumnInt64(1), stmt.ColumnBlob(2));
      if (!go_on.ok()) return go_on.status();
      if (!*go_on) return false;
    }
    if (rc != SQLITE_DONE) return conn.Error(rc, "reading sample chunks");
    return true;
  };
  if (newest_first) {
    auto go_on = run(*head, false);
    if (!go_on.ok()) return go_on.status();
    if (*go_on) HW_RETURN_IF_ERROR(run(*sealed, true).status());
  } else {
    auto go_on = run(*sealed, true);
    if (!go_on.ok()) return go_on.status();
    if (*go_on) HW_RETURN_IF_ERROR(run(*head, false).status());
  }
  return Status::Ok();
}

Status ReadSamples(Connection& conn, const Candidate& candidate, int64_t start_ms, int64_t end_ms,
                   std::vector<Sample>* out) {
  // The chunks first, so that `out` grows once (copying a chunk costs about 2 bytes a sample,
  // growing `out` step by step 16).
  std::vector<std::string> chunks;
  size_t samples = 0;
  for (int64_t id : candidate.ids) {
    HW_RETURN_IF_ERROR(VisitChunks(conn, id, start_ms, end_ms, false,
                                   [&](int64_t, int64_t, std::string_view data) -> Result<bool> {
                                     chunks.emplace_back(data);
                                     samples += static_cast<size_t>(chunk::ChunkCount(data));
                                     return true;
                                   }));
  }
  out->reserve(out->size() + samples);
  for (const std::string& data : chunks) {
    HW_RETURN_IF_ERROR(chunk::Decode(data, start_ms, end_ms, out));
  }
  if (candidate.ids.size() > 1) {
    // Merged series: one sample per timestamp, the last stored series' value winning.
    chunk::SortAndDedupe(out);
  }
  return Status::Ok();
}

Result<bool> AnySample(Connection& conn, const Candidate& candidate, int64_t start_ms,
                       int64_t end_ms) {
  bool any = false;
  std::vector<Sample> inside;
  for (int64_t id : candidate.ids) {
    HW_RETURN_IF_ERROR(
        VisitChunks(conn, id, start_ms, end_ms, false,
                    [&](int64_t min_ts, int64_t max_ts, std::string_view data) -> Result<bool> {
                      // A chunk that begins or ends inside the window has a sample there; one that
                      // spans it may have none.
                      if ((min_ts >= start_ms && min_ts <= end_ms) ||
                          (max_ts >= start_ms && max_ts <= end_ms)) {
                        any = true;
                      } else {
                        inside.clear();
                        HW_RETURN_IF_ERROR(chunk::Decode(data, start_ms, end_ms, &inside));
                        any = !inside.empty();
                      }
                      return !any;
                    }));
    if (any) return true;
  }
  return false;
}

double ValueColumn(const Stmt& stmt, int col) {
  return stmt.ColumnIsNull(col) ? std::numeric_limits<double>::quiet_NaN() : stmt.ColumnDouble(col);
}

// One stored series' hours wholly inside [start_ms, end_ms] as rollups, the rest raw.
Status ReadRollups(Connection& conn, int64_t id, int64_t start_ms, int64_t end_ms,
                   SeriesRollups* out) {
  using sqlite_schema::kRollupBucketMs;
  const int64_t first_bucket =
      sqlite_schema::WindowStart(start_ms) +
      ((start_ms - sqlite_schema::WindowStart(start_ms) + kRollupBucketMs - 1) / kRollupBucketMs) *
          kRollupBucketMs;
  {
    auto stmt = conn.Prepare(kRollupsInWindow);
    if (!stmt.ok()) return stmt.status();
    stmt->BindInt64(1, id);
    stmt->BindInt64(2, first_bucket);
    stmt->BindInt64(3, end_ms - kRollupBucketMs + 1);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) {
      RollupBucket b;
      b.start_ms = stmt->ColumnInt64(0);
      b.count = stmt->ColumnInt64(1);
      b.min = ValueColumn(*stmt, 2);
      b.max = ValueColumn(*stmt, 3);
      b.sum = ValueColumn(*stmt, 4);
      b.first = {stmt->ColumnInt64(5), ValueColumn(*stmt, 6)};
      b.last = {stmt->ColumnInt64(7), ValueColumn(*stmt, 8)};
      out->buckets.push_back(b);
    }
    if (rc != SQLITE_DONE) return conn.Error(rc, "reading rollups");
  }
  // The raw samples: those of the stretches between the buckets (usually the hours that
  // reach the head, and a partial hour at each end).
  std::vector<std::pair<int64_t, int64_t>> stretches;
  int64_t from = start_ms;
  for (const RollupBucket& b : out->buckets) {
    if (from < b.start_ms) stretches.emplace_back(from, b.start_ms - 1);
    from = b.start_ms + kRollupBucketMs;
  }
  if (from <= end_ms) stretches.emplace_back(from, end_ms);
  for (const auto& [a, z] : stretches) {
    HW_RETURN_IF_ERROR(VisitChunks(conn, id, a, z, false,
                                   [&](int64_t, int64_t, std::string_view data) -> Result<bool> {
                                     HW_RETURN_IF_ERROR(chunk::Decode(data, a, z, &out->samples));
                                     return true;
                                   }));
  }
  return Status::Ok();
}

// Runs `body` inside one read transaction on `conn`.
template <typename T, typename Body>
Result<T> InReadTransaction(Connection& conn, Body body) {
  HW_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  Result<T> result = body();
  (void)conn.Exec("COMMIT");
  return result;
}

}  // namespace

Result<std::vector<SeriesSamples>> SelectSeriesOn(Connection& conn,
                                                  const SeriesSelection& selection) {
  if (selection.start_ms > selection.end_ms) return std::vector<SeriesSamples>{};
  return InReadTransaction<std::vector<SeriesSamples>>(
      conn, [&]() -> Result<std::vector<SeriesSamples>> {
        auto found = FindSeries(conn, selection.matchers);
        if (!found.ok()) return found.status();
        std::vector<SeriesSamples> out;
        for (auto& [labels, candidate] : *found) {
          SeriesSamples series;
          HW_RETURN_IF_ERROR(
              ReadSamples(conn, candidate, selection.start_ms, selection.end_ms, &series.samples));
          if (series.samples.empty()) continue;
          series.labels = labels;
          series.type = candidate.type;
          out.push_back(std::move(series));
        }
        return out;
      });
}

Result<std::vector<SeriesRollups>> SelectRollupsOn(Connection& conn,
                                                   const SeriesSelection& selection) {
  if (selection.start_ms > selection.end_ms) return std::vector<SeriesRollups>{};
  return InReadTransaction<std::vector<SeriesRollups>>(
      conn, [&]() -> Result<std::vector<SeriesRollups>> {
        auto found = FindSeries(conn, selection.matchers);
        if (!found.ok()) return found.status();
        std::vector<SeriesRollups> out;
        for (auto& [labels, candidate] : *found) {
          SeriesRollups series;
          if (candidate.ids.size() == 1) {
            HW_RETURN_IF_ERROR(
                ReadRollups(conn, candidate.ids[0], selection.start_ms, selection.end_ms, &series));
          } else {
            HW_RETURN_IF_ERROR(ReadSamples(conn, candidate, selection.start_ms, selection.end_ms,
                                           &series.samples));
          }
          if (series.samples.empty() && series.buckets.empty()) continue;
          series.labels = labels;
          series.type = candidate.type;
          out.push_back(std::move(series));
        }
        return out;
      });
}

Result<std::vector<Labels>> ListSeriesOn(Connection& conn, const SeriesSelection& selection) {
  if (selection.start_ms > selection.end_ms) return std::vector<Labels>{};
  return InReadTransaction<std::vector<Labels>>(conn, [&]() -> Result<std::vector<Labels>> {
    auto found = FindSeries(conn, selection.matchers);
    if (!found.ok()) return found.status();
    std::vector<Labels> out;
    for (auto& [labels, candidate] : *found) {
      auto any = AnySample(conn, candidate, selection.start_ms, selection.end_ms);
      if (!any.ok()) return any.status();
      if (*any) out.push_back(labels);
    }
    return out;
  });
}

Result<std::vector<SeriesSamples>> LatestSamplesOn(Connection& conn,
                                                   const std::vector<LabelMatcher>& matchers,
                                                   int64_t at_ms, int64_t lookback_ms) {
  if (lookback_ms < 0) return InvalidArgument("lookback must not be negative");
  return InReadTransaction<std::vector<SeriesSamples>>(
      conn, [&]() -> Result<std::vector<SeriesSamples>> {
        auto found = FindSeries(conn, matchers);
        if (!found.ok()) return found.status();
        std::vector<SeriesSamples> out;
        std::vector<Sample> inside;
        for (auto& [labels, candidate] : *found) {
          std::optional<Sample> latest;
          for (int64_t id : candidate.ids) {
            HW_RETURN_IF_ERROR(VisitChunks(
                conn, id, at_ms - lookback_ms, at_ms, true,
                [&](int64_t, int64_t, std::string_view data) -> Result<bool> {
                  inside.clear();
                  HW_RETURN_IF_ERROR(chunk::Decode(data, at_ms - lookback_ms, at_ms, &inside));
                  if (inside.empty()) return true;
                  if (!latest || inside.back().ts_ms >= latest->ts_ms) latest = inside.back();
                  return false;  // chunks come newest first: this one holds the newest
                }));
          }
          if (!latest) continue;
          SeriesSamples series;
          series.labels = labels;
          series.type = candidate.type;
          series.samples.push_back(*latest);
          out.push_back(std::move(series));
        }
        return out;
      });
}

}  // namespace hivewatch::sqlite
