// Test support: child processes and waiting on conditions with a
// deadline (never bare sleeps as synchronisation).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace hivewatch::testing {

// A child process with stdout and stderr sent to files.
class Process {
 public:
  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();  // kills (SIGKILL) and reaps a process still running

  static Process Start(const std::vector<std::string>& argv, const std::string& stdout_path,
                       const std::string& stderr_path,
                       const std::map<std::string, std::string>& extra_env = {});

  pid_t pid() const { return pid_; }
  bool Running();
  void Signal(int sig);
  // Waits for exit (up to `timeout`) and returns the exit code, or 128+signal; -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs a command to completion, capturing stdout and stderr; `input` is fed to stdin.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& extra_env = {},
                         const std::string& input = "");

// Polls `condition` until it is true or `timeout` passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string ReadFile(const std::string& path);
// Lines of a file, without the line ends (\n or \r\n).
std::vector<std::string> ReadLines(const std::string& path);

// A loopback TCP port that was free a moment ago (for servers that cannot report the port they
// picked for ":0": start them on this one and retry with another if it was taken meanwhile).
int FreeLoopbackPort();

}  // namespace hivewatch::testing
