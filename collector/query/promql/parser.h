// The PromQL parser: query text → type-checked syntax tree (ast.h). Errors read like
// Prometheus's, with a line:column position (1-based, in bytes):
//   1:14: parse error: unexpected end of input in aggregation
//   1:1: parse error: function "holt_winters" is not supported by hivewatch
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "collector/query/promql/ast.h"
#include "common/status.h"

namespace hivewatch::promql {

// Parses a whole expression; kInvalidArgument with the message above on any error.
Result<ExprPtr> ParseExpr(std::string_view query);

// Parses a series selector alone (`up{job="x"}`, `{__name__=~"node_.*"}`), as the match[]
// parameters of /api/v1/series take them; returns its matchers.
Result<std::vector<LabelMatcher>> ParseMetricSelector(std::string_view selector);

// Prometheus's duration syntax: "5m", "1h30m", "90s", "500ms", "2d", "1w", "1y" (units in
// decreasing order, each at most once).
Result<int64_t> ParsePromDurationMs(std::string_view text);

// The value in Prometheus's text form: shortest round-trip digits without an exponent
// ("0.1", "1000000"), "NaN", "+Inf", "-Inf" (Go's strconv.FormatFloat(v, 'f', -1, 64)).
std::string FormatValue(double value);

}  // namespace hivewatch::promql
