// The agent's configuration: defaults, the TOML file (/etc/hivewatch/agent.toml) and validation.
// See docs/configuration.md; packaging/agent.toml is the commented default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/inputs/file/file_input_config.h"
#include "agent/inputs/journald/journald_input.h"
#include "agent/inputs/syslog/syslog_input.h"
#include "common/status.h"

namespace hivewatch {

struct ProcInputConfig {
  bool enabled = true;
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
};

struct AgentConfig {
  std::string host;  // empty: the machine's host name
  std::vector<std::string> collectors = {"http://127.0.0.1:9800"};  // tried in order
  std::string token;       // bearer token with the ingest scope, or:
  std::string token_file;  // a file holding it (read at start and on reload)
  std::string ca_file;     // https collectors: CA certificates (PEM) to trust; empty = system's
  std::string state_dir = "/var/lib/hivewatch-agent";
  int64_t interval_ms = 10000;
  size_t spool_max_bytes = 256u * 1024 * 1024;
  size_t batch_max_bytes = 1024 * 1024;  // log batches: uncompressed bytes, then sealed
  int64_t batch_max_wait_ms = 1000;      // log batches: oldest line waits at most this long
  int64_t retry_max_ms = 60000;          // longest wait between push attempts (backoff ceiling)
  std::string log_level = "info";
  ProcInputConfig proc;
  std::optional<SyslogInputConfig> syslog;      // [inputs.syslog] with enabled = true
  std::optional<JournaldInputConfig> journald;  // [inputs.journald] with enabled = true
  std::vector<FileInputConfig> files;           // one per [[inputs.file]]
};

// Reads a TOML file over the defaults; errors name FILE:LINE and the key.
Result<AgentConfig> LoadAgentConfig(const std::string& path);

// Checks values and fills derived ones (host name, token from token_file).
Status ValidateAgentConfig(AgentConfig* config);

}  // namespace hivewatch
