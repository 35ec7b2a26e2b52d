// HttpServer: the collector's HTTP/1.1 listener (Boost.Beast). Connections are read and written
// on a few I/O threads; handlers, which may block on storage, run on a separate worker pool so
// a slow commit never stalls other connections. Start/Stop are called from one thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "collector/http/router.h"

namespace hivewatch {

struct ServerOptions {
  std::string listen = "127.0.0.1:9800";  // host:port; port 0 picks a free port
  int io_threads = 2;
  int worker_threads = 16;
  size_t max_body_bytes = 16 * 1024 * 1024;  // raw request body (before decompression)
  int read_timeout_ms = 30000;                // a request must arrive within this
};

// Told about every answered request (the collector's /metrics). Called from worker and I/O
// threads at once: implementations must be thread-safe and quick.
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // `handler` is Router::RouteName of the request's path ("other" when even the path could not
  // be read); `seconds` is the time the router and handler took, absent for requests refused
  // while being read (body over the limit, malformed, shutting down).
  virtual void OnRequest(const std::string& handler, int status, std::optional<double> seconds) = 0;
};

class HttpServer {
 public:
  // `observer` is optional and must outlive the server.
  HttpServer(ServerOptions options, const Router& router, RequestObserver* observer = nullptr);
  ~HttpServer();

  // Binds and starts serving. kUnavailable with a clear message if the address cannot be bound.
  Status Start();

  // The bound address, e.g. "127.0.0.1:43123" (after Start).
  std::string BoundAddress() const;

  // Stops accepting, lets requests already being handled finish (up to `drain_timeout_ms`),
  // then closes every connection and joins the threads.
  void Stop(int drain_timeout_ms = 10000);

  struct Impl;  // implementation detail (server.cc), public so connections can reach it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hivewatch
