// HttpServer: the collector's HTTP/1.1 listener (Boost.Beast). Connections are read and written
// on a few I/O threads; handlers, which may block on storage, run on a separate worker pool so
// a slow commit never stalls other connections. Start/Stop are called from one thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
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

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router);
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
