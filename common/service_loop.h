// The main thread of a hivewatch daemon once it runs: waits for signals, re-reads its
// configuration on SIGHUP, stops on SIGINT/SIGTERM, and feeds systemd's watchdog while the
// daemon reports itself healthy. Construct ServiceSignals in main before starting any thread.
#pragma once

#include <signal.h>

#include <functional>
#include <string>

namespace hivewatch {

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and every thread started after it,
// so that RunServiceLoop receives them.
class ServiceSignals {
 public:
  ServiceSignals();
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_;
};

struct ServiceLoopHooks {
  // On SIGHUP, between RELOADING=1 and READY=1. Must keep the daemon running whatever happens
  // (a bad new configuration is logged and the old one kept); returns false only when the
  // daemon can no longer run, which ends the loop.
  std::function<bool()> reload;
  // Asked before every watchdog ping: false withholds the ping (systemd then restarts the
  // service once WatchdogSec passes). Empty = always healthy.
  std::function<bool()> healthy;
  std::string ready_status;  // STATUS= sent with READY=1
};

// Sends READY=1, then runs until SIGINT/SIGTERM (returns its name, after STOPPING=1) or a failed
// reload (returns "failed reload").
std::string RunServiceLoop(const ServiceSignals& signals, const ServiceLoopHooks& hooks);

}  // namespace hivewatch
