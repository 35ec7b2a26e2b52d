// The PromQL evaluator. It reads series through SeriesSource (one Select per selector of the
// query, covering every step), then evaluates the tree node by node over all the steps at once:
// an instant vector is a set of series with one optional value per step, so labels, matching
// signatures and group keys are computed once per series rather than once per step. The
// semantics (lookback, range windows closed at both ends, extrapolated rate, counter resets,
// vector matching, aggregation arithmetic) follow Prometheus 2.42. Stale markers are not
// special. Thread-safe: an evaluation keeps its state on the stack.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collector/query/promql/ast.h"
#include "collector/storage/storage.h"
#include "common/status.h"

namespace hivewatch::promql {

// Where the evaluator reads samples: series matching the selection, with their samples in the
// window, ts ascending.
class SeriesSource {
 public:
  virtual ~SeriesSource() = default;
  virtual Result<std::vector<SeriesSamples>> Select(const SeriesSelection& selection) = 0;
  // The same series with their samples summarised in buckets of `bucket_ms` where the source
  // has rollups (Storage::SelectRollups). The default has none.
  virtual Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                           int64_t bucket_ms) {
    auto raw = Select(selection);
    if (!raw.ok()) return raw.status();
    return WithoutRollups(std::move(raw).value());
  }
};

// Reads from a Storage (production).
class StorageSeriesSource final : public SeriesSource {
 public:
  explicit StorageSeriesSource(Storage* storage) : storage_(storage) {}
  Result<std::vector<SeriesSamples>> Select(const SeriesSelection& selection) override {
    return storage_->SelectSeries(selection);
  }
  Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                   int64_t bucket_ms) override {
    return storage_->SelectRollups(selection, bucket_ms);
  }

 private:
  Storage* storage_;
};

// Holds series in memory and applies the selection itself (tests, tools).
class MemorySeriesSource final : public SeriesSource {
 public:
  void Add(Labels labels, std::vector<Sample> samples);
  Result<std::vector<SeriesSamples>> Select(const SeriesSelection& selection) override;
  int selects() const { return selects_; }  // how many Select calls were made

 private:
  std::vector<SeriesSamples> series_;
  int selects_ = 0;
};

struct EngineOptions {
  int64_t lookback_ms = 5 * 60 * 1000;  // how far back an instant selector looks for a sample
  // Most samples one query may read from the source, all selectors together (Prometheus's
  // --query.max-samples default); beyond it the query fails instead of exhausting memory.
  int64_t max_samples = 50000000;
  // Rollups (SeriesSource::SelectRollups) of this bucket size are read instead of raw samples
  // by min_, max_, sum_, count_, avg_ and last_over_time when the range is a whole number of
  // buckets and every step (less the offset) falls on a bucket boundary: the windows are then
  // unions of whole buckets plus the samples at their ends. min, max, count and last are
  // exactly the raw evaluation's; sum and avg may differ in the last bits (float rounding
  // depends on the grouping). 0: always raw.
  int64_t rollup_bucket_ms = 3600 * 1000;
};

struct Point {
  int64_t ts_ms = 0;
  double value = 0;
};

struct ResultSeries {
  Labels labels;
  std::vector<Point> points;  // ts ascending
};

struct QueryResult {
  // Range queries: always kMatrix. Instant queries: the expression's type.
  ValueType type = ValueType::kMatrix;
  std::vector<ResultSeries> series;  // kVector (one point each) and kMatrix
  Point scalar;                      // kScalar
  std::string string_value;          // kString (at scalar.ts_ms)
};

// Evaluates at start, start + step, ... <= end. The expression must be a scalar or an instant
// vector (kInvalidArgument otherwise, as for errors found while evaluating, e.g. many-to-many
// matching); storage errors keep their code. Series come back sorted by labels.
Result<QueryResult> EvalRange(const Expr& expr, SeriesSource& source, int64_t start_ms,
                              int64_t end_ms, int64_t step_ms, const EngineOptions& options = {});

// Evaluates at one instant. A range-vector expression (a bare `x[5m]`) gives its raw samples.
// Vectors are sorted by labels, or by value under sort()/sort_desc().
Result<QueryResult> EvalInstant(const Expr& expr, SeriesSource& source, int64_t ts_ms,
                                const EngineOptions& options = {});

}  // namespace hivewatch::promql
