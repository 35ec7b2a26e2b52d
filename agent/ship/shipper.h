// Shipper: the agent's shipping thread. It takes the oldest batch from the Spool, pushes it
// (Pusher, failing over between collectors), acknowledges it once the collector committed or
// rejected it, and otherwise waits per the Backoff before trying the same batch again.
// Start/Stop and the counters are thread-safe; on_acked runs on the shipping thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/ship/pusher.h"
#include "agent/ship/retry_policy.h"
#include "agent/ship/spool.h"

namespace hivewatch {

struct ShipperOptions {
  PusherOptions pusher;
  BackoffOptions backoff;
  std::function<double()> random01;  // for Backoff; empty = a real random source
  // Called once the collector has committed a batch (2xx, a duplicate included) or rejected it
  // (dropped): checkpoints may advance up to it. Runs before the record leaves the spool, so
  // after a crash in between the record is sent again (the collector's dedup absorbs it) and
  // on_acked runs again: it must be idempotent.
  std::function<void(const SpoolRecord& record)> on_acked;
};

class Shipper {
 public:
  // The spool's payloads are push bodies: gzipped batch JSON. `spool` must outlive this.
  Shipper(Spool& spool, ShipperOptions options);
  ~Shipper();  // Stop(now) if still running
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  void Start();
  // Keeps shipping until the spool is empty or `deadline` passes (backoff waits end at the
  // deadline; a push in flight finishes, bounded by the pusher's timeout), then joins.
  // Interrupts the spool's waiters, so the spool should not be waited on after this.
  void Stop(std::chrono::steady_clock::time_point deadline);

  uint64_t shipped() const { return shipped_; }    // committed batches
  uint64_t rejected() const { return rejected_; }  // dropped: refused by the collector
  uint64_t retries() const { return retries_; }    // failed attempts that will be retried

 private:
  void Run();
  // Waits `delay`; a Stop during the wait ends it at once (one more attempt), and after a
  // Stop waits end at its deadline. Returns false when the loop should end.
  bool WaitBackoff(std::chrono::milliseconds delay);
  bool ShouldExit(bool spool_empty);
  void Acked(const SpoolRecord& record);

  Spool& spool_;
  ShipperOptions options_;
  Backoff backoff_;
  std::unique_ptr<Pusher> pusher_;  // used by the shipping thread only
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_requested_ = false;
  std::chrono::steady_clock::time_point stop_deadline_;

  std::atomic<uint64_t> shipped_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> retries_{0};
};

}  // namespace hivewatch
