#include "collector/storage/label_match.h"

#include <nlohmann/json.hpp>

namespace hivewatch {

Result<CompiledMatchers> CompiledMatchers::Compile(const std::vector<LabelMatcher>& matchers) {
  CompiledMatchers out;
  out.compiled_.reserve(matchers.size());
  for (const LabelMatcher& m : matchers) {
    Compiled c{m, {}};
    if (m.op == LabelMatcher::Op::kRe || m.op == LabelMatcher::Op::kNre) {
      try {
        c.re = std::regex(m.value, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& e) {
        return InvalidArgument("invalid regular expression in " + FormatMatcher(m) + ": " +
                               e.what());
      }
    }
    out.compiled_.push_back(std::move(c));
  }
  return out;
}

bool CompiledMatchers::Matches(const Labels& labels) const {
  static const std::string kEmpty;
  for (const Compiled& c : compiled_) {
    auto it = labels.find(c.matcher.name);
    const std::string& value = it == labels.end() ? kEmpty : it->second;
    bool ok = true;
    switch (c.matcher.op) {
      case LabelMatcher::Op::kEq:
        ok = value == c.matcher.value;
        break;
      case LabelMatcher::Op::kNe:
        ok = value != c.matcher.value;
        break;
      case LabelMatcher::Op::kRe:
        ok = std::regex_match(value, c.re);
        break;
      case LabelMatcher::Op::kNre:
        ok = !std::regex_match(value, c.re);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

const std::string* CompiledMatchers::EqualValue(const std::string& name) const {
  for (const Compiled& c : compiled_) {
    if (c.matcher.name == name && c.matcher.op == LabelMatcher::Op::kEq) return &c.matcher.value;
  }
  return nullptr;
}

std::string FormatMatcher(const LabelMatcher& matcher) {
  static const char* kOps[] = {"=", "!=", "=~", "!~"};
  return matcher.name + kOps[static_cast<int>(matcher.op)] +
         nlohmann::json(matcher.value)
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace hivewatch
