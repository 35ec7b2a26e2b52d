// LabelMatchers compiled once and checked against label sets: the matching semantics every
// Storage backend and the query engine share. A label that is absent matches as "" (so
// {job=""} selects series without `job`, as in Prometheus); regexes must match the whole value.
// A compiled set is immutable, so Matches() is safe to call from several threads.
#pragma once

#include <regex>
#include <string>
#include <vector>

#include "collector/storage/storage.h"

namespace hivewatch {

class CompiledMatchers {
 public:
  // Fails with kInvalidArgument naming the matcher whose regex does not compile.
  static Result<CompiledMatchers> Compile(const std::vector<LabelMatcher>& matchers);

  // True when every matcher holds for `labels`.
  bool Matches(const Labels& labels) const;

  // The value of an equality matcher on `name` that must hold, or nullptr (for pushing
  // `__name__="x"` or `host="y"` into a backend's index).
  const std::string* EqualValue(const std::string& name) const;

 private:
  struct Compiled {
    LabelMatcher matcher;
    std::regex re;  // for kRe and kNre
  };
  std::vector<Compiled> compiled_;
};

// The matcher in PromQL syntax: job=~"api|web" (for messages).
std::string FormatMatcher(const LabelMatcher& matcher);

}  // namespace hivewatch
