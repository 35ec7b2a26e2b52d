// The `hivewatch` command: argv in, output and an exit status out. Everything the program
// touches (streams, environment, clock, HTTP) comes in through CliEnvironment, so tests run
// whole invocations against a fake Transport.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli/collector_api.h"

namespace hivewatch::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  // runtime: unreachable collector, refused request, …
inline constexpr int kExitUsage = 2;  // bad flags or arguments

struct CliEnvironment {
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
  bool out_is_tty = false;  // colours only on a terminal (and without NO_COLOR)
  std::function<std::optional<std::string>(const std::string&)> getenv;
  std::function<int64_t()> now_ms;
  Transport* transport = nullptr;
};

// Runs one invocation; `args` excludes the program name.
int RunCli(const std::vector<std::string>& args, const CliEnvironment& env);

// RunCli with the process's streams, environment, clock and libcurl.
int Main(int argc, char** argv);

}  // namespace hivewatch::cli
