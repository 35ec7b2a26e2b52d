// The Prometheus-compatible read API: /api/v1/query, /api/v1/query_range, /api/v1/series,
// /api/v1/labels and /api/v1/label/<name>/values, answering in Prometheus's JSON shape so that
// Grafana's Prometheus data source and `promtool query` can read from hivewatch. Parameters
// come from the query string and, for POST, from an application/x-www-form-urlencoded body.
// Errors use Prometheus's shape too: {"status":"error","errorType":"bad_data","error":"…"}.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "collector/http/handlers.h"
#include "collector/query/promql/engine.h"
#include "collector/query/promql/parser.h"
#include "common/deadline.h"
#include "common/names.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

using Params = std::multimap<std::string, std::string>;

constexpr int64_t kMaxPointsPerSeries = 11000;  // as Prometheus
constexpr int64_t kMinTimeMs = std::numeric_limits<int64_t>::min() / 4;
constexpr int64_t kMaxTimeMs = std::numeric_limits<int64_t>::max() / 4;

// An error in Prometheus's shape: errorType bad_data (400), execution (422), unavailable (503)
// or internal (500).
struct ApiError {
  int status;
  std::string type;
  std::string message;
};

[[noreturn]] void BadData(const std::string& message) { throw ApiError{400, "bad_data", message}; }

[[noreturn]] void ThrowStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      throw ApiError{422, "execution", status.message()};
    case StatusCode::kUnavailable:
      throw ApiError{503, "unavailable", status.message()};
    default:
      throw ApiError{500, "internal", status.message()};
  }
}

std::string Quote(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Params AllParams(const HttpRequest& request) {
  Params params = request.query;
  if (request.method == "POST" && !request.body.empty()) {
    const std::string& type = request.Header("content-type");
    if (type.rfind("application/x-www-form-urlencoded", 0) != 0) {
      BadData("POST bodies must be application/x-www-form-urlencoded (got Content-Type '" + type +
              "')");
    }
    size_t start = 0;
    while (start <= request.body.size()) {
      size_t end = request.body.find('&', start);
      if (end == std::string::npos) end = request.body.size();
      const std::string pair = request.body.substr(start, end - start);
      if (!pair.empty()) {
        const size_t eq = pair.find('=');
        params.emplace(UrlDecode(pair.substr(0, eq)),
                       eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1)));
      }
      start = end + 1;
    }
  }
  return params;
}

std::optional<std::string> Param(const Params& params, const std::string& name) {
  auto range = params.equal_range(name);
  if (range.first == range.second) return std::nullopt;
  return std::prev(range.second)->second;  // the last one wins
}

std::vector<std::string> ParamList(const Params& params, const std::string& name) {
  std::vector<std::string> out;
  auto range = params.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

// Unix seconds with up to millisecond precision ("1700000000.123") or RFC 3339.
int64_t ParseTime(const Params& params, const std::string& name, int64_t fallback) {
  std::optional<std::string> v = Param(params, name);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  const double seconds = std::strtod(v->c_str(), &end);
  if (*end == '\0' && std::isfinite(seconds)) {
    if (std::fabs(seconds) > 9e15) {
      BadData("invalid parameter \"" + name + "\": cannot parse \"" + *v +
              "\" to a valid timestamp");
    }
    double whole = 0;
    const double frac = std::modf(seconds, &whole);
    return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(std::round(frac * 1000));
  }
  Result<int64_t> ms = ParseTimestampMs(*v);
  if (!ms.ok()) {
    BadData("invalid parameter \"" + name + "\": cannot parse \"" + *v + "\" to a valid timestamp");
  }
  return *ms;
}

// Seconds ("30", "0.5") or a Prometheus duration ("30s", "1m").
int64_t ParseStep(const Params& params, const std::string& name) {
  std::optional<std::string> v = Param(params, name);
  if (!v || v->empty()) BadData("invalid parameter \"" + name + "\": missing");
  char* end = nullptr;
  const double seconds = std::strtod(v->c_str(), &end);
  if (*end == '\0' && std::isfinite(seconds) && std::fabs(seconds) < 9e15) {
    return static_cast<int64_t>(seconds * 1000);
  }
  Result<int64_t> ms = promql::ParsePromDurationMs(*v);
  if (!ms.ok()) {
    BadData("invalid parameter \"" + name + "\": cannot parse \"" + *v + "\" to a valid duration");
  }
  return *ms;
}

promql::ExprPtr ParseQueryParam(const Params& params) {
  std::optional<std::string> q = Param(params, "query");
  if (!q) BadData("invalid parameter \"query\": missing");
  auto expr = promql::ParseExpr(*q);
  if (!expr.ok()) BadData("invalid parameter \"query\": " + expr.status().message());
  return std::move(expr).value();
}

// Unix seconds as Prometheus writes them: 1700000000 or 1700000000.5.
void AppendTime(int64_t ms, std::string* out) {
  if (ms % 1000 == 0) {
    *out += std::to_string(ms / 1000);
    return;
  }
  *out += promql::FormatValue(static_cast<double>(ms) / 1000);
}

void AppendPoint(const promql::Point& p, std::string* out) {
  *out += '[';
  AppendTime(p.ts_ms, out);
  *out += ",\"";
  *out += promql::FormatValue(p.value);
  *out += "\"]";
}

void AppendLabels(const Labels& labels, std::string* out) {
  *out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) *out += ',';
    first = false;
    *out += Quote(name);
    *out += ':';
    *out += Quote(value);
  }
  *out += '}';
}

std::string ResultJson(const promql::QueryResult& r) {
  std::string out = "{\"status\":\"success\",\"data\":{\"resultType\":";
  switch (r.type) {
    case promql::ValueType::kScalar:
      out += "\"scalar\",\"result\":";
      AppendPoint(r.scalar, &out);
      break;
    case promql::ValueType::kString:
      out += "\"string\",\"result\":[";
      AppendTime(r.scalar.ts_ms, &out);
      out += "," + Quote(r.string_value) + "]";
      break;
    case promql::ValueType::kVector:
    case promql::ValueType::kMatrix: {
      const bool vector = r.type == promql::ValueType::kVector;
      out += vector ? "\"vector\",\"result\":[" : "\"matrix\",\"result\":[";
      for (size_t i = 0; i < r.series.size(); ++i) {
        if (i > 0) out += ',';
        out += "{\"metric\":";
        AppendLabels(r.series[i].labels, &out);
        if (vector) {
          out += ",\"value\":";
          AppendPoint(r.series[i].points.at(0), &out);
        } else {
          out += ",\"values\":[";
          for (size_t j = 0; j < r.series[i].points.size(); ++j) {
            if (j > 0) out += ',';
            AppendPoint(r.series[i].points[j], &out);
          }
          out += ']';
        }
        out += '}';
      }
      out += ']';
      break;
    }
  }
  out += "}}";
  return out;
}

std::string Success(const nlohmann::json& data) {
  return nlohmann::json{{"status", "success"}, {"data", data}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Runs `fn`, turning ApiError into Prometheus's error body.
template <typename Fn>
HttpResponse Api(Fn fn) {
  try {
    return HttpResponse::Json(fn());
  } catch (const ApiError& e) {
    return HttpResponse::Json(
        nlohmann::json{{"status", "error"}, {"errorType", e.type}, {"error", e.message}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace),
        e.status);
  }
}

// "32d", "6h", "90s": the largest unit that divides `ms` exactly, as configured.
std::string FormatDurationMs(int64_t ms) {
  static const std::pair<int64_t, const char*> kUnits[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [unit, name] : kUnits) {
    if (ms % unit == 0) return std::to_string(ms / unit) + name;
  }
  return std::to_string(ms) + "ms";
}

const QueryLimits& Limits(const HandlerContext& ctx) {
  static const QueryLimits kDefaults;
  return ctx.config != nullptr ? ctx.config->query : kDefaults;
}

// The storage as the evaluator reads it, within the query limits: it stops at the request's
// deadline (query.timeout) and once the selectors together select more than query.max_series.
class LimitedSeriesSource final : public promql::SeriesSource {
 public:
  LimitedSeriesSource(Storage* storage, size_t max_series)
      : storage_(storage), max_series_(max_series) {}
  Result<std::vector<SeriesSamples>> Select(const SeriesSelection& selection) override {
    if (DeadlinePassed()) return Unavailable("the query ran out of time");
    return Counted(storage_->SelectSeries(selection));
  }
  // Hour rollups for long *_over_time windows (EngineOptions::rollup_bucket_ms).
  Result<std::vector<SeriesRollups>> SelectRollups(const SeriesSelection& selection,
                                                   int64_t bucket_ms) override {
    if (DeadlinePassed()) return Unavailable("the query ran out of time");
    return Counted(storage_->SelectRollups(selection, bucket_ms));
  }

 private:
  template <typename T>
  Result<std::vector<T>> Counted(Result<std::vector<T>> found) {
    if (found.ok()) {
      selected_ += found->size();
      if (selected_ > max_series_) {
        return InvalidArgument("the query selects more than " + std::to_string(max_series_) +
                               " series (query.max_series): narrow its selectors");
      }
    }
    return found;
  }

  Storage* storage_;
  size_t max_series_;
  size_t selected_ = 0;
};

// The union of the series matching any match[] selector (every series without one when
// `required` is false), sorted.
std::vector<Labels> MatchSeries(const Params& params, const HandlerContext& ctx, bool required) {
  const int64_t start = ParseTime(params, "start", kMinTimeMs);
  const int64_t end = ParseTime(params, "end", kMaxTimeMs);
  if (end < start) BadData("end timestamp must not be before start time");
  std::vector<std::string> selectors = ParamList(params, "match[]");
  if (selectors.empty() && required) BadData("no match[] parameter provided");
  std::vector<std::vector<LabelMatcher>> matcher_sets;
  for (const std::string& s : selectors) {
    auto matchers = promql::ParseMetricSelector(s);
    if (!matchers.ok()) BadData("invalid parameter \"match[]\": " + matchers.status().message());
    matcher_sets.push_back(std::move(matchers).value());
  }
  if (matcher_sets.empty()) matcher_sets.emplace_back();
  std::set<Labels> all;
  for (const auto& matchers : matcher_sets) {
    SeriesSelection selection;
    selection.matchers = matchers;
    selection.start_ms = start;
    selection.end_ms = end;
    Result<std::vector<Labels>> found = ctx.storage->ListSeries(selection);
    if (!found.ok()) ThrowStatus(found.status());
    all.insert(found->begin(), found->end());
    if (all.size() > Limits(ctx).max_series) {
      throw ApiError{422, "execution",
                     "the selectors match more than " + std::to_string(Limits(ctx).max_series) +
                         " series (query.max_series): narrow them"};
    }
  }
  return {all.begin(), all.end()};
}

}  // namespace

HttpResponse HandlePromQuery(const HttpRequest& request, const HandlerContext& ctx) {
  return Api([&] {
    const Params params = AllParams(request);
    promql::ExprPtr expr = ParseQueryParam(params);
    const int64_t ts = ParseTime(params, "time", NowMs());
    LimitedSeriesSource source(ctx.storage, Limits(ctx).max_series);
    Result<promql::QueryResult> result = promql::EvalInstant(*expr, source, ts);
    if (!result.ok()) ThrowStatus(result.status());
    return ResultJson(*result);
  });
}

HttpResponse HandlePromQueryRange(const HttpRequest& request, const HandlerContext& ctx) {
  return Api([&] {
    const Params params = AllParams(request);
    promql::ExprPtr expr = ParseQueryParam(params);
    if (!Param(params, "start")) BadData("invalid parameter \"start\": missing");
    if (!Param(params, "end")) BadData("invalid parameter \"end\": missing");
    const int64_t start = ParseTime(params, "start", 0);
    const int64_t end = ParseTime(params, "end", 0);
    if (end < start)
      BadData("invalid parameter \"end\": end timestamp must not be before start time");
    if (end - start > Limits(ctx).max_range_ms) {
      BadData("the range from start to end is longer than " +
              FormatDurationMs(Limits(ctx).max_range_ms) +
              " (query.max_range): query a shorter range");
    }
    const int64_t step = ParseStep(params, "step");
    if (step <= 0) {
      BadData(
          "invalid parameter \"step\": zero or negative query resolution step widths are not "
          "accepted. Try a positive integer");
    }
    if ((end - start) / step > kMaxPointsPerSeries) {
      BadData(
          "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
          "query resolution (?step=XX)");
    }
    if (expr->type != promql::ValueType::kScalar && expr->type != promql::ValueType::kVector) {
      BadData(std::string("invalid expression type \"") + promql::ValueTypeName(expr->type) +
              "\" for range query, must be Scalar or instant Vector");
    }
    LimitedSeriesSource source(ctx.storage, Limits(ctx).max_series);
    Result<promql::QueryResult> result = promql::EvalRange(*expr, source, start, end, step);
    if (!result.ok()) ThrowStatus(result.status());
    return ResultJson(*result);
  });
}

HttpResponse HandlePromSeries(const HttpRequest& request, const HandlerContext& ctx) {
  return Api([&] {
    nlohmann::json data = nlohmann::json::array();
    for (const Labels& labels : MatchSeries(AllParams(request), ctx, true)) data.push_back(labels);
    return Success(data);
  });
}

HttpResponse HandlePromLabels(const HttpRequest& request, const HandlerContext& ctx) {
  return Api([&] {
    std::set<std::string> names;
    for (const Labels& labels : MatchSeries(AllParams(request), ctx, false)) {
      for (const auto& [name, value] : labels) {
        if (!value.empty()) names.insert(name);
      }
    }
    return Success(nlohmann::json(std::vector<std::string>(names.begin(), names.end())));
  });
}

HttpResponse HandlePromLabelValues(const HttpRequest& request, const HandlerContext& ctx) {
  return Api([&] {
    // The path is /api/v1/label/<name>/values (the router matched it).
    static const std::string kPrefix = "/api/v1/label/";
    const std::string name =
        request.path.substr(kPrefix.size(), request.path.size() - kPrefix.size() - 7);
    if (!IsValidLabelName(name)) BadData("invalid label name: \"" + name + "\"");
    std::set<std::string> values;
    for (const Labels& labels : MatchSeries(AllParams(request), ctx, false)) {
      auto it = labels.find(name);
      if (it != labels.end() && !it->second.empty()) values.insert(it->second);
    }
    return Success(nlohmann::json(std::vector<std::string>(values.begin(), values.end())));
  });
}

}  // namespace hivewatch
