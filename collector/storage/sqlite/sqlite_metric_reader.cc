#include "collector/storage/sqlite/sqlite_metric_reader.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "collector/storage/label_match.h"

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
constexpr const char* kSamplesInWindow =
    "SELECT ts, value FROM samples WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3 ORDER BY ts";
constexpr const char* kAnySampleInWindow =
    "SELECT 1 FROM samples WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3 LIMIT 1";
constexpr const char* kLatestInWindow =
    "SELECT ts, value FROM samples WHERE series_id = ?1 AND ts >= ?2 AND ts <= ?3 "
    "ORDER BY ts DESC LIMIT 1";

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

Sample ReadSample(const Stmt& stmt) {
  // SQLite stores NaN as NULL.
  return Sample{stmt.ColumnInt64(0), stmt.ColumnIsNull(1) ? std::numeric_limits<double>::quiet_NaN()
                                                          : stmt.ColumnDouble(1)};
}

Status ReadSamples(Connection& conn, const Candidate& candidate, int64_t start_ms, int64_t end_ms,
                   std::vector<Sample>* out) {
  auto stmt = conn.Prepare(kSamplesInWindow);
  if (!stmt.ok()) return stmt.status();
  for (int64_t id : candidate.ids) {
    stmt->BindInt64(1, id);
    stmt->BindInt64(2, start_ms);
    stmt->BindInt64(3, end_ms);
    int rc;
    while ((rc = stmt->Step()) == SQLITE_ROW) out->push_back(ReadSample(*stmt));
    if (rc != SQLITE_DONE) return conn.Error(rc, "reading samples");
    stmt->Reset();
  }
  if (candidate.ids.size() > 1) {
    // Merged series: one sample per timestamp, the last stored series' value winning.
    std::stable_sort(out->begin(), out->end(),
                     [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; });
    std::vector<Sample> unique;
    for (const Sample& s : *out) {
      if (!unique.empty() && unique.back().ts_ms == s.ts_ms) {
        unique.back() = s;
      } else {
        unique.push_back(s);
      }
    }
    out->swap(unique);
  }
  return Status::Ok();
}

Result<bool> AnySample(Connection& conn, const Candidate& candidate, int64_t start_ms,
                       int64_t end_ms) {
  auto stmt = conn.Prepare(kAnySampleInWindow);
  if (!stmt.ok()) return stmt.status();
  for (int64_t id : candidate.ids) {
    stmt->BindInt64(1, id);
    stmt->BindInt64(2, start_ms);
    stmt->BindInt64(3, end_ms);
    const int rc = stmt->Step();
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) return conn.Error(rc, "reading samples");
    stmt->Reset();
  }
  return false;
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
        auto stmt = conn.Prepare(kLatestInWindow);
        if (!stmt.ok()) return stmt.status();
        std::vector<SeriesSamples> out;
        for (auto& [labels, candidate] : *found) {
          std::optional<Sample> latest;
          for (int64_t id : candidate.ids) {
            stmt->BindInt64(1, id);
            stmt->BindInt64(2, at_ms - lookback_ms);
            stmt->BindInt64(3, at_ms);
            const int rc = stmt->Step();
            if (rc == SQLITE_ROW) {
              Sample s = ReadSample(*stmt);
              if (!latest || s.ts_ms >= latest->ts_ms) latest = s;
            } else if (rc != SQLITE_DONE) {
              return conn.Error(rc, "reading the latest sample");
            }
            stmt->Reset();
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
