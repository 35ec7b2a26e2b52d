#include "collector/query/promql/functions.h"

namespace hivewatch::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;
using F = FunctionId;

const std::vector<Function>& Catalogue() {
  static const std::vector<Function> kFunctions = {
      {"abs", F::kAbs, {V}, 0, V},
      {"absent", F::kAbsent, {V}, 0, V},
      {"absent_over_time", F::kAbsentOverTime, {M}, 0, V},
      {"acos", F::kAcos, {V}, 0, V},
      {"acosh", F::kAcosh, {V}, 0, V},
      {"asin", F::kAsin, {V}, 0, V},
      {"asinh", F::kAsinh, {V}, 0, V},
      {"atan", F::kAtan, {V}, 0, V},
      {"atanh", F::kAtanh, {V}, 0, V},
      {"avg_over_time", F::kAvgOverTime, {M}, 0, V},
      {"ceil", F::kCeil, {V}, 0, V},
      {"changes", F::kChanges, {M}, 0, V},
      {"clamp", F::kClamp, {V, S, S}, 0, V},
      {"clamp_max", F::kClampMax, {V, S}, 0, V},
      {"clamp_min", F::kClampMin, {V, S}, 0, V},
      {"cos", F::kCos, {V}, 0, V},
      {"cosh", F::kCosh, {V}, 0, V},
      {"count_over_time", F::kCountOverTime, {M}, 0, V},
      {"days_in_month", F::kUnsupported, {V}, 1, V},
      {"day_of_month", F::kUnsupported, {V}, 1, V},
      {"day_of_week", F::kUnsupported, {V}, 1, V},
      {"day_of_year", F::kUnsupported, {V}, 1, V},
      {"deg", F::kDeg, {V}, 0, V},
      {"delta", F::kDelta, {M}, 0, V},
      {"deriv", F::kDeriv, {M}, 0, V},
      {"exp", F::kExp, {V}, 0, V},
      {"floor", F::kFloor, {V}, 0, V},
      {"histogram_count", F::kUnsupported, {V}, 0, V},
      {"histogram_sum", F::kUnsupported, {V}, 0, V},
      {"histogram_fraction", F::kUnsupported, {S, S, V}, 0, V},
      {"histogram_quantile", F::kUnsupported, {S, V}, 0, V},
      {"holt_winters", F::kUnsupported, {M, S, S}, 0, V},
      {"hour", F::kUnsupported, {V}, 1, V},
      {"idelta", F::kIdelta, {M}, 0, V},
      {"increase", F::kIncrease, {M}, 0, V},
      {"irate", F::kIrate, {M}, 0, V},
      {"label_replace", F::kUnsupported, {V, Str, Str, Str, Str}, 0, V},
      {"label_join", F::kUnsupported, {V, Str, Str, Str}, 0, V},
      {"last_over_time", F::kLastOverTime, {M}, 0, V},
      {"ln", F::kLn, {V}, 0, V},
      {"log10", F::kLog10, {V}, 0, V},
      {"log2", F::kLog2, {V}, 0, V},
      {"max_over_time", F::kMaxOverTime, {M}, 0, V},
      {"min_over_time", F::kMinOverTime, {M}, 0, V},
      {"minute", F::kUnsupported, {V}, 1, V},
      {"month", F::kUnsupported, {V}, 1, V},
      {"pi", F::kPi, {}, 0, S},
      {"predict_linear", F::kPredictLinear, {M, S}, 0, V},
      {"present_over_time", F::kPresentOverTime, {M}, 0, V},
      {"quantile_over_time", F::kQuantileOverTime, {S, M}, 0, V},
      {"rad", F::kRad, {V}, 0, V},
      {"rate", F::kRate, {M}, 0, V},
      {"resets", F::kResets, {M}, 0, V},
      {"round", F::kRound, {V, S}, 1, V},
      {"scalar", F::kScalar, {V}, 0, S},
      {"sgn", F::kSgn, {V}, 0, V},
      {"sin", F::kSin, {V}, 0, V},
      {"sinh", F::kSinh, {V}, 0, V},
      {"sort", F::kSort, {V}, 0, V},
      {"sort_desc", F::kSortDesc, {V}, 0, V},
      {"sqrt", F::kSqrt, {V}, 0, V},
      {"stddev_over_time", F::kStddevOverTime, {M}, 0, V},
      {"stdvar_over_time", F::kStdvarOverTime, {M}, 0, V},
      {"sum_over_time", F::kSumOverTime, {M}, 0, V},
      {"tan", F::kTan, {V}, 0, V},
      {"tanh", F::kTanh, {V}, 0, V},
      {"time", F::kTime, {}, 0, S},
      {"timestamp", F::kUnsupported, {V}, 0, V},
      {"vector", F::kVector, {S}, 0, V},
      {"year", F::kUnsupported, {V}, 1, V},
  };
  return kFunctions;
}

}  // namespace

const Function* FindFunction(std::string_view name) {
  for (const Function& f : Catalogue()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace hivewatch::promql
