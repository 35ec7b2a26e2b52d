#include "collector/export/process_metrics.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace hivewatch {
namespace {

std::string ReadWhole(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  *ok = static_cast<bool>(in);
  return ss.str();
}

std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n')) ++pos;
    size_t end = pos;
    while (end < text.size() && text[end] != ' ' && text[end] != '\n') ++end;
    if (end > pos) out.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

bool ToDouble(std::string_view s, double* out) {
  std::string copy(s);
  char* end = nullptr;
  *out = std::strtod(copy.c_str(), &end);
  return !copy.empty() && *end == '\0';
}

}  // namespace

Result<ProcessStats> ParseProcessStat(std::string_view pid_stat, std::string_view stat,
                                      long ticks_per_second, long page_size) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted
  // from the last ')'. Field 3 (state) is index 0 here; utime is field 14, stime 15,
  // starttime 22, vsize 23, rss 24 (proc(5)).
  const size_t paren = pid_stat.rfind(')');
  if (paren == std::string_view::npos) {
    return InvalidArgument("/proc/self/stat: no ')' after the command name");
  }
  const std::vector<std::string_view> f = Fields(pid_stat.substr(paren + 1));
  double utime, stime, starttime, vsize, rss;
  if (f.size() < 22 || !ToDouble(f[11], &utime) || !ToDouble(f[12], &stime) ||
      !ToDouble(f[19], &starttime) || !ToDouble(f[20], &vsize) || !ToDouble(f[21], &rss)) {
    return InvalidArgument("/proc/self/stat: expected numeric fields 14, 15 and 22 to 24");
  }
  double btime = -1;
  size_t pos = 0;
  while (pos < stat.size()) {
    size_t eol = stat.find('\n', pos);
    std::string_view line = stat.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    if (line.rfind("btime ", 0) == 0) {
      if (!ToDouble(line.substr(6), &btime)) btime = -1;
      break;
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  if (btime < 0) return InvalidArgument("/proc/stat: no valid btime line");
  ProcessStats s;
  const double ticks = static_cast<double>(ticks_per_second);
  s.cpu_seconds = (utime + stime) / ticks;
  s.start_time_seconds = btime + starttime / ticks;
  s.virtual_bytes = vsize;
  s.resident_bytes = rss * static_cast<double>(page_size);
  return s;
}

Result<double> ParseMaxOpenFiles(std::string_view limits) {
  constexpr std::string_view kKey = "Max open files";
  const size_t at = limits.find(kKey);
  if (at == std::string_view::npos) {
    return InvalidArgument("/proc/self/limits: no 'Max open files' line");
  }
  const size_t eol = limits.find('\n', at);
  const std::vector<std::string_view> f = Fields(limits.substr(
      at + kKey.size(), eol == std::string_view::npos ? eol : eol - at - kKey.size()));
  if (f.empty()) return InvalidArgument("/proc/self/limits: 'Max open files' has no value");
  if (f[0] == "unlimited") return -1.0;
  double v;
  if (!ToDouble(f[0], &v)) {
    return InvalidArgument("/proc/self/limits: 'Max open files' is not a number");
  }
  return v;
}

Result<ProcessStats> ReadProcessStats(const std::string& proc_root) {
  bool ok1 = false, ok2 = false, ok3 = false;
  const std::string pid_stat = ReadWhole(proc_root + "/self/stat", &ok1);
  const std::string stat = ReadWhole(proc_root + "/stat", &ok2);
  const std::string limits = ReadWhole(proc_root + "/self/limits", &ok3);
  if (!ok1 || !ok2 || !ok3) {
    return Unavailable("cannot read " + proc_root + "/self/stat, /stat or /self/limits");
  }
  Result<ProcessStats> s =
      ParseProcessStat(pid_stat, stat, ::sysconf(_SC_CLK_TCK), ::sysconf(_SC_PAGESIZE));
  if (!s.ok()) return s;
  Result<double> max_fds = ParseMaxOpenFiles(limits);
  if (!max_fds.ok()) return max_fds.status();
  s->max_fds = *max_fds;
  std::error_code ec;
  double fds = 0;
  for (std::filesystem::directory_iterator it(proc_root + "/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++fds;
  }
  if (ec) return Unavailable("cannot list " + proc_root + "/self/fd: " + ec.message());
  s->open_fds = fds;
  return s;
}

}  // namespace hivewatch
