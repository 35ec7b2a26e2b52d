// The PromQL evaluator on in-memory series: selection windows, Prometheus's rate arithmetic,
// aggregation, vector matching and the errors it reports. (tests/integration/promql_test.cc
// compares whole queries with a real Prometheus.)

#include "collector/query/promql/engine.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "collector/query/promql/parser.h"

namespace hivewatch::promql {
namespace {

constexpr int64_t T0 = 1700000000000;  // a whole minute
constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

std::string Key(const Labels& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) out += (out.size() > 1 ? "," : "") + k + "=" + v;
  return out + "}";
}

using Points = std::vector<std::pair<int64_t, double>>;  // (seconds after T0, value)
using Matrix = std::map<std::string, Points>;

// `values[i]` at T0 + i * step_s seconds.
std::vector<Sample> Every(int64_t step_s, std::vector<double> values, int64_t first_s = 0) {
  std::vector<Sample> samples;
  for (size_t i = 0; i < values.size(); ++i) {
    samples.push_back({T0 + (first_s + static_cast<int64_t>(i) * step_s) * kSec, values[i]});
  }
  return samples;
}

Matrix ToMatrix(const QueryResult& r) {
  Matrix m;
  for (const ResultSeries& s : r.series) {
    Points& p = m[Key(s.labels)];
    for (const Point& pt : s.points) p.push_back({(pt.ts_ms - T0) / kSec, pt.value});
  }
  return m;
}

Result<QueryResult> RunRange(SeriesSource& source, const std::string& q, int64_t start_s,
                             int64_t end_s, int64_t step_s) {
  auto expr = ParseExpr(q);
  if (!expr.ok()) FAIL(q << ": " << expr.status().message());
  return EvalRange(**expr, source, T0 + start_s * kSec, T0 + end_s * kSec, step_s * kSec);
}

Matrix Range(SeriesSource& source, const std::string& q, int64_t start_s, int64_t end_s,
             int64_t step_s) {
  auto result = RunRange(source, q, start_s, end_s, step_s);
  if (!result.ok()) FAIL(q << ": " << result.status().message());
  return ToMatrix(*result);
}

// One instant: label set → value.
std::map<std::string, double> At(SeriesSource& source, const std::string& q, int64_t at_s) {
  auto expr = ParseExpr(q);
  if (!expr.ok()) FAIL(q << ": " << expr.status().message());
  auto result = EvalInstant(**expr, source, T0 + at_s * kSec);
  if (!result.ok()) FAIL(q << ": " << result.status().message());
  std::map<std::string, double> out;
  if (result->type == ValueType::kScalar) {
    out["scalar"] = result->scalar.value;
    return out;
  }
  REQUIRE(result->type == ValueType::kVector);
  for (const ResultSeries& s : result->series) out[Key(s.labels)] = s.points.at(0).value;
  return out;
}

std::string ErrorOf(SeriesSource& source, const std::string& q, int64_t at_s = 60) {
  auto result = RunRange(source, q, at_s, at_s, 1);
  if (result.ok()) return "(ok)";
  return result.status().message();
}

double Scalar(const std::string& q) {
  MemorySeriesSource none;
  return At(none, q, 0).at("scalar");
}

TEST_CASE("scalar arithmetic follows Prometheus's precedence", "[promql][engine]") {
  CHECK(Scalar("1 + 2 * 3") == 7);
  CHECK(Scalar("(1 + 2) * 3") == 9);
  CHECK(Scalar("2 ^ 3 ^ 2") == 512);  // right-associative
  CHECK(Scalar("-2 ^ 2") == -4);      // ^ binds tighter than unary minus
  CHECK(Scalar("2 ^ -1") == 0.5);
  CHECK(Scalar("7 % 4 - 10 / 4") == 3 - 2.5);
  CHECK(Scalar("-7 % 4") == -3);
  CHECK(Scalar("1 < bool 2") == 1);
  CHECK(Scalar("1 == bool 2") == 0);
  CHECK(Scalar("time()") == static_cast<double>(T0) / 1000);
  CHECK(std::isinf(Scalar("1 / 0")));
  CHECK(std::isnan(Scalar("0 / 0")));
  CHECK(Scalar("1 + 2 > bool 2") == 1);  // comparisons bind looser than +
}

TEST_CASE("an instant selector takes the newest sample within five minutes", "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "g"}}, {{T0, 1}, {T0 + 30 * kSec, 2}});
  CHECK(At(src, "g", -1).empty());
  CHECK(At(src, "g", 0) == std::map<std::string, double>{{"{__name__=g}", 1}});
  CHECK(At(src, "g", 29).at("{__name__=g}") == 1);
  CHECK(At(src, "g", 30).at("{__name__=g}") == 2);
  CHECK(At(src, "g", 330).at("{__name__=g}") == 2);  // exactly 5 minutes old: still there
  CHECK(At(src, "g", 331).empty());
  CHECK(At(src, "g offset 1m", 89).at("{__name__=g}") == 1);
  CHECK(At(src, "g offset 1m", 90).at("{__name__=g}") == 2);
  // Over a range: one value per step, the series disappearing after the lookback.
  CHECK(Range(src, "g", 0, 600, 150) == Matrix{{"{__name__=g}", {{0, 1}, {150, 2}, {300, 2}}}});
}

TEST_CASE("rate, increase and irate follow Prometheus's extrapolation", "[promql][engine]") {
  MemorySeriesSource src;
  // Aligned with the window: 0, 10, ..., 60 at 0 s .. 60 s.
  src.Add({{"__name__", "a"}}, Every(10, {0, 10, 20, 30, 40, 50, 60}));
  // Offset by 5 s: 5, 15, .., 55 at 5 s .. 55 s: extrapolated 5 s to each edge.
  src.Add({{"__name__", "b"}}, Every(10, {105, 115, 125, 135, 145, 155}, 5));
  // A counter reset: 0, 10, 20, then 5, 15.
  src.Add({{"__name__", "c"}}, Every(10, {0, 10, 20, 5, 15}, 20));
  // A counter starting near zero: extrapolation stops at the zero point.
  src.Add({{"__name__", "d"}}, Every(10, {2, 12, 22}, 35));

  CHECK(At(src, "rate(a[1m])", 60).at("{}") == Approx(1.0));
  CHECK(At(src, "increase(a[1m])", 60).at("{}") == Approx(60));
  // b: 50 over 50 s, 5 s to each edge (< 1.1 × 10 s): extrapolated to 60 s.
  CHECK(At(src, "increase(b[1m])", 60).at("{}") == Approx(60));
  CHECK(At(src, "rate(b[1m])", 60).at("{}") == Approx(1.0));
  // c over [0, 60]: samples at 20..60 s; increase 15 + 20 (the reset) = 35 over 40 s. The
  // counter started at 0 at its first sample, so there is nothing to extrapolate before it.
  CHECK(At(src, "increase(c[1m])", 60).at("{}") == Approx(35.0));
  // delta() is not a counter function: the start is 20 s away (> 1.1 × 10 s), so it is
  // extrapolated by half an interval (5 s) only.
  CHECK(At(src, "delta(c[1m])", 60).at("{}") == Approx(15.0 * 45 / 40));
  // d over [0, 60]: 20 over 20 s; zero point 2 s before the first sample (< 35 s to the start).
  CHECK(At(src, "increase(d[1m])", 60).at("{}") == Approx(20.0 * (20 + 2 + 5) / 20));
  // irate: the last two samples; a reset counts the new value.
  CHECK(At(src, "irate(c[1m])", 60).at("{}") == Approx(1.0));
  CHECK(At(src, "irate(c[1m])", 50).at("{}") == Approx(0.5));
  CHECK(At(src, "idelta(c[1m])", 50).at("{}") == Approx(-15));
  // Fewer than two samples: no result.
  CHECK(At(src, "rate(d[10s])", 36).empty());
  CHECK(At(src, "resets(c[1m])", 60).at("{}") == 1);
  CHECK(At(src, "changes(c[1m])", 60).at("{}") == 4);
  CHECK(At(src, "deriv(a[1m])", 60).at("{}") == Approx(1.0));
  CHECK(At(src, "predict_linear(a[1m], 60)", 60).at("{}") == Approx(120));
}

TEST_CASE("range windows are closed at both ends", "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "x"}}, Every(10, {1, 2, 3, 4, 5, 6, 7}));  // 0 .. 60 s
  CHECK(At(src, "count_over_time(x[1m])", 60).at("{}") == 7);
  CHECK(At(src, "count_over_time(x[1m])", 61).at("{}") == 6);
  CHECK(At(src, "count_over_time(x[1m] offset 10s)", 70).at("{}") == 7);
  CHECK(At(src, "sum_over_time(x[30s])", 60).at("{}") == 4 + 5 + 6 + 7);
  CHECK(At(src, "avg_over_time(x[30s])", 60).at("{}") == 5.5);
  CHECK(At(src, "min_over_time(x[30s])", 60).at("{}") == 4);
  CHECK(At(src, "max_over_time(x[30s])", 60).at("{}") == 7);
  CHECK(At(src, "last_over_time(x[30s])", 55) ==
        std::map<std::string, double>{{"{__name__=x}", 6}});  // keeps the name
  CHECK(At(src, "quantile_over_time(0.5, x[30s])", 60).at("{}") == 5.5);
  CHECK(At(src, "stdvar_over_time(x[10s])", 60).at("{}") == 0.25);
  CHECK(At(src, "present_over_time(x[1s])", 75).empty());
  CHECK(At(src, "absent_over_time(x{a=\"b\"}[1s])", 75) ==
        std::map<std::string, double>{{"{a=b}", 1}});
}

MemorySeriesSource CpuSource() {
  MemorySeriesSource src;
  for (const char* host : {"a", "b"}) {
    for (const char* cpu : {"0", "1"}) {
      const double speed = host[0] == 'a' ? 1 : 2;
      for (const char* mode : {"idle", "user"}) {
        const double share = mode[0] == 'i' ? 0.75 : 0.25;
        std::vector<double> values;
        for (int i = 0; i <= 12; ++i) values.push_back(share * speed * 10 * i);
        src.Add(
            {{"__name__", "node_cpu_seconds_total"}, {"host", host}, {"cpu", cpu}, {"mode", mode}},
            Every(10, values));
      }
    }
  }
  return src;
}

TEST_CASE("aggregations group by and without labels", "[promql][engine]") {
  MemorySeriesSource src = CpuSource();
  using V = std::map<std::string, double>;
  const std::string r = "rate(node_cpu_seconds_total[1m])";
  CHECK(At(src, "sum by (host) (" + r + ")", 120) == V{{"{host=a}", 2}, {"{host=b}", 4}});
  CHECK(At(src, "sum(" + r + ") by (host)", 120) == V{{"{host=a}", 2}, {"{host=b}", 4}});
  CHECK(At(src, "avg without (cpu, mode) (" + r + ")", 120) ==
        V{{"{host=a}", 0.5}, {"{host=b}", 1}});
  CHECK(At(src, "max by (mode) (" + r + ")", 120) == V{{"{mode=idle}", 1.5}, {"{mode=user}", 0.5}});
  CHECK(At(src, "min(" + r + ")", 120) == V{{"{}", 0.25}});
  CHECK(At(src, "count by (host) (node_cpu_seconds_total)", 120) ==
        V{{"{host=a}", 4}, {"{host=b}", 4}});
  CHECK(At(src, "group by (mode) (node_cpu_seconds_total)", 120) ==
        V{{"{mode=idle}", 1}, {"{mode=user}", 1}});
  CHECK(At(src, "stddev(" + r + ")", 120).at("{}") == Approx(0.4677071733));
  CHECK(At(src, "quantile(0.5, " + r + ")", 120).at("{}") == Approx(0.625));
  CHECK(At(src, "topk(2, " + r + ")", 120) ==
        V{{"{cpu=0,host=b,mode=idle}", 1.5}, {"{cpu=1,host=b,mode=idle}", 1.5}});
  CHECK(At(src, "bottomk by (host) (1, node_cpu_seconds_total{cpu=\"0\"})", 120) ==
        V{{"{__name__=node_cpu_seconds_total,cpu=0,host=a,mode=user}", 30},
          {"{__name__=node_cpu_seconds_total,cpu=0,host=b,mode=user}", 60}});
  // The dashboard's CPU busy query.
  CHECK(At(src, "1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))", 120) ==
        V{{"{host=a}", 0.25}, {"{host=b}", -0.5}});
}

TEST_CASE("binary operators match vectors one-to-one, on, ignoring and group_left",
          "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "used"}, {"host", "a"}, {"dev", "sda"}}, Every(10, {30}));
  src.Add({{"__name__", "used"}, {"host", "a"}, {"dev", "sdb"}}, Every(10, {10}));
  src.Add({{"__name__", "size"}, {"host", "a"}, {"dev", "sda"}}, Every(10, {60}));
  src.Add({{"__name__", "size"}, {"host", "a"}, {"dev", "sdb"}}, Every(10, {100}));
  src.Add({{"__name__", "size"}, {"host", "b"}, {"dev", "sda"}}, Every(10, {1}));
  src.Add({{"__name__", "info"}, {"host", "a"}, {"os", "debian"}}, Every(10, {1}));
  using V = std::map<std::string, double>;
  CHECK(At(src, "used / size", 0) == V{{"{dev=sda,host=a}", 0.5}, {"{dev=sdb,host=a}", 0.1}});
  CHECK(At(src, "used / ignoring(dev) group_left size{dev=\"sda\"}", 0) ==
        V{{"{dev=sda,host=a}", 0.5}, {"{dev=sdb,host=a}", 10.0 / 60}});
  CHECK(At(src, "used * on(host) group_left(os) info", 0) ==
        V{{"{dev=sda,host=a,os=debian}", 30}, {"{dev=sdb,host=a,os=debian}", 10}});
  CHECK(At(src, "info * on(host) group_right used", 0) ==
        V{{"{dev=sda,host=a}", 30}, {"{dev=sdb,host=a}", 10}});
  CHECK(At(src, "sum by (host) (used) / on(host) sum by (host) (size)", 0) ==
        V{{"{host=a}", 0.25}});
  // Comparisons filter and keep the left side's labels, name included; bool gives 0/1.
  CHECK(At(src, "used > 20", 0) == V{{"{__name__=used,dev=sda,host=a}", 30}});
  CHECK(At(src, "20 < used", 0) == V{{"{__name__=used,dev=sda,host=a}", 30}});
  CHECK(At(src, "used > bool 20", 0) == V{{"{dev=sda,host=a}", 1}, {"{dev=sdb,host=a}", 0}});
  CHECK(At(src, "used > size", 0).empty());
  CHECK(At(src, "size >= bool used", 0) == V{{"{dev=sda,host=a}", 1}, {"{dev=sdb,host=a}", 1}});
  CHECK(At(src, "-used", 0) == V{{"{dev=sda,host=a}", -30}, {"{dev=sdb,host=a}", -10}});
  CHECK(At(src, "used % 7 ^ 2", 0) == V{{"{dev=sda,host=a}", 30}, {"{dev=sdb,host=a}", 10}});
  // Set operators.
  CHECK(At(src, "size and used", 0) ==
        V{{"{__name__=size,dev=sda,host=a}", 60}, {"{__name__=size,dev=sdb,host=a}", 100}});
  CHECK(At(src, "size unless used", 0) == V{{"{__name__=size,dev=sda,host=b}", 1}});
  CHECK(At(src, "used or size", 0) == V{{"{__name__=size,dev=sda,host=b}", 1},
                                        {"{__name__=used,dev=sda,host=a}", 30},
                                        {"{__name__=used,dev=sdb,host=a}", 10}});
  CHECK(At(src, "size and on(host) info", 0).size() == 2);
}

TEST_CASE("ambiguous matches and clashing label sets are errors", "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "used"}, {"host", "a"}, {"dev", "sda"}}, Every(10, {30}));
  src.Add({{"__name__", "used"}, {"host", "a"}, {"dev", "sdb"}}, Every(10, {10}));
  src.Add({{"__name__", "up"}, {"host", "a"}}, Every(10, {1}));
  src.Add({{"__name__", "free"}, {"host", "a"}, {"dev", "sda"}}, Every(10, {3}));
  CHECK(ErrorOf(src, "up / on(host) used", 0) ==
        "found duplicate series for the match group {host=\"a\"} on the right hand-side of the "
        "operation: [{__name__=\"used\", dev=\"sdb\", host=\"a\"}, {__name__=\"used\", "
        "dev=\"sda\", host=\"a\"}];many-to-many matching not allowed: matching labels must be "
        "unique on one side");
  CHECK(ErrorOf(src, "used / on(host) up", 0) ==
        "multiple matches for labels: many-to-one matching must be explicit "
        "(group_left/group_right)");
  CHECK(ErrorOf(src, "count_over_time({__name__=~\"used|free\"}[1m])", 0) ==
        "vector cannot contain metrics with the same labelset");
  CHECK(ErrorOf(src, "abs({__name__=~\"used|free\"})", 0) ==
        "vector cannot contain metrics with the same labelset");
  CHECK(ErrorOf(src, "used / on(host) group_left up", 0) == "(ok)");
  auto expr = ParseExpr("up[5m]");
  REQUIRE(expr.ok());
  auto result = EvalRange(**expr, src, T0, T0, 1000);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message() ==
        "invalid expression type \"range vector\" for range query, must be Scalar or instant "
        "Vector");
}

TEST_CASE("functions on instant vectors drop the metric name", "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "t"}, {"s", "x"}}, Every(10, {-2.5}));
  using V = std::map<std::string, double>;
  CHECK(At(src, "abs(t)", 0) == V{{"{s=x}", 2.5}});
  CHECK(At(src, "ceil(t)", 0) == V{{"{s=x}", -2}});
  CHECK(At(src, "floor(t)", 0) == V{{"{s=x}", -3}});
  CHECK(At(src, "round(t)", 0) == V{{"{s=x}", -2}});
  CHECK(At(src, "round(t, 5)", 0) == V{{"{s=x}", 0}});
  CHECK(At(src, "clamp_min(t, 0)", 0) == V{{"{s=x}", 0}});
  CHECK(At(src, "clamp_max(t, -3)", 0) == V{{"{s=x}", -3}});
  CHECK(At(src, "clamp(t, -1, 1)", 0) == V{{"{s=x}", -1}});
  CHECK(At(src, "clamp(t, 1, -1)", 0).empty());
  CHECK(At(src, "scalar(t)", 0) == V{{"scalar", -2.5}});
  CHECK(std::isnan(At(src, "scalar(nothing)", 0).at("scalar")));
  CHECK(At(src, "vector(3)", 0) == V{{"{}", 3}});
  CHECK(At(src, "absent(nothing{job=\"j\"})", 0) == V{{"{job=j}", 1}});
  CHECK(At(src, "absent(t)", 0).empty());
  CHECK(At(src, "sgn(t) * 2", 0) == V{{"{s=x}", -2}});
}

TEST_CASE("a range query evaluates every step and reads each selector once", "[promql][engine]") {
  MemorySeriesSource src = CpuSource();
  const Matrix m =
      Range(src, "1 - avg by (host) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m])) + 0 * time()",
            60, 120, 30);
  REQUIRE(m.size() == 2);
  CHECK(m.at("{host=a}") == Points{{60, 0.25}, {90, 0.25}, {120, 0.25}});
  CHECK(src.selects() == 1);
  // A scalar over a range is one series without labels.
  CHECK(Range(src, "time() - " + std::to_string(T0 / 1000), 0, 20, 10) ==
        Matrix{{"{}", {{0, 0}, {10, 10}, {20, 20}}}});
  // Steps where a series has no value are left out.
  const Matrix sparse =
      Range(src, "node_cpu_seconds_total{host=\"a\",cpu=\"0\",mode=\"user\"} > 8", 0, 60, 20);
  REQUIRE(sparse.size() == 1);
  CHECK(sparse.begin()->second == Points{{40, 10}, {60, 15}});
}

TEST_CASE("a query reading more samples than allowed fails instead", "[promql][engine]") {
  MemorySeriesSource src;
  src.Add({{"__name__", "x"}}, Every(10, {1, 2, 3, 4, 5, 6, 7}));
  auto expr = ParseExpr("x + x");
  REQUIRE(expr.ok());
  EngineOptions options;
  options.max_samples = 13;  // each selector reads the 7 samples
  auto result = EvalRange(**expr, src, T0 + 60 * kSec, T0 + 60 * kSec, kSec, options);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().find("too many samples") != std::string::npos);
  options.max_samples = 14;
  CHECK(EvalRange(**expr, src, T0 + 60 * kSec, T0 + 60 * kSec, kSec, options).ok());
}

}  // namespace
}  // namespace hivewatch::promql
