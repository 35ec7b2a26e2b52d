// MultilineAssembler: joins stack traces and tracebacks into one record.
#include "agent/inputs/logparse/internal.h"
#include "agent/inputs/logparse/logparse.h"

namespace hivewatch::logparse {
namespace {

using internal::IsAlpha;
using internal::IsDigit;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsIdentChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_' || c == '$'; }

// "ValueError: bad", "KeyboardInterrupt", "requests.exceptions.ConnectionError: ...".
bool LooksLikePythonException(std::string_view line) {
  if (line.empty() || !(IsAlpha(line[0]) || line[0] == '_')) return false;
  size_t i = 0;
  while (i < line.size() && (IsIdentChar(line[i]) || line[i] == '.')) ++i;
  return i == line.size() || line[i] == ':';
}

// "java.lang.IllegalStateException: boom", "com.foo.BarError" (a qualified class name ending
// in Exception, Error or Throwable, then ':' or the end): the first line of a Java stack trace
// printed after the log line that reports it.
bool LooksLikeJavaException(std::string_view line) {
  size_t i = 0, dots = 0;
  while (i < line.size() && (IsIdentChar(line[i]) || line[i] == '.')) {
    dots += line[i] == '.';
    ++i;
  }
  if (dots == 0 || (i < line.size() && line[i] != ':')) return false;
  const std::string_view name = line.substr(0, i);
  for (std::string_view suffix : {"Exception", "Error", "Throwable"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return true;
    }
  }
  return false;
}

constexpr std::string_view kTraceback = "Traceback (most recent call last):";

}  // namespace

MultilineAssembler::MultilineAssembler(Options options) : options_(std::move(options)) {}

bool MultilineAssembler::Continues(std::string_view line) const {
  if (options_.start) return !std::regex_search(line.begin(), line.end(), *options_.start);
  if (line.empty()) return in_traceback_;
  if (line[0] == ' ' || line[0] == '\t') return true;
  if (StartsWith(line, "Caused by:") || StartsWith(line, "Suppressed:") ||
      StartsWith(line, kTraceback) ||
      StartsWith(line, "During handling of the above exception") ||
      StartsWith(line, "The above exception was the direct cause")) {
    return true;
  }
  if (in_traceback_ && last_indented_ && LooksLikePythonException(line)) return true;
  return LooksLikeJavaException(line);
}

std::optional<std::string> MultilineAssembler::Add(std::string_view line) {
  std::optional<std::string> done;
  const bool continues = has_pending_ && Continues(line);
  if (continues && pending_lines_ < options_.max_lines &&
      pending_.size() + 1 + line.size() <= options_.max_bytes) {
    pending_ += '\n';
    pending_.append(line.data(), line.size());
    ++pending_lines_;
  } else {
    done = Flush();
    pending_.assign(line.data(), line.size());
    pending_lines_ = 1;
    has_pending_ = true;
    if (!continues) in_traceback_ = false;
  }
  if (StartsWith(line, kTraceback)) in_traceback_ = true;
  last_indented_ = !line.empty() && (line[0] == ' ' || line[0] == '\t');
  return done;
}

std::optional<std::string> MultilineAssembler::Flush() {
  if (!has_pending_) return std::nullopt;
  std::optional<std::string> done(std::move(pending_));
  pending_.clear();
  pending_lines_ = 0;
  has_pending_ = false;
  return done;
}

}  // namespace hivewatch::logparse
