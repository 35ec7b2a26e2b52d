#include "agent/ship/shipper.h"

#include <spdlog/spdlog.h>

namespace hivewatch {

using Clock = std::chrono::steady_clock;

Shipper::Shipper(Spool& spool, ShipperOptions options)
    : spool_(spool), options_(std::move(options)), backoff_(options_.backoff, options_.random01) {}

Shipper::~Shipper() {
  if (thread_.joinable()) Stop(Clock::now());
}

void Shipper::Start() {
  if (thread_.joinable()) return;
  // Built here so a setup error (no URL) throws to the caller; used only on the thread.
  pusher_ = std::make_unique<Pusher>(options_.pusher);
  thread_ = std::thread([this] { Run(); });
}

void Shipper::Stop(Clock::time_point deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_requested_ = true;
    stop_deadline_ = deadline;
  }
  cv_.notify_all();
  spool_.Interrupt();
  if (thread_.joinable()) thread_.join();
}

bool Shipper::ShouldExit(bool spool_empty) {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_requested_ && (spool_empty || Clock::now() >= stop_deadline_);
}

bool Shipper::WaitBackoff(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool stopping_already = stop_requested_;
  auto until = Clock::now() + delay;
  for (;;) {
    // A stop arriving during the wait cuts it short for one immediate attempt: shutting down
    // is the moment to flush, not to sleep out a long backoff.
    if (stop_requested_ && !stopping_already) return Clock::now() < stop_deadline_;
    auto limit = stop_requested_ ? std::min(until, stop_deadline_) : until;
    if (Clock::now() >= limit) break;
    cv_.wait_until(lock, limit);
  }
  return !(stop_requested_ && Clock::now() >= stop_deadline_);
}

void Shipper::Acked(const SpoolRecord& record) {
  if (options_.on_acked) options_.on_acked(record);
  Status st = spool_.Ack(record.batch_id);
  if (!st.ok()) {
    // Most likely the size cap dropped it while it was in flight (already counted there).
    spdlog::warn("shipper: {}", st.message());
  }
}

void Shipper::Run() {
  bool failing = false;  // to log the start and the end of an outage once each
  for (;;) {
    auto head = spool_.Peek();
    if (!head.ok()) {
      spdlog::error("shipper: reading the spool: {}", head.status().message());
      if (!WaitBackoff(backoff_.Next())) return;
      continue;
    }
    if (!head->has_value()) {
      if (ShouldExit(true)) return;
      spool_.WaitForRecord(Clock::now() + std::chrono::seconds(1));
      continue;
    }
    if (ShouldExit(false)) return;
    const SpoolRecord& record = **head;

    PushOutcome outcome = pusher_->Push(record.payload);
    switch (outcome.decision) {
      case PushDecision::kOk:
        if (failing) spdlog::info("shipper: pushing works again ({})", outcome.url);
        failing = false;
        backoff_.Reset();
        ++shipped_;
        Acked(record);
        break;
      case PushDecision::kDrop:
        // The Pusher logged the collector's reason; the batch would be refused forever.
        ++rejected_;
        Acked(record);
        break;
      case PushDecision::kRetry: {
        ++retries_;
        auto delay = backoff_.Next(outcome.retry_after);
        if (!failing) {
          spdlog::warn("shipper: push failed, retrying (next in {} ms): {}", delay.count(),
                       outcome.message);
        } else {
          spdlog::debug("shipper: push failed again (next in {} ms): {}", delay.count(),
                        outcome.message);
        }
        failing = true;
        if (!WaitBackoff(delay)) return;
        break;
      }
    }
  }
}

}  // namespace hivewatch
