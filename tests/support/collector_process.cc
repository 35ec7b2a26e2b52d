#include "tests/support/collector_process.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>

namespace hivewatch::testing {

std::string CollectorBinary() { return HIVEWATCH_COLLECTOR_BIN; }
std::string CliBinary() { return HIVEWATCH_CLI_BIN; }
std::string AgentBinary() { return HIVEWATCH_AGENT_BIN; }
std::string SharedLogsDir() { return HIVEWATCH_SHARED_LOGS; }

CollectorProcess::CollectorProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)) {
  UseConfig("");
}

CollectorProcess::~CollectorProcess() {
  if (process_.Running()) Stop();
}

std::string CollectorProcess::log() const { return ReadFile(dir_.path() + "/collector.log"); }

void CollectorProcess::UseConfig(const std::string& toml) {
  config_toml_ = toml;
  if (toml.find("[storage]") == std::string::npos) {
    config_toml_ = "[storage]\nretention = \"0s\"\n" + toml;
  }
}

std::string CollectorProcess::WriteConfig() const {
  const std::string path = dir_.path() + "/collector.toml";
  std::ofstream(path) << config_toml_;
  return path;
}

void CollectorProcess::Start() {
  const std::string log_path = dir_.path() + "/collector.log";
  const size_t log_offset = ReadFile(log_path).size();
  // A restart keeps the port, so clients configured with the URL find it again.
  const std::string listen =
      url_.empty() ? "127.0.0.1:0" : url_.substr(url_.find("://") + 3);
  const std::string config_path = WriteConfig();
  std::vector<std::string> argv = {CollectorBinary(),     "--listen", listen,     "--data-dir",
                                   dir_.path() + "/data", "--config", config_path};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_ = Process::Start(argv, dir_.path() + "/collector.out", log_path);
  ++starts_;
  // "listening on http://127.0.0.1:PORT", or https:// with TLS.
  const std::string marker = "listening on ";
  std::string address;
  bool up = WaitFor(
      [&] {
        std::string text = ReadFile(log_path).substr(log_offset);
        size_t pos = text.find(marker);
        if (pos == std::string::npos) return false;
        size_t end = text.find(' ', pos + marker.size());
        address = text.substr(pos + marker.size(), end - pos - marker.size());
        return true;
      },
      std::chrono::seconds(20));
  INFO("collector log:\n" << log());
  REQUIRE(up);
  url_ = address;
}

int CollectorProcess::Stop() {
  process_.Signal(SIGTERM);
  return process_.Wait(std::chrono::seconds(30));
}

void CollectorProcess::Kill9() {
  process_.Signal(SIGKILL);
  process_.Wait();
}

std::string CollectorProcess::CreateToken(const std::string& name, const std::string& scope) {
  std::vector<std::string> argv = {CollectorBinary(), "--data-dir", dir_.path() + "/data"};
  argv.insert(argv.end(), {"--config", WriteConfig()});
  argv.insert(argv.end(), {"token", "create", "--name", name, "--scope", scope});
  CommandResult r = RunCommand(argv);
  INFO("token create stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  REQUIRE(token.rfind("hw_", 0) == 0);
  return token;
}

}  // namespace hivewatch::testing
