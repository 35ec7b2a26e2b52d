// LogNotifier: wakes live-tail requests (GET /api/v1/logs/tail, tail_handler.cc) when new log
// records have been stored. The push handler calls Notify after a commit; Close (at shutdown)
// wakes every waiter for good, so a stopping server never waits on an idle tail. It also bounds
// how many requests may wait at once, since each waiting request holds an HTTP worker thread.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace hivewatch {

class LogNotifier {
 public:
  // At most `max_waiters` requests wait at the same time (0: none ever waits).
  explicit LogNotifier(int max_waiters);

  // Changes every time Notify is called: read it before looking for records, then wait for it
  // to change, so that a commit between the two is never missed.
  uint64_t generation() const;

  // New records were stored.
  void Notify();

  // Waits until generation() differs from `seen`, the notifier is closed, or `timeout` passes.
  // Returns true when the generation moved.
  bool Wait(uint64_t seen, std::chrono::milliseconds timeout);

  // Wakes every waiter; later Waits return at once.
  void Close();
  bool closed() const;

  // A waiting slot, held while a request waits; empty when all slots are taken.
  class Slot {
   public:
    Slot() = default;
    explicit Slot(LogNotifier* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    void Release();
    LogNotifier* owner_ = nullptr;
  };
  Slot TryAcquireSlot();

 private:
  const int max_waiters_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;
  int waiters_ = 0;
  bool closed_ = false;
};

}  // namespace hivewatch
