// HttpServer: the collector's HTTP/1.1 listener (Boost.Beast), plain or TLS (OpenSSL) when a
// certificate and key are given. Connections are read and written on a few I/O threads;
// handlers, which may block on storage, run on a separate worker pool so a slow commit never
// stalls other connections. Every connection is bounded (header size and count, body size, time
// to read a request and to write an answer) and so is their number. Start/Stop are called from
// one thread.
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
  int read_timeout_ms = 30000;   // a whole request (and a TLS handshake) must arrive within this;
                                 // also how long an idle kept-alive connection stays open
  int write_timeout_ms = 30000;  // an answer must be taken by the client within this
  size_t max_header_bytes = 64 * 1024;  // request line and headers together (431 beyond)
  size_t max_header_count = 100;        // header fields per request (431 beyond)
  int max_connections = 1024;           // open connections; more are closed at once, unanswered
  // TLS: both set, or neither (plain HTTP). PEM files: the certificate chain (server first) and
  // its private key.
  std::string tls_cert_file;
  std::string tls_key_file;
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

  // Binds and starts serving. kUnavailable with a clear message if the address cannot be bound;
  // kInvalidArgument if the TLS certificate or key cannot be loaded.
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
