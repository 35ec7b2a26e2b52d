#include "common/service_loop.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "common/systemd_notify.h"

namespace hivewatch {

ServiceSignals::ServiceSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

std::string RunServiceLoop(const ServiceSignals& signals, const ServiceLoopHooks& hooks) {
  systemd::NotifyReady(hooks.ready_status);
  // Ping at half the interval, as sd_watchdog_enabled(3) advises.
  const auto watchdog = systemd::WatchdogInterval();
  const auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(watchdog / 2);
  if (watchdog.count() > 0) {
    spdlog::info("systemd watchdog: {} ms, pinged every {} ms", watchdog.count() / 1000,
                 watchdog.count() / 2000);
    systemd::PingWatchdog();
  }
  bool unhealthy_logged = false;
  for (;;) {
    int sig = 0;
    if (watchdog.count() > 0) {
      timespec timeout{static_cast<time_t>(period.count() / 1000000000),
                       static_cast<long>(period.count() % 1000000000)};
      sig = sigtimedwait(&signals.set(), nullptr, &timeout);
    } else {
      sig = sigwaitinfo(&signals.set(), nullptr);
    }
    if (sig < 0) {
      if (errno != EAGAIN && errno != EINTR) {
        spdlog::error("waiting for signals: {}", std::strerror(errno));
        return "signal wait failure";
      }
    } else if (sig == SIGHUP) {
      spdlog::info("received SIGHUP: reloading the configuration");
      systemd::NotifyReloading();
      // The reload may block for a while (the agent waits for a push in flight): it starts
      // with a full watchdog interval.
      if (watchdog.count() > 0) systemd::PingWatchdog();
      if (!hooks.reload()) return "failed reload";
      systemd::NotifyReady(hooks.ready_status);
    } else {
      systemd::NotifyStopping();
      return strsignal(sig);
    }
    if (watchdog.count() > 0) {
      if (!hooks.healthy || hooks.healthy()) {
        systemd::PingWatchdog();
        unhealthy_logged = false;
      } else if (!unhealthy_logged) {
        spdlog::error(
            "unhealthy: withholding the watchdog ping (systemd restarts the service "
            "after {} ms without one)",
            watchdog.count() / 1000);
        unhealthy_logged = true;
      }
    }
  }
}

}  // namespace hivewatch
