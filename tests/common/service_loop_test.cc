// RunServiceLoop speaks systemd's notify protocol to a socket the test listens on: READY=1 at
// once, WATCHDOG=1 every half interval while the daemon is healthy and none once it is not,
// RELOADING=1/READY=1 around the reload hook on SIGHUP, STOPPING=1 on SIGTERM.
#include "common/service_loop.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "tests/support/notify_socket.h"
#include "tests/support/temp_dir.h"

using namespace hivewatch;
using namespace hivewatch::testing;

TEST_CASE(
    "the service loop pings the watchdog only while healthy, reloads on SIGHUP and stops "
    "on SIGTERM",
    "[service]") {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify");
  setenv("NOTIFY_SOCKET", notify.path().c_str(), 1);
  setenv("WATCHDOG_USEC", "100000", 1);  // pings every 50 ms
  ServiceSignals signals;                // blocks them here and in the thread below

  std::atomic<bool> healthy{true};
  std::atomic<int> unhealthy_answers{0};
  std::atomic<int> reloads{0};
  ServiceLoopHooks hooks;
  hooks.ready_status = "testing";
  hooks.healthy = [&] {
    const bool h = healthy;
    if (!h) ++unhealthy_answers;
    return h;
  };
  hooks.reload = [&] {
    ++reloads;
    return true;
  };
  std::string stopped_by;
  std::thread loop([&] { stopped_by = RunServiceLoop(signals, hooks); });

  CHECK(notify.WaitFor("READY=1") == "READY=1\nSTATUS=testing");
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());

  kill(getpid(), SIGHUP);
  CHECK(!notify.WaitFor("RELOADING=1").empty());
  CHECK(!notify.WaitFor("READY=1").empty());
  CHECK(reloads == 1);

  // Unhealthy: ten intervals pass without a ping (systemd would restart the service).
  healthy = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (unhealthy_answers == 0 && std::chrono::steady_clock::now() < deadline) {
    notify.WaitFor("WATCHDOG=1", std::chrono::milliseconds(50));
  }
  REQUIRE(unhealthy_answers > 0);
  notify.Drain();  // pings decided before the loop saw it
  CHECK(notify.WaitFor("WATCHDOG=1", std::chrono::seconds(1)).empty());
  healthy = true;
  CHECK(!notify.WaitFor("WATCHDOG=1").empty());

  kill(getpid(), SIGTERM);
  CHECK(!notify.WaitFor("STOPPING=1").empty());
  loop.join();
  CHECK(stopped_by == strsignal(SIGTERM));
  pthread_sigmask(SIG_UNBLOCK, &signals.set(), nullptr);
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
}
