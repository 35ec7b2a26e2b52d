// What a hivewatch daemon tells systemd's service manager (sd_notify(3)): ready, reloading,
// stopping, a status line, and the watchdog pings WatchdogSec= asks for. Every call is a no-op
// when the process was not started by systemd (no $NOTIFY_SOCKET). Thread-safe.
#pragma once

#include <chrono>
#include <string>

namespace hivewatch::systemd {

void NotifyReady(const std::string& status);   // READY=1, STATUS=…
void NotifyReloading();                        // RELOADING=1 (READY=1 again when done)
void NotifyStopping();                         // STOPPING=1
void NotifyStatus(const std::string& status);  // STATUS=…

// The interval within which systemd expects a ping ($WATCHDOG_USEC for this process), or zero
// when the watchdog is off.
std::chrono::microseconds WatchdogInterval();
void PingWatchdog();  // WATCHDOG=1

}  // namespace hivewatch::systemd
