// A real hivewatch-collector process for integration tests: its own temp data directory,
// port 0 on loopback, tokens made with its own `token create`, restartable on the same data.
#pragma once

#include <string>
#include <vector>

#include "tests/support/process.h"

namespace hivewatch::testing {

class CollectorProcess {
 public:
  // `extra_args` are appended to the command line (e.g. {"--no-auth"}).
  explicit CollectorProcess(std::vector<std::string> extra_args = {});
  ~CollectorProcess();

  // The configuration later Starts use (written to a file in the temp directory, --config).
  // Unless `toml` has its own [storage] table, retention is off (`retention = "0s"`): tests push
  // samples and logs with fixed past timestamps, which the default 15 days would delete.
  void UseConfig(const std::string& toml);

  // Starts the collector and waits until it logs its listening address (fails the test if
  // it does not within 20 s). A restart uses the same data directory and port.
  void Start();
  // SIGTERM and wait for a clean exit; returns the exit code.
  int Stop();
  // SIGKILL: no chance to clean up.
  void Kill9();

  // Runs `hivewatch-collector --data-dir DIR --config FILE token create --name NAME --scope
  // SCOPE` and returns the printed token.
  std::string CreateToken(const std::string& name, const std::string& scope);

  const std::string& url() const { return url_; }  // "http://127.0.0.1:PORT" (https with TLS)
  const std::string& data_dir() const { return dir_.path(); }
  std::string log() const;  // everything the collector wrote to stderr so far

 private:
  TempDir dir_;
  std::vector<std::string> extra_args_;
  std::string WriteConfig() const;  // config_toml_ to the temp dir; returns the path

  std::string config_toml_;
  Process process_;
  std::string url_;
  int starts_ = 0;
};

// Path to the built binaries (compile definitions from tests/CMakeLists.txt).
std::string CollectorBinary();
std::string CliBinary();
std::string AgentBinary();
std::string SharedLogsDir();

}  // namespace hivewatch::testing
