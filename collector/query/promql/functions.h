// The PromQL function catalogue: every function Prometheus 2.42 knows, with its signature, and
// whether hivewatch evaluates it. The parser uses it to type-check calls and to name the
// functions it cannot run; the engine dispatches on Function::id.
#pragma once

#include <string_view>
#include <vector>

#include "collector/query/promql/ast.h"

namespace hivewatch::promql {

enum class FunctionId {
  kUnsupported,
  // Range-vector functions.
  kRate,
  kIrate,
  kIncrease,
  kDelta,
  kIdelta,
  kDeriv,
  kPredictLinear,
  kResets,
  kChanges,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kSumOverTime,
  kCountOverTime,
  kLastOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kPresentOverTime,
  kQuantileOverTime,
  kAbsentOverTime,
  // Instant-vector functions that map each value.
  kAbs,
  kCeil,
  kFloor,
  kRound,
  kSqrt,
  kExp,
  kLn,
  kLog2,
  kLog10,
  kSgn,
  kClamp,
  kClampMin,
  kClampMax,
  kAcos,
  kAcosh,
  kAsin,
  kAsinh,
  kAtan,
  kAtanh,
  kCos,
  kCosh,
  kSin,
  kSinh,
  kTan,
  kTanh,
  kDeg,
  kRad,
  // Others.
  kAbsent,
  kScalar,
  kVector,
  kTime,
  kPi,
  kSort,
  kSortDesc,
};

struct Function {
  const char* name;
  FunctionId id;
  std::vector<ValueType> args;
  int optional_args;  // how many trailing args may be left out
  ValueType result;
};

// The function called `name`, supported or not; nullptr for a name Prometheus does not know.
const Function* FindFunction(std::string_view name);

}  // namespace hivewatch::promql
