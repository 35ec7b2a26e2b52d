// A deadline for the work the current thread does on behalf of one request (a query): set for
// a scope by the HTTP layer, checked by long-running code below it (SQLite's progress handler,
// the PromQL evaluator's reads) without passing it through every interface. Per thread, so
// concurrent requests never see each other's.
#pragma once

#include <chrono>
#include <optional>

namespace hivewatch {

namespace internal {
inline thread_local std::optional<std::chrono::steady_clock::time_point> thread_deadline;
}  // namespace internal

// Sets the thread's deadline for its lifetime (restoring the previous one after).
class ScopedDeadline {
 public:
  explicit ScopedDeadline(std::chrono::steady_clock::time_point deadline)
      : previous_(internal::thread_deadline) {
    internal::thread_deadline = deadline;
  }
  ~ScopedDeadline() { internal::thread_deadline = previous_; }
  ScopedDeadline(const ScopedDeadline&) = delete;
  ScopedDeadline& operator=(const ScopedDeadline&) = delete;

 private:
  std::optional<std::chrono::steady_clock::time_point> previous_;
};

// True when the calling thread has a deadline and it has passed.
inline bool DeadlinePassed() {
  return internal::thread_deadline &&
         std::chrono::steady_clock::now() >= *internal::thread_deadline;
}

}  // namespace hivewatch
