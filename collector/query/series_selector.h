// Prometheus series selectors (`node_load1`, `node_cpu_seconds_total{mode="idle",cpu=~"0|1"}`,
// `{__name__=~"node_.+"}`) as /federate's match[] takes them, and matching label sets against
// them. A small parser of the selector part of PromQL only; the full PromQL parser lives in
// collector/query/promql/ when it exists. Thread-safe: values only.
#pragma once

#include <memory>
#include <regex>
#include <string_view>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch {

// Parses one selector: an optional metric name, then optional `{name op "value", ...}` with
// op one of = != =~ !~ and values quoted "…", '…' (Go escapes) or `…` (raw). A metric name
// becomes a `__name__ =` matcher. Like Prometheus, at least one matcher must not match the empty
// string. Errors say what was wrong at which character position (0-based).
Result<std::vector<LabelMatcher>> ParseSeriesSelector(std::string_view text);

// Matchers with their regular expressions compiled once (std::regex ECMAScript, fully anchored
// like Prometheus's). A label that is absent has the value "".
class SeriesMatcher {
 public:
  // kInvalidArgument naming the matcher when a regular expression does not compile.
  static Result<SeriesMatcher> Compile(std::vector<LabelMatcher> matchers);

  bool Matches(const Labels& labels) const;
  const std::vector<LabelMatcher>& matchers() const { return matchers_; }

 private:
  std::vector<LabelMatcher> matchers_;
  std::vector<std::shared_ptr<const std::regex>> regexes_;  // null for = and !=
};

}  // namespace hivewatch
