// What every long-running hivewatch process does the same way: log to stderr through spdlog,
// and stop cleanly on SIGINT/SIGTERM.
#pragma once

#include <signal.h>

#include <string>

namespace hivewatch {

// spdlog's default logger on stderr ("2026-11-23T12:00:00.000+00:00 info …") at `level`
// (trace, debug, info, warn, error).
void SetUpLogging(const std::string& name, const std::string& level);

// Blocks SIGINT and SIGTERM in the calling thread and every thread started after it, so that
// Wait() receives them. Construct in main before starting any thread.
class StopSignals {
 public:
  StopSignals();
  // Blocks until SIGINT or SIGTERM arrives; returns its name ("Terminated").
  std::string Wait();

 private:
  sigset_t set_;
};

}  // namespace hivewatch
