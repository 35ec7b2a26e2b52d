// Summarising samples as rollups (RollupBucket, storage.h), and combining buckets with raw
// samples again, the same way for the writer that builds rollups and the query engine that reads
// them. min and max give what min_over_time / max_over_time give over the same samples in any
// order (NaN only when every value is NaN), count and last too; the sum is a Kahan sum like
// sum_over_time's, but its rounding depends on the grouping, so a sum over buckets may differ
// from one over the raw samples in the last bits. Header-only; no shared state.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "collector/storage/storage.h"

namespace hivewatch {

class RollupAccumulator {
 public:
  void Add(const Sample& s) {
    Extremes(s.value, s.value);
    KahanAdd(s.value);
    if (count_ == 0 || s.ts_ms < first_.ts_ms) first_ = s;
    if (count_ == 0 || s.ts_ms > last_.ts_ms) last_ = s;
    ++count_;
  }
  void Add(const RollupBucket& b) {
    if (b.count == 0) return;
    Extremes(b.min, b.max);
    KahanAdd(b.sum);
    if (count_ == 0 || b.first.ts_ms < first_.ts_ms) first_ = b.first;
    if (count_ == 0 || b.last.ts_ms > last_.ts_ms) last_ = b.last;
    count_ += b.count;
  }

  int64_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double sum() const { return std::isinf(sum_) ? sum_ : sum_ + c_; }
  const Sample& first() const { return first_; }
  const Sample& last() const { return last_; }

  RollupBucket Bucket(int64_t start_ms) const {
    return RollupBucket{start_ms, count_, min_, max_, sum(), first_, last_};
  }

 private:
  void Extremes(double lo, double hi) {
    if (count_ == 0 || lo < min_ || std::isnan(min_)) min_ = lo;
    if (count_ == 0 || hi > max_ || std::isnan(max_)) max_ = hi;
  }
  // Neumaier's variant, as the engine's sum_over_time.
  void KahanAdd(double v) {
    const double t = sum_ + v;
    if (std::fabs(sum_) >= std::fabs(v)) {
      c_ += (sum_ - t) + v;
    } else {
      c_ += (v - t) + sum_;
    }
    sum_ = t;
  }

  int64_t count_ = 0;
  double min_ = 0, max_ = 0, sum_ = 0, c_ = 0;
  Sample first_, last_;
};

// The rollup of samples[0..n), all in the bucket starting at start_ms.
inline RollupBucket Summarise(int64_t start_ms, const Sample* samples, size_t n) {
  RollupAccumulator acc;
  for (size_t i = 0; i < n; ++i) acc.Add(samples[i]);
  return acc.Bucket(start_ms);
}

}  // namespace hivewatch
