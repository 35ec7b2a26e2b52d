#include "collector/http/log_notifier.h"

#include <algorithm>

namespace hivewatch {

LogNotifier::LogNotifier(int max_waiters) : max_waiters_(std::max(0, max_waiters)) {}

uint64_t LogNotifier::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

void LogNotifier::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

bool LogNotifier::Wait(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || generation_ != seen; });
  return generation_ != seen;
}

void LogNotifier::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool LogNotifier::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

LogNotifier::Slot LogNotifier::TryAcquireSlot() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_ || waiters_ >= max_waiters_) return Slot();
  ++waiters_;
  return Slot(this);
}

LogNotifier::Slot& LogNotifier::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

LogNotifier::Slot::~Slot() { Release(); }

void LogNotifier::Slot::Release() {
  if (owner_ == nullptr) return;
  std::lock_guard<std::mutex> lock(owner_->mu_);
  --owner_->waiters_;
  owner_ = nullptr;
}

}  // namespace hivewatch
