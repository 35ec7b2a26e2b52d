#include "agent/inputs/file/file_input_config.h"

#include <regex>

namespace hivewatch {
namespace {

Status Range(const char* key, int64_t value, int64_t min, int64_t max, const char* unit) {
  if (value < min || value > max) {
    return InvalidArgument(std::string(key) + ": must be between " + std::to_string(min) + unit +
                           " and " + std::to_string(max) + unit + " (got " + std::to_string(value) +
                           unit + ")");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateFileInputConfig(const FileInputConfig& c) {
  if (c.paths.empty()) return InvalidArgument("paths: at least one glob pattern is required");
  for (const std::string& p : c.paths) {
    if (p.empty() || p[0] != '/') {
      return InvalidArgument("paths: \"" + p + "\" is not an absolute path");
    }
  }
  for (const std::string& p : c.exclude) {
    if (p.empty()) return InvalidArgument("exclude: empty pattern");
  }
  HW_RETURN_IF_ERROR(
      Range("max_line_bytes", static_cast<int64_t>(c.max_line_bytes), 256, 1024 * 1024, ""));
  if (!c.multiline_start.empty()) {
    if (c.multiline_indent) {
      return InvalidArgument("multiline: set either multiline.start or multiline.indent, not both");
    }
    try {
      std::regex re(c.multiline_start, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return InvalidArgument("multiline.start: invalid regular expression \"" + c.multiline_start +
                             "\": " + e.what());
    }
  }
  HW_RETURN_IF_ERROR(Range("multiline.timeout", c.multiline_timeout_ms, 10, 60000, "ms"));
  HW_RETURN_IF_ERROR(
      Range("multiline.max_lines", static_cast<int64_t>(c.multiline_max_lines), 2, 100000, ""));
  HW_RETURN_IF_ERROR(Range("poll_interval", c.poll_interval_ms, 1, 60000, "ms"));
  HW_RETURN_IF_ERROR(Range("scan_interval", c.scan_interval_ms, 1, 3600000, "ms"));
  HW_RETURN_IF_ERROR(Range("rotate_wait", c.rotate_wait_ms, 0, 3600000, "ms"));
  HW_RETURN_IF_ERROR(
      Range("read_bytes", static_cast<int64_t>(c.read_bytes), 4096, 64 * 1024 * 1024, ""));
  return Status::Ok();
}

Result<FileInputConfig::StartAt> ParseStartAt(const std::string& text) {
  if (text == "end") return FileInputConfig::StartAt::kEnd;
  if (text == "beginning") return FileInputConfig::StartAt::kBeginning;
  return InvalidArgument("start_at: must be \"end\" or \"beginning\" (got \"" + text + "\")");
}

}  // namespace hivewatch
