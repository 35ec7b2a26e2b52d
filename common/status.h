// Status and Result<T>: how expected runtime failures travel (a bad payload, SQLite busy,
// a refused connection). Exceptions are kept for setup errors and misuse.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace hivewatch {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller sent something malformed (-> HTTP 400)
  kNotFound,           // (-> 404)
  kTooLarge,           // a size limit was exceeded (-> 413)
  kUnsupported,        // e.g. an unsupported content type/encoding (-> 415)
  kUnauthenticated,    // no or unknown credentials (-> 401)
  kPermissionDenied,   // known credentials, wrong scope (-> 403)
  kUnavailable,        // transient: retry later (-> 503)
  kInternal,           // a bug or an I/O failure (-> 500)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy with `prefix: ` in front of the message, for adding context on the way up.
  Status WithPrefix(const std::string& prefix) const {
    return Status(code_, prefix + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace hivewatch

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define HW_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::hivewatch::Status hw_status_ = (expr); \
    if (!hw_status_.ok()) return hw_status_; \
  } while (0)
