#include "agent/agent_config.h"

#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/toml_reader.h"

namespace hivewatch {

namespace {

// One [[inputs.file]] table (the i-th); keys as in docs/configuration.md.
Result<FileInputConfig> ReadFileInput(const toml::table& table, size_t i, const std::string& path) {
  const std::string name = "inputs.file[" + std::to_string(i) + "]";
  TomlTableReader r(table, name, path);
  FileInputConfig fc;
  HW_RETURN_IF_ERROR(r.StringList("paths", &fc.paths));
  HW_RETURN_IF_ERROR(r.StringList("exclude", &fc.exclude));
  HW_RETURN_IF_ERROR(r.Get("service", &fc.service));
  std::string start_at;
  HW_RETURN_IF_ERROR(r.Get("start_at", &start_at));
  if (!start_at.empty()) {
    Result<FileInputConfig::StartAt> s = ParseStartAt(start_at);
    if (!s.ok()) return r.Error("start_at", s.status().message());
    fc.start_at = *s;
  }
  HW_RETURN_IF_ERROR(r.Int("max_line_bytes", 256, 1 << 20, &fc.max_line_bytes));
  Result<const toml::table*> multiline = r.Sub("multiline");
  HW_RETURN_IF_ERROR(multiline.status());
  if (const toml::table* m = *multiline) {
    TomlTableReader mr(*m, name + ".multiline", path);
    HW_RETURN_IF_ERROR(mr.Get("start", &fc.multiline_start));
    HW_RETURN_IF_ERROR(mr.Get("indent", &fc.multiline_indent));
    HW_RETURN_IF_ERROR(mr.Duration("timeout", &fc.multiline_timeout_ms));
    HW_RETURN_IF_ERROR(mr.Int("max_lines", 2, 100000, &fc.multiline_max_lines));
    HW_RETURN_IF_ERROR(mr.CheckUnknown());
  }
  HW_RETURN_IF_ERROR(r.Get("parse_json", &fc.parse_json));
  HW_RETURN_IF_ERROR(r.Get("parse_logfmt", &fc.parse_logfmt));
  HW_RETURN_IF_ERROR(r.Get("path_field", &fc.path_field));
  HW_RETURN_IF_ERROR(r.Duration("poll_interval", &fc.poll_interval_ms));
  HW_RETURN_IF_ERROR(r.Duration("scan_interval", &fc.scan_interval_ms));
  HW_RETURN_IF_ERROR(r.Duration("rotate_wait", &fc.rotate_wait_ms));
  HW_RETURN_IF_ERROR(r.Int("read_bytes", 4096, 64 << 20, &fc.read_bytes));
  HW_RETURN_IF_ERROR(r.CheckUnknown());
  if (fc.paths.empty()) return r.Error("paths", "must list at least one file pattern");
  if (Status st = ValidateFileInputConfig(fc); !st.ok()) {
    return InvalidArgument(path + ": [[inputs.file]] #" + std::to_string(i + 1) + ": " +
                           st.message());
  }
  return fc;
}

}  // namespace

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  Result<toml::table> parsed = ParseTomlFile(path);
  HW_RETURN_IF_ERROR(parsed.status());
  AgentConfig c;
  TomlTableReader top(*parsed, "", path);

  Result<const toml::table*> agent = top.Sub("agent");
  HW_RETURN_IF_ERROR(agent.status());
  if (const toml::table* t = *agent) {
    TomlTableReader r(*t, "agent", path);
    HW_RETURN_IF_ERROR(r.Get("host", &c.host));
    HW_RETURN_IF_ERROR(r.StringList("collectors", &c.collectors));
    if (c.collectors.empty()) return r.Error("collectors", "must name at least one collector URL");
    HW_RETURN_IF_ERROR(r.Get("token", &c.token));
    HW_RETURN_IF_ERROR(r.Get("token_file", &c.token_file));
    HW_RETURN_IF_ERROR(r.Get("ca_file", &c.ca_file));
    HW_RETURN_IF_ERROR(r.Get("state_dir", &c.state_dir));
    HW_RETURN_IF_ERROR(r.Duration("interval", &c.interval_ms));
    if (c.interval_ms < 1000 || c.interval_ms > 3600 * 1000) {
      return r.Error("interval", "must be between 1s and 1h");
    }
    HW_RETURN_IF_ERROR(r.Int("spool_max_bytes", 1 << 20, int64_t{1} << 40, &c.spool_max_bytes));
    HW_RETURN_IF_ERROR(r.Int("batch_max_bytes", 1024, 64 << 20, &c.batch_max_bytes));
    HW_RETURN_IF_ERROR(r.Duration("batch_max_wait", &c.batch_max_wait_ms));
    if (c.batch_max_wait_ms < 10 || c.batch_max_wait_ms > 60 * 1000) {
      return r.Error("batch_max_wait", "must be between 10ms and 1m");
    }
    HW_RETURN_IF_ERROR(r.Duration("retry_max", &c.retry_max_ms));
    if (c.retry_max_ms < 1000 || c.retry_max_ms > 3600 * 1000) {
      return r.Error("retry_max", "must be between 1s and 1h");
    }
    HW_RETURN_IF_ERROR(r.Get("log_level", &c.log_level));
    HW_RETURN_IF_ERROR(r.CheckUnknown());
  }
  Result<const toml::table*> inputs = top.Sub("inputs");
  HW_RETURN_IF_ERROR(inputs.status());
  if (const toml::table* t = *inputs) {
    TomlTableReader in(*t, "inputs", path);
    Result<const toml::table*> proc = in.Sub("proc");
    HW_RETURN_IF_ERROR(proc.status());
    if (const toml::table* p = *proc) {
      TomlTableReader r(*p, "inputs.proc", path);
      HW_RETURN_IF_ERROR(r.Get("enabled", &c.proc.enabled));
      HW_RETURN_IF_ERROR(r.Get("proc_root", &c.proc.proc_root));
      HW_RETURN_IF_ERROR(r.Get("sys_root", &c.proc.sys_root));
      HW_RETURN_IF_ERROR(r.CheckUnknown());
    }
    Result<const toml::table*> syslog = in.Sub("syslog");
    HW_RETURN_IF_ERROR(syslog.status());
    if (const toml::table* t = *syslog) {
      TomlTableReader r(*t, "inputs.syslog", path);
      bool enabled = false;
      SyslogInputConfig sc;
      HW_RETURN_IF_ERROR(r.Get("enabled", &enabled));
      HW_RETURN_IF_ERROR(r.Get("udp_listen", &sc.udp_listen));
      HW_RETURN_IF_ERROR(r.Get("tcp_listen", &sc.tcp_listen));
      HW_RETURN_IF_ERROR(r.Int("max_message_bytes", 480, 1 << 20, &sc.max_message_bytes));
      HW_RETURN_IF_ERROR(r.Get("default_service", &sc.default_service));
      HW_RETURN_IF_ERROR(r.Int("max_connections", 1, 65536, &sc.max_connections));
      HW_RETURN_IF_ERROR(r.CheckUnknown());
      if (Status st = ValidateSyslogInputConfig(sc); !st.ok()) {
        return InvalidArgument(path + ": [inputs.syslog] " + st.message());
      }
      if (enabled) c.syslog = sc;
    }
    Result<const toml::table*> journald = in.Sub("journald");
    HW_RETURN_IF_ERROR(journald.status());
    if (const toml::table* t = *journald) {
      TomlTableReader r(*t, "inputs.journald", path);
      bool enabled = false;
      JournaldInputConfig jc;
      HW_RETURN_IF_ERROR(r.Get("enabled", &enabled));
      HW_RETURN_IF_ERROR(r.Get("directory", &jc.directory));
      HW_RETURN_IF_ERROR(r.StringList("units", &jc.units));
      HW_RETURN_IF_ERROR(r.StringList("fields", &jc.fields));
      HW_RETURN_IF_ERROR(r.Get("start_at", &jc.start_at));
      HW_RETURN_IF_ERROR(r.Int("max_batch_entries", 1, 100000, &jc.max_batch_entries));
      HW_RETURN_IF_ERROR(r.CheckUnknown());
      if (Status st = ValidateJournaldInputConfig(jc); !st.ok()) {
        return InvalidArgument(path + ": [inputs.journald] " + st.message());
      }
      if (enabled) c.journald = jc;
    }
    Result<std::vector<const toml::table*>> files = in.SubArray("file");
    HW_RETURN_IF_ERROR(files.status());
    for (size_t i = 0; i < files->size(); ++i) {
      Result<FileInputConfig> fc = ReadFileInput(*(*files)[i], i, path);
      HW_RETURN_IF_ERROR(fc.status());
      c.files.push_back(std::move(fc).value());
    }
    HW_RETURN_IF_ERROR(in.CheckUnknown());
  }
  HW_RETURN_IF_ERROR(top.CheckUnknown());
  return c;
}

Status ValidateAgentConfig(AgentConfig* c) {
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c->log_level)) {
    return InvalidArgument("log_level: '" + c->log_level +
                           "' is not one of trace, debug, info, warn, error");
  }
  for (const std::string& url : c->collectors) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      return InvalidArgument("collectors: '" + url + "' must start with http:// or https://");
    }
  }
  if (c->host.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
      return InvalidArgument("host: not set and the machine's host name is unavailable");
    }
    c->host = name;
  }
  if (!c->token.empty() && !c->token_file.empty()) {
    return InvalidArgument("token and token_file: set one, not both");
  }
  if (!c->token_file.empty()) {
    std::ifstream in(c->token_file);
    if (!in) return InvalidArgument("token_file: cannot read " + c->token_file);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token = ss.str();
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (token.empty()) return InvalidArgument("token_file: " + c->token_file + " is empty");
    c->token = token;
  }
  if (!c->ca_file.empty() && access(c->ca_file.c_str(), R_OK) != 0) {
    return InvalidArgument("ca_file: cannot read " + c->ca_file);
  }
  if (c->state_dir.empty()) return InvalidArgument("state_dir: must be set");
  return Status::Ok();
}

}  // namespace hivewatch
