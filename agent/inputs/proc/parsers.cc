#include "agent/inputs/proc/parsers.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace hivewatch {
namespace {

// Splits on runs of spaces and tabs into *out (cleared first, its capacity reused from line
// to line); no empty fields. Stops after `max` fields.
void SplitFields(std::string_view line, std::vector<std::string_view>* out,
                 size_t max = std::string_view::npos) {
  out->clear();
  size_t i = 0;
  while (i < line.size() && out->size() < max) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out->push_back(line.substr(start, i - start));
  }
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  SplitFields(line, &out);
  return out;
}

// Calls fn(line, line_number) for each line, without the trailing newline.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    ++line_no;
    fn(line, line_no);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

bool ToU64(std::string_view s, uint64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ToDouble(std::string_view s, double* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

Status LineError(std::string_view what, size_t line_no, std::string_view line) {
  return InvalidArgument(std::string(what) + " line " + std::to_string(line_no) +
                         ": cannot parse '" + std::string(line) + "'");
}

// The value after "key=" in fields such as "total=1234".
bool KeyValue(std::string_view field, std::string_view key, std::string_view* value) {
  if (field.size() <= key.size() || field.substr(0, key.size()) != key ||
      field[key.size()] != '=') {
    return false;
  }
  *value = field.substr(key.size() + 1);
  return true;
}

// node_exporter's exclusions are regular expressions; these matchers are written out by hand
// (std::regex cost more than half of a collection) and agree with the expressions quoted at
// each use, which tests/agent/inputs/proc/parsers_test.cc checks against std::regex.
bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// `\d+$`: one or more ASCII digits and nothing else.
bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Consumes `\d+` at the front of *s; false if there is no digit.
bool SkipDigits(std::string_view* s) {
  size_t n = 0;
  while (n < s->size() && IsDigit((*s)[n])) ++n;
  s->remove_prefix(n);
  return n > 0;
}

// ECMAScript `.+($|/)` against the whole of `s`: '.' is any character but \n and \r, so
// this holds when s is non-empty and either has no line terminator or has a '/' after its
// first character and before the first terminator.
bool AnyThenEndOrSlash(std::string_view s) {
  if (s.empty()) return false;
  size_t term = s.find_first_of("\n\r");
  if (term == std::string_view::npos) return true;
  size_t slash = s.find('/', 1);
  return slash < term;
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat stat;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    // A cpu line has 11 fields at most that matter, the others 2: "intr" has one per IRQ.
    SplitFields(line, &f, 11);
    if (f.empty()) return;
    auto single = [&](uint64_t* out) {
      if (f.size() < 2 || !ToU64(f[1], out)) error = LineError("stat", line_no, line);
    };
    if (f[0].size() > 3 && f[0].substr(0, 3) == "cpu") {
      CpuTicks cpu;
      cpu.cpu = std::string(f[0].substr(3));
      uint64_t* slots[] = {&cpu.user, &cpu.nice,    &cpu.system, &cpu.idle,  &cpu.iowait,
                           &cpu.irq,  &cpu.softirq, &cpu.steal,  &cpu.guest, &cpu.guest_nice};
      // Older kernels have fewer columns; at least user..idle must be there.
      if (f.size() < 5) {
        error = LineError("stat", line_no, line);
        return;
      }
      for (size_t i = 1; i < f.size() && i <= 10; ++i) {
        if (!ToU64(f[i], slots[i - 1])) {
          error = LineError("stat", line_no, line);
          return;
        }
      }
      stat.cpus.push_back(std::move(cpu));
    } else if (f[0] == "intr") {
      single(&stat.intr);
    } else if (f[0] == "ctxt") {
      single(&stat.ctxt);
    } else if (f[0] == "btime") {
      single(&stat.btime);
    } else if (f[0] == "processes") {
      single(&stat.processes);
    } else if (f[0] == "procs_running") {
      single(&stat.procs_running);
    } else if (f[0] == "procs_blocked") {
      single(&stat.procs_blocked);
    }
  });
  if (!error.ok()) return error;
  return stat;
}

Result<std::vector<MeminfoField>> ParseMeminfo(std::string_view text) {
  std::vector<MeminfoField> out;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    SplitFields(line, &f);
    if (f.empty()) return;
    if ((f.size() != 2 && f.size() != 3) || f[0].back() != ':') {
      error = LineError("meminfo", line_no, line);
      return;
    }
    MeminfoField field;
    if (!ToDouble(f[1], &field.value)) {
      error = LineError("meminfo", line_no, line);
      return;
    }
    // node_exporter: regexp `\((.*)\)` replaced by "_$1", so "Active(anon)" -> "Active_anon".
    std::string_view raw = f[0].substr(0, f[0].size() - 1);
    size_t open = raw.find('(');
    size_t close = raw.rfind(')');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      field.key = std::string(raw.substr(0, open)) + "_" +
                  std::string(raw.substr(open + 1, close - open - 1)) +
                  std::string(raw.substr(close + 1));
    } else {
      field.key = std::string(raw);
    }
    if (f.size() == 3) {  // node_exporter presumes the unit is kB
      field.value *= 1024;
      field.key += "_bytes";
    }
    out.push_back(std::move(field));
  });
  if (!error.ok()) return error;
  return out;
}

Result<std::vector<std::pair<std::string, double>>> ParseVmstat(
    std::string_view text, bool (*keep)(std::string_view name)) {
  std::vector<std::pair<std::string, double>> out;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    SplitFields(line, &f);
    if (f.empty()) return;
    double v = 0;
    if (f.size() != 2 || !ToDouble(f[1], &v)) {
      error = LineError("vmstat", line_no, line);
      return;
    }
    if (!keep || keep(f[0])) out.emplace_back(std::string(f[0]), v);
  });
  if (!error.ok()) return error;
  return out;
}

bool IsDefaultVmstatField(std::string_view name) {
  // ^(oom_kill|pgpg|pswp|pg.*fault).*
  if (StartsWith(name, "oom_kill") || StartsWith(name, "pgpg") || StartsWith(name, "pswp")) {
    return true;
  }
  if (!StartsWith(name, "pg")) return false;
  // `.*` does not cross a line terminator, so "fault" must end before the first one.
  size_t fault = name.find("fault", 2);
  return fault != std::string_view::npos &&
         fault + 5 <= std::min(name.size(), name.find_first_of("\n\r", 2));
}

Result<LoadAvg> ParseLoadavg(std::string_view text) {
  auto f = Fields(text.substr(0, text.find('\n')));
  LoadAvg load;
  if (f.size() < 3 || !ToDouble(f[0], &load.load1) || !ToDouble(f[1], &load.load5) ||
      !ToDouble(f[2], &load.load15)) {
    return InvalidArgument("loadavg: cannot parse '" + std::string(text) + "'");
  }
  return load;
}

Result<PressureStats> ParsePressure(std::string_view text) {
  PressureStats ps;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    SplitFields(line, &f);
    if (f.empty()) return;
    bool some = f[0] == "some";
    if (!some && f[0] != "full") {
      error = LineError("pressure", line_no, line);
      return;
    }
    bool found = false;
    for (size_t i = 1; i < f.size(); ++i) {
      std::string_view v;
      if (KeyValue(f[i], "total", &v)) {
        found = ToU64(v, some ? &ps.some_total_us : &ps.full_total_us);
      }
    }
    if (!found) {
      error = LineError("pressure", line_no, line);
      return;
    }
    (some ? ps.has_some : ps.has_full) = true;
  });
  if (!error.ok()) return error;
  return ps;
}

Result<std::vector<DiskStats>> ParseDiskstats(std::string_view text) {
  std::vector<DiskStats> out;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    SplitFields(line, &f);
    if (f.empty()) return;
    // major minor name + at least 11 statistics (kernels >= 4.18 add discard/flush ones).
    if (f.size() < 14) {
      error = LineError("diskstats", line_no, line);
      return;
    }
    DiskStats d;
    d.device = std::string(f[2]);
    uint64_t* slots[] = {&d.reads_completed, &d.reads_merged,       &d.sectors_read,
                         &d.read_time_ms,    &d.writes_completed,   &d.writes_merged,
                         &d.sectors_written, &d.write_time_ms,      &d.io_now,
                         &d.io_time_ms,      &d.io_time_weighted_ms};
    for (size_t i = 0; i < 11; ++i) {
      if (!ToU64(f[3 + i], slots[i])) {
        error = LineError("diskstats", line_no, line);
        return;
      }
    }
    out.push_back(std::move(d));
  });
  if (!error.ok()) return error;
  return out;
}

bool IsDefaultExcludedDisk(std::string_view device) {
  // ^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$
  for (std::string_view prefix : {"ram", "loop", "fd"}) {
    if (StartsWith(device, prefix) && AllDigits(device.substr(prefix.size()))) return true;
  }
  std::string_view d = device;
  if (StartsWith(d, "xv")) {
    d.remove_prefix(2);
  } else if (!d.empty() && (d[0] == 'h' || d[0] == 's' || d[0] == 'v')) {
    d.remove_prefix(1);
  } else {
    d = {};
  }
  if (d.size() >= 2 && d[0] == 'd' && d[1] >= 'a' && d[1] <= 'z' && AllDigits(d.substr(2))) {
    return true;
  }
  // \d+ runs cannot overlap 'n' or 'p', so matching them greedily is exact.
  d = device;
  if (!StartsWith(d, "nvme")) return false;
  d.remove_prefix(4);
  if (!SkipDigits(&d) || !StartsWith(d, "n")) return false;
  d.remove_prefix(1);
  if (!SkipDigits(&d) || !StartsWith(d, "p")) return false;
  return AllDigits(d.substr(1));
}

Result<std::vector<NetDevStats>> ParseNetDev(std::string_view text) {
  std::vector<NetDevStats> out;
  Status error;
  std::vector<std::string_view> name, f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    size_t colon = line.find(':');
    // The two header lines contain '|' and no ':'.
    if (colon == std::string_view::npos) {
      SplitFields(line, &f);
      if (!f.empty() && line.find('|') == std::string_view::npos) {
        error = LineError("net/dev", line_no, line);
      }
      return;
    }
    SplitFields(line.substr(0, colon), &name);
    SplitFields(line.substr(colon + 1), &f);
    if (name.size() != 1 || f.size() != 16) {
      error = LineError("net/dev", line_no, line);
      return;
    }
    NetDevStats s;
    s.device = std::string(name[0]);
    for (size_t i = 0; i < 16; ++i) {
      if (!ToU64(f[i], &s.values[i])) {
        error = LineError("net/dev", line_no, line);
        return;
      }
    }
    out.push_back(std::move(s));
  });
  if (!error.ok()) return error;
  return out;
}

namespace {

// Decodes the kernel's \ooo octal escapes (space, tab, newline, backslash).
std::string UnescapeMountField(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
        s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

bool MountEntry::ReadOnly() const {
  std::string_view rest = options;
  while (true) {
    size_t comma = rest.find(',');
    if (rest.substr(0, comma) == "ro") return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

Result<std::vector<MountEntry>> ParseMounts(std::string_view text) {
  std::vector<MountEntry> out;
  Status error;
  std::vector<std::string_view> f;
  ForEachLine(text, [&](std::string_view line, size_t line_no) {
    if (!error.ok()) return;
    SplitFields(line, &f);
    if (f.empty()) return;
    if (f.size() < 4) {
      error = LineError("mounts", line_no, line);
      return;
    }
    out.push_back(MountEntry{UnescapeMountField(f[0]), UnescapeMountField(f[1]), std::string(f[2]),
                             std::string(f[3])});
  });
  if (!error.ok()) return error;
  return out;
}

bool IsDefaultExcludedMountPoint(std::string_view mount_point) {
  // ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)
  if (!StartsWith(mount_point, "/")) return false;
  std::string_view rest = mount_point.substr(1);
  for (std::string_view dir : {"dev", "proc", "sys"}) {
    if (StartsWith(rest, dir) && (rest.size() == dir.size() || rest[dir.size()] == '/')) {
      return true;
    }
  }
  for (std::string_view parent :
       {"run/credentials/", "var/lib/docker/", "var/lib/containers/storage/"}) {
    if (StartsWith(rest, parent) && AnyThenEndOrSlash(rest.substr(parent.size()))) return true;
  }
  return false;
}

bool IsDefaultExcludedFsType(std::string_view fs_type) {
  // ^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|
  //   iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|
  //   sysfs|tracefs)$
  static constexpr std::string_view kExcluded[] = {
      "autofs",     "binfmt_misc", "bpf",       "cgroup",   "cgroup2",   "configfs",
      "debugfs",    "devpts",      "devtmpfs",  "fusectl",  "hugetlbfs", "iso9660",
      "mqueue",     "nsfs",        "overlay",   "proc",     "procfs",    "pstore",
      "rpc_pipefs", "securityfs",  "selinuxfs", "squashfs", "sysfs",     "tracefs"};
  return std::find(std::begin(kExcluded), std::end(kExcluded), fs_type) != std::end(kExcluded);
}

}  // namespace hivewatch
