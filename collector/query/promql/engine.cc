#include "collector/query/promql/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "collector/query/promql/functions.h"
#include "collector/storage/label_match.h"
#include "collector/storage/rollup.h"

namespace hivewatch::promql {

void MemorySeriesSource::Add(Labels labels, std::vector<Sample> samples) {
  std::sort(samples.begin(), samples.end(),
            [](const Sample& a, const Sample& b) { return a.ts_ms < b.ts_ms; });
  SeriesSamples s;
  s.labels = std::move(labels);
  s.samples = std::move(samples);
  series_.push_back(std::move(s));
}

Result<std::vector<SeriesSamples>> MemorySeriesSource::Select(const SeriesSelection& selection) {
  ++selects_;
  auto matchers = CompiledMatchers::Compile(selection.matchers);
  if (!matchers.ok()) return matchers.status();
  std::vector<SeriesSamples> out;
  for (const SeriesSamples& s : series_) {
    if (!matchers->Matches(s.labels)) continue;
    SeriesSamples copy;
    copy.labels = s.labels;
    copy.type = s.type;
    for (const Sample& sample : s.samples) {
      if (sample.ts_ms >= selection.start_ms && sample.ts_ms <= selection.end_ms) {
        copy.samples.push_back(sample);
      }
    }
    if (!copy.samples.empty()) out.push_back(std::move(copy));
  }
  std::sort(out.begin(), out.end(),
            [](const SeriesSamples& a, const SeriesSamples& b) { return a.labels < b.labels; });
  return out;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using LabelsPtr = std::shared_ptr<const Labels>;

// Evaluation errors travel as exceptions inside the evaluator and become a Status at its edge.
struct EvalError {
  Status status;
};
[[noreturn]] void Fail(const std::string& message) { throw EvalError{InvalidArgument(message)}; }

// An instant vector over all steps: one optional value per step.
struct StepSeries {
  LabelsPtr labels;
  std::vector<double> v;
  std::vector<uint8_t> has;
};

struct Value {
  ValueType type = ValueType::kScalar;
  std::vector<double> scalar;      // kScalar: one value per step
  std::vector<StepSeries> series;  // kVector
  std::string str;                 // kString
};

std::string LabelsKey(const Labels& labels) {
  std::string key;
  for (const auto& [name, value] : labels) {
    key += name;
    key += '\xff';
    key += value;
    key += '\xff';
  }
  return key;
}

std::string LabelsString(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ", ";
    first = false;
    out += name + "=\"" + value + "\"";
  }
  return out + "}";
}

LabelsPtr DropName(const LabelsPtr& labels) {
  if (labels->count("__name__") == 0) return labels;
  auto copy = std::make_shared<Labels>(*labels);
  copy->erase("__name__");
  return copy;
}

// Gathers output series by label set: a label set holds at most one value per step.
class SeriesCollector {
 public:
  explicit SeriesCollector(size_t steps) : steps_(steps) {}

  int IndexFor(const LabelsPtr& labels) {
    auto [it, inserted] = index_.try_emplace(LabelsKey(*labels), static_cast<int>(out_.size()));
    if (inserted) {
      out_.push_back(
          StepSeries{labels, std::vector<double>(steps_), std::vector<uint8_t>(steps_, 0)});
    }
    return it->second;
  }

  void Set(int index, size_t step, double value) {
    StepSeries& s = out_[static_cast<size_t>(index)];
    if (s.has[step]) Fail("vector cannot contain metrics with the same labelset");
    s.has[step] = 1;
    s.v[step] = value;
  }

  std::vector<StepSeries> Take() {
    std::vector<StepSeries> out;
    for (StepSeries& s : out_) {
      if (std::find(s.has.begin(), s.has.end(), 1) != s.has.end()) out.push_back(std::move(s));
    }
    return out;
  }

 private:
  size_t steps_;
  std::unordered_map<std::string, int> index_;
  std::vector<StepSeries> out_;
};

// Range functions and unary minus refuse outputs that share a label set (Prometheus checks the
// whole result of those, not step by step).
void CheckUniqueLabels(const std::vector<StepSeries>& series) {
  std::unordered_set<std::string> seen;
  for (const StepSeries& s : series) {
    if (!seen.insert(LabelsKey(*s.labels)).second) {
      Fail("vector cannot contain metrics with the same labelset");
    }
  }
}

// ---- Prometheus's arithmetic ------------------------------------------------------------------

// Go's math.Max / math.Min (NaN wins, then infinities), as clamp_* use them.
double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}
double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return kNaN;
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// Neumaier's improved Kahan summation step (Prometheus's kahanSumInc).
void KahanSumInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

struct Window {
  const Sample* p;
  size_t n;
  const Sample& operator[](size_t i) const { return p[i]; }
  const Sample& back() const { return p[n - 1]; }
};

// Prometheus 2.42's extrapolatedRate, for rate(), increase() and delta().
std::optional<double> ExtrapolatedRate(const Window& w, int64_t range_start, int64_t range_end,
                                       double range_seconds, bool is_counter, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  double result = w.back().value - w[0].value;
  if (is_counter) {
    double prev = w[0].value;
    for (size_t i = 1; i < w.n; ++i) {
      if (w[i].value < prev) result += prev;
      prev = w[i].value;
    }
  }
  double duration_to_start = static_cast<double>(w[0].ts_ms - range_start) / 1000;
  const double duration_to_end = static_cast<double>(range_end - w.back().ts_ms) / 1000;
  const double sampled_interval = static_cast<double>(w.back().ts_ms - w[0].ts_ms) / 1000;
  const double average_between = sampled_interval / static_cast<double>(w.n - 1);

  if (is_counter && result > 0 && w[0].value >= 0) {
    // Counters cannot be negative: do not extrapolate below the zero point.
    const double duration_to_zero = sampled_interval * (w[0].value / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  const double threshold = average_between * 1.1;
  double extrapolate_to = sampled_interval;
  extrapolate_to += duration_to_start < threshold ? duration_to_start : average_between / 2;
  extrapolate_to += duration_to_end < threshold ? duration_to_end : average_between / 2;
  double factor = extrapolate_to / sampled_interval;
  if (is_rate) factor /= range_seconds;
  return result * factor;
}

// Prometheus's instantValue, for irate() and idelta().
std::optional<double> InstantValue(const Window& w, bool is_rate) {
  if (w.n < 2) return std::nullopt;
  const Sample& last = w.back();
  const Sample& previous = w[w.n - 2];
  double result =
      (is_rate && last.value < previous.value) ? last.value : last.value - previous.value;
  const int64_t interval = last.ts_ms - previous.ts_ms;
  if (interval == 0) return std::nullopt;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

// Prometheus's linearRegression: least squares with x in seconds relative to `intercept_ms`.
std::pair<double, double> LinearRegression(const Window& w, int64_t intercept_ms) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = w[0].value;
  bool const_y = true;
  for (size_t i = 0; i < w.n; ++i) {
    if (const_y && i > 0 && w[i].value != init_y) const_y = false;
    n += 1.0;
    const double x = static_cast<double>(w[i].ts_ms - intercept_ms) / 1e3;
    KahanSumInc(x, &sum_x, &c_x);
    KahanSumInc(w[i].value, &sum_y, &c_y);
    KahanSumInc(x * w[i].value, &sum_xy, &c_xy);
    KahanSumInc(x * x, &sum_x2, &c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

// Prometheus's quantile (linear interpolation between the closest ranks).
double Quantile(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);  // NaN sorts first, as in Prometheus
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

std::optional<double> OverTime(FunctionId id, const Window& w, double param) {
  switch (id) {
    case FunctionId::kAvgOverTime: {
      double mean = 0, count = 0, c = 0;
      for (size_t i = 0; i < w.n; ++i) {
        const double v = w[i].value;
        count++;
        if (std::isinf(mean)) {
          if (std::isinf(v) && (mean > 0) == (v > 0)) continue;
          if (!std::isinf(v) && !std::isnan(v)) continue;
        }
        KahanSumInc(v / count - mean / count, &mean, &c);
      }
      return std::isinf(mean) ? mean : mean + c;
    }
    case FunctionId::kSumOverTime: {
      double sum = 0, c = 0;
      for (size_t i = 0; i < w.n; ++i) KahanSumInc(w[i].value, &sum, &c);
      return std::isinf(sum) ? sum : sum + c;
    }
    case FunctionId::kMinOverTime: {
      double min = w[0].value;
      for (size_t i = 0; i < w.n; ++i) {
        if (w[i].value < min || std::isnan(min)) min = w[i].value;
      }
      return min;
    }
    case FunctionId::kMaxOverTime: {
      double max = w[0].value;
      for (size_t i = 0; i < w.n; ++i) {
        if (w[i].value > max || std::isnan(max)) max = w[i].value;
      }
      return max;
    }
    case FunctionId::kCountOverTime:
      return static_cast<double>(w.n);
    case FunctionId::kLastOverTime:
      return w.back().value;
    case FunctionId::kPresentOverTime:
      return 1.0;
    case FunctionId::kStddevOverTime:
    case FunctionId::kStdvarOverTime: {
      double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
      for (size_t i = 0; i < w.n; ++i) {
        const double v = w[i].value;
        count++;
        const double delta = v - (mean + c_mean);
        KahanSumInc(delta / count, &mean, &c_mean);
        KahanSumInc(delta * (v - (mean + c_mean)), &aux, &c_aux);
      }
      const double var = (aux + c_aux) / count;
      return id == FunctionId::kStddevOverTime ? std::sqrt(var) : var;
    }
    case FunctionId::kQuantileOverTime: {
      std::vector<double> values;
      for (size_t i = 0; i < w.n; ++i) values.push_back(w[i].value);
      return Quantile(param, std::move(values));
    }
    case FunctionId::kResets: {
      int resets = 0;
      double prev = w[0].value;
      for (size_t i = 1; i < w.n; ++i) {
        if (w[i].value < prev) ++resets;
        prev = w[i].value;
      }
      return static_cast<double>(resets);
    }
    case FunctionId::kChanges: {
      int changes = 0;
      double prev = w[0].value;
      for (size_t i = 1; i < w.n; ++i) {
        const double cur = w[i].value;
        if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) ++changes;
        prev = cur;
      }
      return static_cast<double>(changes);
    }
    default:
      return std::nullopt;
  }
}

double MapValue(FunctionId id, double v) {
  switch (id) {
    case FunctionId::kAbs:
      return std::fabs(v);
    case FunctionId::kCeil:
      return std::ceil(v);
    case FunctionId::kFloor:
      return std::floor(v);
    case FunctionId::kSqrt:
      return std::sqrt(v);
    case FunctionId::kExp:
      return std::exp(v);
    case FunctionId::kLn:
      return std::log(v);
    case FunctionId::kLog2:
      return std::log2(v);
    case FunctionId::kLog10:
      return std::log10(v);
    case FunctionId::kSgn:
      return v < 0 ? -1 : v > 0 ? 1 : v;
    case FunctionId::kAcos:
      return std::acos(v);
    case FunctionId::kAcosh:
      return std::acosh(v);
    case FunctionId::kAsin:
      return std::asin(v);
    case FunctionId::kAsinh:
      return std::asinh(v);
    case FunctionId::kAtan:
      return std::atan(v);
    case FunctionId::kAtanh:
      return std::atanh(v);
    case FunctionId::kCos:
      return std::cos(v);
    case FunctionId::kCosh:
      return std::cosh(v);
    case FunctionId::kSin:
      return std::sin(v);
    case FunctionId::kSinh:
      return std::sinh(v);
    case FunctionId::kTan:
      return std::tan(v);
    case FunctionId::kTanh:
      return std::tanh(v);
    case FunctionId::kDeg:
      return v * 180 / M_PI;
    case FunctionId::kRad:
      return v * M_PI / 180;
    default:
      return v;
  }
}

// Prometheus's vectorElemBinop: the value and, for comparisons, whether the sample is kept.
std::pair<double, bool> ElemBinop(BinaryOp op, double l, double r) {
  switch (op) {
    case BinaryOp::kAdd:
      return {l + r, true};
    case BinaryOp::kSub:
      return {l - r, true};
    case BinaryOp::kMul:
      return {l * r, true};
    case BinaryOp::kDiv:
      return {l / r, true};
    case BinaryOp::kPow:
      return {std::pow(l, r), true};
    case BinaryOp::kMod:
      return {std::fmod(l, r), true};
    case BinaryOp::kEqlC:
      return {l, l == r};
    case BinaryOp::kNeq:
      return {l, l != r};
    case BinaryOp::kGtr:
      return {l, l > r};
    case BinaryOp::kLss:
      return {l, l < r};
    case BinaryOp::kGte:
      return {l, l >= r};
    case BinaryOp::kLte:
      return {l, l <= r};
    default:
      Fail(std::string("operator \"") + BinaryOpName(op) + "\" not allowed here");
  }
}

bool DropsName(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv || op == BinaryOp::kPow || op == BinaryOp::kMod;
}

// The labels a binary vector matching compares: the on(...) labels, or all but the
// ignoring(...) ones and the metric name.
Labels MatchingLabels(const Labels& labels, const VectorMatching& m) {
  Labels out;
  if (m.on) {
    for (const std::string& name : m.labels) {
      auto it = labels.find(name);
      if (it != labels.end()) out.insert(*it);
    }
  } else {
    for (const auto& kv : labels) {
      if (kv.first == "__name__") continue;
      if (std::find(m.labels.begin(), m.labels.end(), kv.first) != m.labels.end()) continue;
      out.insert(kv);
    }
  }
  return out;
}

// ---- The evaluator ----------------------------------------------------------------------------

class Evaluator {
 public:
  Evaluator(SeriesSource& source, std::vector<int64_t> steps, const EngineOptions& options)
      : source_(source), steps_(std::move(steps)), options_(options) {}

  Status Load(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kVectorSelector: {
        const auto& vs = static_cast<const VectorSelector&>(e);
        return LoadSelector(vs, options_.lookback_ms);
      }
      case Expr::Kind::kMatrixSelector: {
        const auto& ms = static_cast<const MatrixSelector&>(e);
        return LoadSelector(*ms.selector, ms.range_ms);
      }
      case Expr::Kind::kCall: {
        const auto& call = static_cast<const Call&>(e);
        if (const MatrixSelector* ms = RollupSelector(call)) return LoadRollups(*ms);
        for (const ExprPtr& arg : call.args) HW_RETURN_IF_ERROR(Load(*arg));
        return Status::Ok();
      }
      case Expr::Kind::kAggregate: {
        const auto& a = static_cast<const Aggregate&>(e);
        if (a.param) HW_RETURN_IF_ERROR(Load(*a.param));
        return Load(*a.expr);
      }
      case Expr::Kind::kBinary: {
        const auto& b = static_cast<const Binary&>(e);
        HW_RETURN_IF_ERROR(Load(*b.lhs));
        return Load(*b.rhs);
      }
      case Expr::Kind::kUnary:
        return Load(*static_cast<const Unary&>(e).expr);
      case Expr::Kind::kParen:
        return Load(*static_cast<const Paren&>(e).expr);
      default:
        return Status::Ok();
    }
  }

  const std::vector<SeriesSamples>& Data(const VectorSelector& vs) { return data_.at(&vs); }

  Value Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kNumber: {
        Value v;
        v.scalar.assign(steps_.size(), static_cast<const NumberLiteral&>(e).value);
        return v;
      }
      case Expr::Kind::kString: {
        Value v;
        v.type = ValueType::kString;
        v.str = static_cast<const StringLiteral&>(e).value;
        return v;
      }
      case Expr::Kind::kParen:
        return Eval(*static_cast<const Paren&>(e).expr);
      case Expr::Kind::kVectorSelector:
        return EvalVectorSelector(static_cast<const VectorSelector&>(e));
      case Expr::Kind::kMatrixSelector:
        Fail("a range vector can only be an argument of a function or a whole instant query");
      case Expr::Kind::kCall:
        return EvalCall(static_cast<const Call&>(e));
      case Expr::Kind::kAggregate:
        return EvalAggregate(static_cast<const Aggregate&>(e));
      case Expr::Kind::kBinary:
        return EvalBinary(static_cast<const Binary&>(e));
      case Expr::Kind::kUnary:
        return EvalUnary(static_cast<const Unary&>(e));
    }
    Fail("unknown expression");
  }

 private:
  size_t Steps() const { return steps_.size(); }

  // The call's range argument when rollups give its windows (EngineOptions::rollup_bucket_ms).
  const MatrixSelector* RollupSelector(const Call& call) const {
    const int64_t bucket = options_.rollup_bucket_ms;
    if (bucket <= 0 || call.args.size() != 1) return nullptr;
    switch (call.func->id) {
      case FunctionId::kMinOverTime:
      case FunctionId::kMaxOverTime:
      case FunctionId::kSumOverTime:
      case FunctionId::kCountOverTime:
      case FunctionId::kAvgOverTime:
      case FunctionId::kLastOverTime:
        break;
      default:
        return nullptr;
    }
    const Expr* arg = call.args[0].get();
    while (arg->kind == Expr::Kind::kParen) arg = static_cast<const Paren*>(arg)->expr.get();
    if (arg->kind != Expr::Kind::kMatrixSelector) return nullptr;
    const auto& ms = static_cast<const MatrixSelector&>(*arg);
    if (ms.range_ms < bucket || ms.range_ms % bucket != 0) return nullptr;
    for (int64_t step : steps_) {
      if ((step - ms.selector->offset_ms) % bucket != 0) return nullptr;
    }
    return &ms;
  }

  Status LoadRollups(const MatrixSelector& ms) {
    const VectorSelector& vs = *ms.selector;
    if (rollups_.count(&vs)) return Status::Ok();
    SeriesSelection selection;
    selection.matchers = vs.matchers;
    selection.start_ms = steps_.front() - vs.offset_ms - ms.range_ms;
    selection.end_ms = steps_.back() - vs.offset_ms;
    auto series = source_.SelectRollups(selection, options_.rollup_bucket_ms);
    if (!series.ok()) return series.status();
    for (const SeriesRollups& s : *series) {
      loaded_ += static_cast<int64_t>(s.samples.size() + s.buckets.size());
    }
    HW_RETURN_IF_ERROR(CheckLoaded());
    rollups_.emplace(&vs, std::move(series).value());
    return Status::Ok();
  }

  Status CheckLoaded() const {
    if (loaded_ <= options_.max_samples) return Status::Ok();
    return InvalidArgument(
        "query processing would load too many samples into memory in query execution (more "
        "than " +
        std::to_string(options_.max_samples) + "): use a shorter range or narrower selectors");
  }

  Status LoadSelector(const VectorSelector& vs, int64_t before_ms) {
    if (data_.count(&vs)) return Status::Ok();
    SeriesSelection selection;
    selection.matchers = vs.matchers;
    selection.start_ms = steps_.front() - vs.offset_ms - before_ms;
    selection.end_ms = steps_.back() - vs.offset_ms;
    auto series = source_.Select(selection);
    if (!series.ok()) return series.status();
    for (const SeriesSamples& s : *series) loaded_ += static_cast<int64_t>(s.samples.size());
    HW_RETURN_IF_ERROR(CheckLoaded());
    data_.emplace(&vs, std::move(series).value());
    return Status::Ok();
  }

  Value NewVector() const {
    Value v;
    v.type = ValueType::kVector;
    return v;
  }

  StepSeries NewSeries(LabelsPtr labels) const {
    return StepSeries{std::move(labels), std::vector<double>(Steps()),
                      std::vector<uint8_t>(Steps(), 0)};
  }

  Value EvalVectorSelector(const VectorSelector& vs) {
    Value out = NewVector();
    for (const SeriesSamples& s : Data(vs)) {
      StepSeries r = NewSeries(std::make_shared<Labels>(s.labels));
      bool any = false;
      size_t p = 0;  // first sample after the step's reference time
      for (size_t i = 0; i < Steps(); ++i) {
        const int64_t ref = steps_[i] - vs.offset_ms;
        while (p < s.samples.size() && s.samples[p].ts_ms <= ref) ++p;
        if (p == 0) continue;
        const Sample& sample = s.samples[p - 1];
        if (sample.ts_ms < ref - options_.lookback_ms) continue;
        r.v[i] = sample.value;
        r.has[i] = 1;
        any = true;
      }
      if (any) out.series.push_back(std::move(r));
    }
    return out;
  }

  std::vector<double> EvalScalar(const Expr& e) {
    Value v = Eval(e);
    return std::move(v.scalar);
  }

  Value EvalCall(const Call& call) {
    const FunctionId id = call.func->id;
    switch (id) {
      case FunctionId::kTime: {
        Value v;
        for (int64_t ts : steps_) v.scalar.push_back(static_cast<double>(ts) / 1000);
        return v;
      }
      case FunctionId::kPi: {
        Value v;
        v.scalar.assign(Steps(), M_PI);
        return v;
      }
      case FunctionId::kVector: {
        Value out = NewVector();
        StepSeries s = NewSeries(std::make_shared<Labels>());
        s.v = EvalScalar(*call.args[0]);
        s.has.assign(Steps(), 1);
        out.series.push_back(std::move(s));
        return out;
      }
      case FunctionId::kScalar: {
        Value in = Eval(*call.args[0]);
        Value out;
        out.scalar.assign(Steps(), kNaN);
        for (size_t i = 0; i < Steps(); ++i) {
          int count = 0;
          double value = kNaN;
          for (const StepSeries& s : in.series) {
            if (!s.has[i]) continue;
            ++count;
            value = s.v[i];
          }
          if (count == 1) out.scalar[i] = value;
        }
        return out;
      }
      case FunctionId::kAbsent:
        return EvalAbsent(call);
      case FunctionId::kSort:
      case FunctionId::kSortDesc:
        return Eval(*call.args[0]);  // order only matters to instant queries (EvalInstant)
      case FunctionId::kClamp:
      case FunctionId::kClampMin:
      case FunctionId::kClampMax:
      case FunctionId::kRound:
        return EvalWithScalars(call);
      default:
        break;
    }
    for (const ExprPtr& arg : call.args) {
      if (arg->type == ValueType::kMatrix) return EvalRangeFunction(call);
    }
    // Element-wise math on an instant vector.
    Value in = Eval(*call.args[0]);
    SeriesCollector out(Steps());
    for (StepSeries& s : in.series) {
      const int index = out.IndexFor(DropName(s.labels));
      for (size_t i = 0; i < Steps(); ++i) {
        if (s.has[i]) out.Set(index, i, MapValue(id, s.v[i]));
      }
    }
    Value result = NewVector();
    result.series = out.Take();
    return result;
  }

  Value EvalWithScalars(const Call& call) {
    Value in = Eval(*call.args[0]);
    std::vector<std::vector<double>> params;
    for (size_t a = 1; a < call.args.size(); ++a) params.push_back(EvalScalar(*call.args[a]));
    SeriesCollector out(Steps());
    for (StepSeries& s : in.series) {
      const int index = out.IndexFor(DropName(s.labels));
      for (size_t i = 0; i < Steps(); ++i) {
        if (!s.has[i]) continue;
        const double v = s.v[i];
        double r = v;
        switch (call.func->id) {
          case FunctionId::kClamp:
            if (params[1][i] < params[0][i]) continue;  // max < min: no result
            r = GoMax(params[0][i], GoMin(params[1][i], v));
            break;
          case FunctionId::kClampMin:
            r = GoMax(params[0][i], v);
            break;
          case FunctionId::kClampMax:
            r = GoMin(params[0][i], v);
            break;
          default: {  // round
            const double to_nearest = params.empty() ? 1 : params[0][i];
            const double inverse = 1.0 / to_nearest;
            r = std::floor(v * inverse + 0.5) / inverse;
            break;
          }
        }
        out.Set(index, i, r);
      }
    }
    Value result = NewVector();
    result.series = out.Take();
    return result;
  }

  // The labels absent() gives its 1: the equality matchers of a selector argument.
  static Labels AbsentLabels(const Expr& arg) {
    const VectorSelector* vs = nullptr;
    if (arg.kind == Expr::Kind::kVectorSelector) {
      vs = static_cast<const VectorSelector*>(&arg);
    } else if (arg.kind == Expr::Kind::kMatrixSelector) {
      vs = static_cast<const MatrixSelector&>(arg).selector.get();
    }
    Labels labels;
    if (vs == nullptr) return labels;
    std::set<std::string> seen;
    for (const LabelMatcher& m : vs->matchers) {
      if (m.name == "__name__") continue;
      if (m.op == LabelMatcher::Op::kEq && !seen.count(m.name)) {
        labels[m.name] = m.value;
        seen.insert(m.name);
      } else {
        labels.erase(m.name);
      }
    }
    return labels;
  }

  Value EvalAbsent(const Call& call) {
    Value in = Eval(*call.args[0]);
    StepSeries s = NewSeries(std::make_shared<Labels>(AbsentLabels(*call.args[0])));
    for (size_t i = 0; i < Steps(); ++i) {
      bool present = false;
      for (const StepSeries& x : in.series) present = present || x.has[i];
      if (!present) {
        s.has[i] = 1;
        s.v[i] = 1;
      }
    }
    Value out = NewVector();
    if (std::find(s.has.begin(), s.has.end(), 1) != s.has.end()) out.series.push_back(std::move(s));
    return out;
  }

  Value EvalRangeFunction(const Call& call) {
    const FunctionId id = call.func->id;
    size_t matrix_arg = 0;
    while (call.args[matrix_arg]->type != ValueType::kMatrix) ++matrix_arg;
    const Expr* arg = call.args[matrix_arg].get();
    while (arg->kind == Expr::Kind::kParen) arg = static_cast<const Paren*>(arg)->expr.get();
    if (arg->kind != Expr::Kind::kMatrixSelector) Fail("subqueries are not supported by hivewatch");
    const auto& ms = static_cast<const MatrixSelector&>(*arg);
    const int64_t offset = ms.selector->offset_ms;
    std::vector<double> param;
    for (size_t a = 0; a < call.args.size(); ++a) {
      if (a != matrix_arg) param = EvalScalar(*call.args[a]);
    }
    if (auto it = rollups_.find(ms.selector.get()); it != rollups_.end()) {
      return EvalOverRollups(id, ms, it->second);
    }
    const double range_seconds = static_cast<double>(ms.range_ms) / 1000;
    const std::vector<SeriesSamples>& data = Data(*ms.selector);

    Value out = NewVector();
    if (id == FunctionId::kAbsentOverTime) {
      StepSeries s = NewSeries(std::make_shared<Labels>(AbsentLabels(ms)));
      std::vector<size_t> lo(data.size(), 0);
      for (size_t i = 0; i < Steps(); ++i) {
        const int64_t ref = steps_[i] - offset;
        bool present = false;
        for (size_t k = 0; k < data.size(); ++k) {
          const auto& samples = data[k].samples;
          while (lo[k] < samples.size() && samples[lo[k]].ts_ms < ref - ms.range_ms) ++lo[k];
          present = present || (lo[k] < samples.size() && samples[lo[k]].ts_ms <= ref);
        }
        if (!present) {
          s.has[i] = 1;
          s.v[i] = 1;
        }
      }
      if (std::find(s.has.begin(), s.has.end(), 1) != s.has.end()) {
        out.series.push_back(std::move(s));
      }
      return out;
    }

    for (const SeriesSamples& series : data) {
      auto labels = std::make_shared<const Labels>(series.labels);
      StepSeries r = NewSeries(id == FunctionId::kLastOverTime ? labels : DropName(labels));
      const std::vector<Sample>& samples = series.samples;
      size_t lo = 0, hi = 0;
      bool any = false;
      for (size_t i = 0; i < Steps(); ++i) {
        // Prometheus 2.42 windows are closed at both ends: [ref - range, ref].
        const int64_t ref = steps_[i] - offset;
        const int64_t mint = ref - ms.range_ms;
        while (lo < samples.size() && samples[lo].ts_ms < mint) ++lo;
        if (hi < lo) hi = lo;
        while (hi < samples.size() && samples[hi].ts_ms <= ref) ++hi;
        if (hi == lo) continue;
        const Window w{samples.data() + lo, hi - lo};
        std::optional<double> value;
        switch (id) {
          case FunctionId::kRate:
            value = ExtrapolatedRate(w, mint, ref, range_seconds, true, true);
            break;
          case FunctionId::kIncrease:
            value = ExtrapolatedRate(w, mint, ref, range_seconds, true, false);
            break;
          case FunctionId::kDelta:
            value = ExtrapolatedRate(w, mint, ref, range_seconds, false, false);
            break;
          case FunctionId::kIrate:
            value = InstantValue(w, true);
            break;
          case FunctionId::kIdelta:
            value = InstantValue(w, false);
            break;
          case FunctionId::kDeriv:
            if (w.n >= 2) value = LinearRegression(w, w[0].ts_ms).first;
            break;
          case FunctionId::kPredictLinear:
            if (w.n >= 2) {
              const auto [slope, intercept] = LinearRegression(w, steps_[i]);
              value = slope * param[i] + intercept;
            }
            break;
          default:
            value = OverTime(id, w, param.empty() ? 0 : param[i]);
            break;
        }
        if (!value) continue;
        r.v[i] = *value;
        r.has[i] = 1;
        any = true;
      }
      if (any) out.series.push_back(std::move(r));
    }
    CheckUniqueLabels(out.series);
    return out;
  }

  // A *_over_time function (RollupSelector) from whole buckets and raw samples. The window
  // [ref - range, ref] is the buckets starting in [ref - range, ref), the raw samples in it, and
  // the bucket starting at ref's first sample when it lies at ref.
  Value EvalOverRollups(FunctionId id, const MatrixSelector& ms,
                        const std::vector<SeriesRollups>& data) {
    Value out = NewVector();
    for (const SeriesRollups& series : data) {
      auto labels = std::make_shared<const Labels>(series.labels);
      StepSeries r = NewSeries(id == FunctionId::kLastOverTime ? labels : DropName(labels));
      const std::vector<RollupBucket>& buckets = series.buckets;
      const std::vector<Sample>& samples = series.samples;
      size_t blo = 0, bhi = 0, lo = 0, hi = 0;
      bool any = false;
      for (size_t i = 0; i < Steps(); ++i) {
        const int64_t ref = steps_[i] - ms.selector->offset_ms;
        const int64_t mint = ref - ms.range_ms;
        while (blo < buckets.size() && buckets[blo].start_ms < mint) ++blo;
        if (bhi < blo) bhi = blo;
        while (bhi < buckets.size() && buckets[bhi].start_ms < ref) ++bhi;
        while (lo < samples.size() && samples[lo].ts_ms < mint) ++lo;
        if (hi < lo) hi = lo;
        while (hi < samples.size() && samples[hi].ts_ms <= ref) ++hi;
        RollupAccumulator acc;
        for (size_t b = blo; b < bhi; ++b) acc.Add(buckets[b]);
        for (size_t k = lo; k < hi; ++k) acc.Add(samples[k]);
        if (bhi < buckets.size() && buckets[bhi].start_ms == ref &&
            buckets[bhi].first.ts_ms == ref) {
          acc.Add(buckets[bhi].first);
        }
        if (acc.count() == 0) continue;
        double value = 0;
        switch (id) {
          case FunctionId::kMinOverTime:
            value = acc.min();
            break;
          case FunctionId::kMaxOverTime:
            value = acc.max();
            break;
          case FunctionId::kSumOverTime:
            value = acc.sum();
            break;
          case FunctionId::kCountOverTime:
            value = static_cast<double>(acc.count());
            break;
          case FunctionId::kAvgOverTime:
            value = acc.sum() / static_cast<double>(acc.count());
            break;
          default:  // kLastOverTime
            value = acc.last().value;
            break;
        }
        r.v[i] = value;
        r.has[i] = 1;
        any = true;
      }
      if (any) out.series.push_back(std::move(r));
    }
    CheckUniqueLabels(out.series);
    return out;
  }

  Value EvalAggregate(const Aggregate& a) {
    Value in = Eval(*a.expr);
    std::vector<double> param;
    if (a.param) param = EvalScalar(*a.param);

    // Group of each input series, computed once.
    std::vector<size_t> group_of(in.series.size());
    std::vector<LabelsPtr> group_labels;
    std::unordered_map<std::string, size_t> groups;
    for (size_t k = 0; k < in.series.size(); ++k) {
      const Labels& labels = *in.series[k].labels;
      Labels g;
      if (a.without) {
        for (const auto& kv : labels) {
          if (kv.first == "__name__") continue;
          if (std::find(a.grouping.begin(), a.grouping.end(), kv.first) != a.grouping.end()) {
            continue;
          }
          g.insert(kv);
        }
      } else {
        for (const std::string& name : a.grouping) {
          auto it = labels.find(name);
          if (it != labels.end()) g.insert(*it);
        }
      }
      auto [it, inserted] = groups.try_emplace(LabelsKey(g), group_labels.size());
      if (inserted) group_labels.push_back(std::make_shared<Labels>(std::move(g)));
      group_of[k] = it->second;
    }
    const size_t group_count = group_labels.size();
    Value out = NewVector();

    if (a.op == AggregateOp::kTopk || a.op == AggregateOp::kBottomk) {
      std::vector<StepSeries> picked;
      for (const StepSeries& s : in.series) picked.push_back(NewSeries(s.labels));
      std::vector<std::vector<size_t>> members(group_count);
      for (size_t i = 0; i < Steps(); ++i) {
        if (std::isnan(param[i])) Fail("Parameter value is NaN");
        const double kf = param[i];
        if (kf < 1) continue;
        const size_t k = kf >= 9.2e18 ? SIZE_MAX : static_cast<size_t>(kf);
        for (auto& m : members) m.clear();
        for (size_t s = 0; s < in.series.size(); ++s) {
          if (in.series[s].has[i]) members[group_of[s]].push_back(s);
        }
        const bool top = a.op == AggregateOp::kTopk;
        for (auto& m : members) {
          // NaN counts as the smallest value either way.
          std::stable_sort(m.begin(), m.end(), [&](size_t x, size_t y) {
            const double vx = in.series[x].v[i], vy = in.series[y].v[i];
            if (std::isnan(vx) || std::isnan(vy)) return !std::isnan(vx) && std::isnan(vy);
            return top ? vx > vy : vx < vy;
          });
          for (size_t j = 0; j < m.size() && j < k; ++j) {
            picked[m[j]].has[i] = 1;
            picked[m[j]].v[i] = in.series[m[j]].v[i];
          }
        }
      }
      for (StepSeries& s : picked) {
        if (std::find(s.has.begin(), s.has.end(), 1) != s.has.end()) {
          out.series.push_back(std::move(s));
        }
      }
      return out;
    }

    std::vector<StepSeries> result;
    for (const LabelsPtr& g : group_labels) result.push_back(NewSeries(g));
    std::vector<double> value(group_count), mean(group_count), count(group_count);
    std::vector<std::vector<double>> values(a.op == AggregateOp::kQuantile ? group_count : 0);
    for (size_t i = 0; i < Steps(); ++i) {
      std::fill(count.begin(), count.end(), 0);
      for (auto& v : values) v.clear();
      for (size_t s = 0; s < in.series.size(); ++s) {
        if (!in.series[s].has[i]) continue;
        const size_t g = group_of[s];
        const double v = in.series[s].v[i];
        const bool first = count[g] == 0;
        count[g] += 1;
        switch (a.op) {
          case AggregateOp::kSum:
            value[g] = first ? v : value[g] + v;
            break;
          case AggregateOp::kAvg:
            if (first) {
              mean[g] = v;
              break;
            }
            if (std::isinf(mean[g])) {
              if (std::isinf(v) && (mean[g] > 0) == (v > 0)) break;
              if (!std::isinf(v) && !std::isnan(v)) break;
            }
            mean[g] += v / count[g] - mean[g] / count[g];
            break;
          case AggregateOp::kMin:
            if (first || value[g] > v || std::isnan(value[g])) value[g] = v;
            break;
          case AggregateOp::kMax:
            if (first || value[g] < v || std::isnan(value[g])) value[g] = v;
            break;
          case AggregateOp::kStddev:
          case AggregateOp::kStdvar: {
            if (first) {
              mean[g] = v;
              value[g] = 0;
              break;
            }
            const double delta = v - mean[g];
            mean[g] += delta / count[g];
            value[g] += delta * (v - mean[g]);
            break;
          }
          case AggregateOp::kQuantile:
            values[g].push_back(v);
            break;
          default:  // count, group
            break;
        }
      }
      for (size_t g = 0; g < group_count; ++g) {
        if (count[g] == 0) continue;
        double r = value[g];
        switch (a.op) {
          case AggregateOp::kAvg:
            r = mean[g];
            break;
          case AggregateOp::kCount:
            r = count[g];
            break;
          case AggregateOp::kGroup:
            r = 1;
            break;
          case AggregateOp::kStdvar:
            r = value[g] / count[g];
            break;
          case AggregateOp::kStddev:
            r = std::sqrt(value[g] / count[g]);
            break;
          case AggregateOp::kQuantile:
            r = Quantile(param[i], values[g]);
            break;
          default:
            break;
        }
        result[g].has[i] = 1;
        result[g].v[i] = r;
      }
    }
    for (StepSeries& s : result) {
      if (std::find(s.has.begin(), s.has.end(), 1) != s.has.end()) {
        out.series.push_back(std::move(s));
      }
    }
    return out;
  }

  Value EvalUnary(const Unary& u) {
    Value v = Eval(*u.expr);
    if (!u.negate) return v;
    if (v.type == ValueType::kScalar) {
      for (double& x : v.scalar) x = -x;
      return v;
    }
    for (StepSeries& s : v.series) {
      s.labels = DropName(s.labels);
      for (double& x : s.v) x = -x;
    }
    CheckUniqueLabels(v.series);
    return v;
  }

  Value EvalBinary(const Binary& b) {
    Value lhs = Eval(*b.lhs);
    Value rhs = Eval(*b.rhs);
    if (lhs.type == ValueType::kScalar && rhs.type == ValueType::kScalar) {
      Value out;
      out.scalar.resize(Steps());
      for (size_t i = 0; i < Steps(); ++i) {
        auto [value, keep] = ElemBinop(b.op, lhs.scalar[i], rhs.scalar[i]);
        out.scalar[i] = IsComparison(b.op) ? (keep ? 1 : 0) : value;
      }
      return out;
    }
    if (lhs.type == ValueType::kScalar || rhs.type == ValueType::kScalar) {
      const bool swap = lhs.type == ValueType::kScalar;
      Value& vec = swap ? rhs : lhs;
      const std::vector<double>& scalar = swap ? lhs.scalar : rhs.scalar;
      SeriesCollector out(Steps());
      for (StepSeries& s : vec.series) {
        const bool drop = DropsName(b.op) || b.return_bool;
        int index = -1;
        for (size_t i = 0; i < Steps(); ++i) {
          if (!s.has[i]) continue;
          double l = s.v[i], r = scalar[i];
          if (swap) std::swap(l, r);
          auto [value, keep] = ElemBinop(b.op, l, r);
          // A comparison keeps the vector's value even when the scalar is on the left.
          if (IsComparison(b.op) && swap) value = r;
          if (b.return_bool) {
            value = keep ? 1 : 0;
            keep = true;
          }
          if (!keep) continue;
          if (index < 0) index = out.IndexFor(drop ? DropName(s.labels) : s.labels);
          out.Set(index, i, value);
        }
      }
      Value result = NewVector();
      result.series = out.Take();
      return result;
    }
    if (IsSetOperator(b.op)) return EvalSetOperator(b, lhs, rhs);
    return EvalVectorBinary(b, lhs, rhs);
  }

  // Signature ids of the series of both sides under the matching (equal ids: same group).
  static void Signatures(const VectorMatching& m, const Value& lhs, const Value& rhs,
                         std::vector<int>* lsig, std::vector<int>* rsig, size_t* count) {
    std::unordered_map<std::string, int> ids;
    auto id_of = [&](const Labels& labels) {
      auto [it, inserted] =
          ids.try_emplace(LabelsKey(MatchingLabels(labels, m)), static_cast<int>(ids.size()));
      return it->second;
    };
    for (const StepSeries& s : lhs.series) lsig->push_back(id_of(*s.labels));
    for (const StepSeries& s : rhs.series) rsig->push_back(id_of(*s.labels));
    *count = ids.size();
  }

  Value EvalSetOperator(const Binary& b, const Value& lhs, const Value& rhs) {
    std::vector<int> lsig, rsig;
    size_t sig_count = 0;
    Signatures(b.matching, lhs, rhs, &lsig, &rsig, &sig_count);
    SeriesCollector out(Steps());
    std::vector<int> lindex(lhs.series.size(), -1), rindex(rhs.series.size(), -1);
    std::vector<uint8_t> in_rhs(sig_count), in_lhs(sig_count);
    for (size_t i = 0; i < Steps(); ++i) {
      std::fill(in_rhs.begin(), in_rhs.end(), 0);
      std::fill(in_lhs.begin(), in_lhs.end(), 0);
      for (size_t r = 0; r < rhs.series.size(); ++r) {
        if (rhs.series[r].has[i]) in_rhs[static_cast<size_t>(rsig[r])] = 1;
      }
      for (size_t l = 0; l < lhs.series.size(); ++l) {
        if (!lhs.series[l].has[i]) continue;
        const bool matched = in_rhs[static_cast<size_t>(lsig[l])];
        in_lhs[static_cast<size_t>(lsig[l])] = 1;
        if (b.op == BinaryOp::kAnd && !matched) continue;
        if (b.op == BinaryOp::kUnless && matched) continue;
        if (lindex[l] < 0) lindex[l] = out.IndexFor(lhs.series[l].labels);
        out.Set(lindex[l], i, lhs.series[l].v[i]);
      }
      if (b.op != BinaryOp::kOr) continue;
      for (size_t r = 0; r < rhs.series.size(); ++r) {
        if (!rhs.series[r].has[i] || in_lhs[static_cast<size_t>(rsig[r])]) continue;
        if (rindex[r] < 0) rindex[r] = out.IndexFor(rhs.series[r].labels);
        out.Set(rindex[r], i, rhs.series[r].v[i]);
      }
    }
    Value result = NewVector();
    result.series = out.Take();
    return result;
  }

  LabelsPtr ResultLabels(const Binary& b, const Labels& lhs, const Labels& rhs) {
    auto out = std::make_shared<Labels>(lhs);
    if (DropsName(b.op) || b.return_bool) out->erase("__name__");
    const VectorMatching& m = b.matching;
    if (m.card == VectorMatching::Card::kOneToOne) {
      if (m.on) {
        for (auto it = out->begin(); it != out->end();) {
          if (std::find(m.labels.begin(), m.labels.end(), it->first) == m.labels.end()) {
            it = out->erase(it);
          } else {
            ++it;
          }
        }
      } else {
        for (const std::string& name : m.labels) out->erase(name);
      }
    }
    for (const std::string& name : m.include) {
      auto it = rhs.find(name);
      if (it != rhs.end() && !it->second.empty()) {
        (*out)[name] = it->second;
      } else {
        out->erase(name);
      }
    }
    return out;
  }

  Value EvalVectorBinary(const Binary& b, Value& lhs_in, Value& rhs_in) {
    const VectorMatching& m = b.matching;
    const bool one_to_many = m.card == VectorMatching::Card::kOneToMany;
    // group_right: the right side is the "many" side; swap so the "one" side is on the right.
    Value& lhs = one_to_many ? rhs_in : lhs_in;
    Value& rhs = one_to_many ? lhs_in : rhs_in;
    std::vector<int> lsig, rsig;
    size_t sig_count = 0;
    Signatures(m, lhs, rhs, &lsig, &rsig, &sig_count);

    SeriesCollector out(Steps());
    std::unordered_map<uint64_t, int> pair_index;  // (lhs, rhs) series → output series
    std::vector<int> right_of(sig_count);
    std::vector<uint8_t> matched(sig_count);
    std::unordered_map<int, std::unordered_set<int>> inserted;  // sig → output series
    for (size_t i = 0; i < Steps(); ++i) {
      std::fill(right_of.begin(), right_of.end(), -1);
      std::fill(matched.begin(), matched.end(), 0);
      inserted.clear();
      for (size_t r = 0; r < rhs.series.size(); ++r) {
        if (!rhs.series[r].has[i]) continue;
        int& slot = right_of[static_cast<size_t>(rsig[r])];
        if (slot >= 0) {
          const Labels group = MatchingLabels(*rhs.series[r].labels, m);
          Fail("found duplicate series for the match group " + LabelsString(group) + " on the " +
               (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
               LabelsString(*rhs.series[r].labels) + ", " +
               LabelsString(*rhs.series[static_cast<size_t>(slot)].labels) +
               "];many-to-many matching not allowed: matching labels must be unique on one side");
        }
        slot = static_cast<int>(r);
      }
      for (size_t l = 0; l < lhs.series.size(); ++l) {
        if (!lhs.series[l].has[i]) continue;
        const int sig = lsig[l];
        const int r = right_of[static_cast<size_t>(sig)];
        if (r < 0) continue;
        double vl = lhs.series[l].v[i];
        double vr = rhs.series[static_cast<size_t>(r)].v[i];
        if (one_to_many) std::swap(vl, vr);
        auto [value, keep] = ElemBinop(b.op, vl, vr);
        if (b.return_bool) {
          value = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        const uint64_t key = (static_cast<uint64_t>(l) << 32) | static_cast<uint32_t>(r);
        auto it = pair_index.find(key);
        if (it == pair_index.end()) {
          it = pair_index
                   .emplace(key,
                            out.IndexFor(ResultLabels(b, *lhs.series[l].labels,
                                                      *rhs.series[static_cast<size_t>(r)].labels)))
                   .first;
        }
        if (m.card == VectorMatching::Card::kOneToOne) {
          if (matched[static_cast<size_t>(sig)]) {
            Fail(
                "multiple matches for labels: many-to-one matching must be explicit "
                "(group_left/group_right)");
          }
          matched[static_cast<size_t>(sig)] = 1;
        } else if (!inserted[sig].insert(it->second).second) {
          Fail(
              "multiple matches for matching labels in many-to-one matching. Matching labels "
              "must be unique on one side");
        }
        out.Set(it->second, i, value);
      }
    }
    Value result = NewVector();
    result.series = out.Take();
    return result;
  }

  SeriesSource& source_;
  const std::vector<int64_t> steps_;
  const EngineOptions options_;
  std::unordered_map<const VectorSelector*, std::vector<SeriesSamples>> data_;
  std::unordered_map<const VectorSelector*, std::vector<SeriesRollups>> rollups_;
  int64_t loaded_ = 0;  // samples read so far
};

const Expr& Unparen(const Expr& e) {
  const Expr* p = &e;
  while (p->kind == Expr::Kind::kParen) p = static_cast<const Paren*>(p)->expr.get();
  return *p;
}

void SortByLabels(std::vector<ResultSeries>* series) {
  std::sort(series->begin(), series->end(),
            [](const ResultSeries& a, const ResultSeries& b) { return a.labels < b.labels; });
}

}  // namespace

Result<QueryResult> EvalRange(const Expr& expr, SeriesSource& source, int64_t start_ms,
                              int64_t end_ms, int64_t step_ms, const EngineOptions& options) {
  if (expr.type != ValueType::kScalar && expr.type != ValueType::kVector) {
    return InvalidArgument(std::string("invalid expression type \"") + ValueTypeName(expr.type) +
                           "\" for range query, must be Scalar or instant Vector");
  }
  if (step_ms <= 0)
    return InvalidArgument("zero or negative query resolution step widths are not accepted");
  if (end_ms < start_ms) return InvalidArgument("end timestamp must not be before start time");
  std::vector<int64_t> steps;
  for (int64_t ts = start_ms; ts <= end_ms; ts += step_ms) steps.push_back(ts);
  try {
    Evaluator ev(source, steps, options);
    HW_RETURN_IF_ERROR(ev.Load(expr));
    Value v = ev.Eval(expr);
    QueryResult result;
    result.type = ValueType::kMatrix;
    if (v.type == ValueType::kScalar) {
      ResultSeries s;
      for (size_t i = 0; i < steps.size(); ++i) s.points.push_back({steps[i], v.scalar[i]});
      result.series.push_back(std::move(s));
      return result;
    }
    for (StepSeries& s : v.series) {
      ResultSeries r;
      r.labels = *s.labels;
      for (size_t i = 0; i < steps.size(); ++i) {
        if (s.has[i]) r.points.push_back({steps[i], s.v[i]});
      }
      if (!r.points.empty()) result.series.push_back(std::move(r));
    }
    SortByLabels(&result.series);
    return result;
  } catch (const EvalError& e) {
    return e.status;
  }
}

Result<QueryResult> EvalInstant(const Expr& expr, SeriesSource& source, int64_t ts_ms,
                                const EngineOptions& options) {
  try {
    Evaluator ev(source, {ts_ms}, options);
    HW_RETURN_IF_ERROR(ev.Load(expr));
    QueryResult result;
    result.type = expr.type;
    result.scalar.ts_ms = ts_ms;
    const Expr& root = Unparen(expr);
    switch (expr.type) {
      case ValueType::kString:
        result.string_value = ev.Eval(expr).str;
        return result;
      case ValueType::kScalar:
        result.scalar.value = ev.Eval(expr).scalar[0];
        return result;
      case ValueType::kMatrix: {
        if (root.kind != Expr::Kind::kMatrixSelector) {
          return InvalidArgument("subqueries are not supported by hivewatch");
        }
        const auto& ms = static_cast<const MatrixSelector&>(root);
        const int64_t ref = ts_ms - ms.selector->offset_ms;
        for (const SeriesSamples& s : ev.Data(*ms.selector)) {
          ResultSeries r;
          r.labels = s.labels;
          for (const Sample& sample : s.samples) {
            if (sample.ts_ms >= ref - ms.range_ms && sample.ts_ms <= ref) {
              r.points.push_back({sample.ts_ms, sample.value});
            }
          }
          if (!r.points.empty()) result.series.push_back(std::move(r));
        }
        SortByLabels(&result.series);
        return result;
      }
      case ValueType::kVector: {
        Value v = ev.Eval(expr);
        for (StepSeries& s : v.series) {
          if (s.has[0]) result.series.push_back(ResultSeries{*s.labels, {{ts_ms, s.v[0]}}});
        }
        SortByLabels(&result.series);
        if (root.kind == Expr::Kind::kCall) {
          const FunctionId id = static_cast<const Call&>(root).func->id;
          if (id == FunctionId::kSort || id == FunctionId::kSortDesc) {
            const bool desc = id == FunctionId::kSortDesc;
            std::stable_sort(result.series.begin(), result.series.end(),
                             [desc](const ResultSeries& a, const ResultSeries& b) {
                               const double x = a.points[0].value, y = b.points[0].value;
                               if (std::isnan(x) || std::isnan(y)) {
                                 return std::isnan(x) && !std::isnan(y);
                               }
                               return desc ? x > y : x < y;
                             });
          }
        }
        return result;
      }
    }
    return result;
  } catch (const EvalError& e) {
    return e.status;
  }
}

}  // namespace hivewatch::promql
