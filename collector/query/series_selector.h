// Prometheus series selectors (`node_load1`, `node_cpu_seconds_total{mode="idle",cpu=~"0|1"}`,
// `{__name__=~"node_.+"}`) as /federate's match[] takes them. A small parser of the selector
// part of PromQL only (until the full PromQL parser in collector/query/promql/ can serve);
// matching is CompiledMatchers' (collector/storage/label_match.h). Thread-safe: functions only.
#pragma once

#include <string_view>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch {

// Parses one selector: an optional metric name, then optional `{name op "value", ...}` with
// op one of = != =~ !~ and values quoted "…", '…' (Go escapes) or `…` (raw). A metric name
// becomes a `__name__ =` matcher. Like Prometheus, at least one matcher must not match the empty
// string. Errors say what was wrong at which character position (0-based).
Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view text);

}  // namespace hivewatch
