#include "collector/http/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <iterator>
#include <thread>
#include <type_traits>
#include <vector>

namespace hivewatch {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

// The decoded path of a request target, without the query string.
std::string TargetPath(const std::string& target) {
  return UrlDecode(target.substr(0, target.find('?')), /*plus_is_space=*/false);
}

HttpRequest ToRequest(http::request<http::string_body>&& raw, const std::string& remote) {
  HttpRequest req;
  req.method = std::string(raw.method_string());
  req.target = std::string(raw.target());
  const std::string& t = req.target;
  size_t q = t.find('?');
  req.path = TargetPath(t);
  if (q != std::string::npos) {
    size_t pos = q + 1;
    while (pos <= t.size()) {
      size_t amp = t.find('&', pos);
      std::string pair = t.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      if (!pair.empty()) {
        size_t eq = pair.find('=');
        std::string key = UrlDecode(pair.substr(0, eq));
        std::string value = eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
        req.query.emplace(std::move(key), std::move(value));
      }
      if (amp == std::string::npos) break;
      pos = amp + 1;
    }
  }
  for (const auto& field : raw) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(field.value());
  }
  req.body = std::move(raw.body());
  req.remote = remote;
  return req;
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerOptions opts, const Router& r, RequestObserver* obs)
      : options(std::move(opts)),
        router(r),
        observer(obs),
        acceptor(asio::make_strand(ioc)),
        workers(static_cast<size_t>(std::max(1, options.worker_threads))) {}

  ServerOptions options;
  const Router& router;
  RequestObserver* observer;  // may be null
  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause{acceptor.get_executor()};  // after running out of descriptors
  asio::thread_pool workers;
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
  std::vector<std::thread> io_threads;
  std::atomic<int> in_flight{0};
  std::atomic<int> connections{0};
  std::atomic<bool> stopping{false};
  // When a refused connection was last logged (steady ms): at most one warning a second.
  std::atomic<int64_t> last_refusal_log_ms{0};

  // Runs a request through the router, mapping every error to a JSON body in one place.
  HttpResponse Handle(const HttpRequest& req) {
    auto started = std::chrono::steady_clock::now();
    HttpResponse resp;
    try {
      resp = router.Dispatch(req);
    } catch (const HttpError& e) {
      resp = HttpResponse::Json(ErrorBody(e.what()), e.status());
      resp.headers = e.headers();
    } catch (const std::exception& e) {
      spdlog::error("{} {}: internal error: {}", req.method, req.path, e.what());
      resp = HttpResponse::Json(ErrorBody(std::string("internal error: ") + e.what()), 500);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    if (observer != nullptr) {
      observer->OnRequest(router.RouteName(req.path), resp.status, took.count());
    }
    // Only the path is logged: never the query string or headers, where credentials may be.
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
    if (resp.status >= 500) {
      spdlog::warn("{} {} {} -> {} in {} us: {}", req.remote, req.method, req.path, resp.status, us,
                   resp.body);
    } else {
      spdlog::debug("{} {} {} -> {} in {} us", req.remote, req.method, req.path, resp.status, us);
    }
    return resp;
  }

  void Accept();
  void Refuse(tcp::socket& socket);
};

namespace {

// One connection: (TLS handshake,) read a request, hand it to the worker pool, write the
// answer, repeat. `Stream` is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  template <class... TlsContext>
  Session(tcp::socket&& socket, HttpServer::Impl* server, TlsContext&... tls)
      : stream_(std::move(socket), tls...), server_(server) {
    server_->connections++;
    beast::error_code ec;
    auto ep = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  ~Session() { server_->connections--; }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Tcp().expires_after(
            std::chrono::milliseconds(self->server_->options.read_timeout_ms));
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self](beast::error_code ec) { self->OnHandshake(ec); });
      } else {
        self->Read();
      }
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      // A client that does not trust our certificate, or speaks plain HTTP to a TLS port.
      spdlog::debug("{}: TLS handshake failed: {}", remote_, ec.message());
      return Tcp().close();
    }
    Read();
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
    // One deadline for the whole request, headers and body: a client trickling bytes
    // (slow loris) is cut off when it passes, however steadily it sends.
    Tcp().expires_after(std::chrono::milliseconds(server_->options.read_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Clients that send "Expect: 100-continue" (curl does for large bodies) wait for a
  // 100 Continue before sending the body; answer it instead of letting them time out.
  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    const auto& header = parser_->get();
    if (static_cast<size_t>(std::distance(header.begin(), header.end())) >
        server_->options.max_header_count) {
      return WriteError(431, "request has more than " +
                                 std::to_string(server_->options.max_header_count) +
                                 " header fields");
    }
    auto expect = header[http::field::expect];
    if (beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     header.version());
      http::async_write(stream_, *cont,
                        [self = this->shared_from_this(), cont](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == ssl::error::stream_truncated) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return WriteError(413, "request body exceeds the limit of " +
                                 std::to_string(server_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, "request headers exceed the limit of " +
                                 std::to_string(server_->options.max_header_bytes) + " bytes");
    }
    if (ec) return WriteError(400, "malformed HTTP request: " + ec.message());
    if (server_->stopping) return WriteError(503, "the collector is shutting down");

    keep_alive_ = parser_->get().keep_alive();
    const unsigned version = parser_->get().version();
    const bool head = parser_->get().method() == http::verb::head;
    HttpRequest req = ToRequest(parser_->release(), remote_);
    server_->in_flight++;
    // Handlers may block (storage commits): run them on the worker pool, not an I/O thread.
    asio::post(
        server_->workers, [self = this->shared_from_this(), req = std::move(req), version, head] {
          HttpResponse resp = self->server_->Handle(req);
          asio::post(self->stream_.get_executor(), [self, resp = std::move(resp), version, head] {
            self->Write(resp, version, head);
          });
        });
  }

  void WriteError(int status, const std::string& message) {
    keep_alive_ = false;
    if (server_->observer != nullptr) {
      // The request line comes first, so the target is known even when a limit stopped the
      // header (Beast checks Content-Length against the body limit while parsing it).
      const std::string target = parser_ ? std::string(parser_->get().target()) : "";
      server_->observer->OnRequest(server_->router.RouteName(TargetPath(target)), status,
                                   std::nullopt);
    }
    server_->in_flight++;
    Write(HttpResponse::Json(ErrorBody(message), status), 11, false);
  }

  void Write(const HttpResponse& resp, unsigned version, bool head) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(resp.status), version);
    res->set(http::field::server, "hivewatch-collector");
    res->set(http::field::content_type, resp.content_type);
    res->set("X-Content-Type-Options", "nosniff");  // JSON errors must never be sniffed as HTML
    for (const auto& [k, v] : resp.headers) res->set(k, v);
    res->keep_alive(keep_alive_ && !server_->stopping);
    if (!head) res->body() = resp.body;
    res->prepare_payload();
    if (head) res->content_length(resp.body.size());
    Tcp().expires_after(std::chrono::milliseconds(server_->options.write_timeout_ms));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        self->server_->in_flight--;
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    if constexpr (kTls) {
      // close_notify, bounded: a peer that never answers it is dropped after the timeout.
      Tcp().expires_after(std::chrono::milliseconds(server_->options.write_timeout_ms));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Tcp().close(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) return stream_.close();
      // Lingering close: closing with unread request bytes (a body refused with 413, headers
      // with 431) makes the kernel send a reset, which can destroy the answer before the
      // client reads it. Read and drop what still comes until the client closes, for at most
      // a second.
      Tcp().expires_after(std::chrono::seconds(1));
      Drain();
    }
  }

  void Drain() {
    stream_.async_read_some(asio::buffer(drain_, sizeof drain_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->stream_.close();
                              self->Drain();
                            });
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  char drain_[4096];  // Drain's scratch
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;
  std::string remote_;
  bool keep_alive_ = true;
};

}  // namespace

// Over max_connections: closed before anything is read, so a flood of idle connections costs
// a file descriptor each only for an instant.
void HttpServer::Impl::Refuse(tcp::socket& socket) {
  beast::error_code ec;
  socket.close(ec);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_refusal_log_ms.load();
  if (now - last >= 1000 && last_refusal_log_ms.compare_exchange_strong(last, now)) {
    spdlog::warn("refusing connections: {} are open, the limit (http.max_connections)",
                 connections.load());
  }
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      if (connections.load() >= options.max_connections) {
        Refuse(socket);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), this,
                                                                          *tls)
              ->Start();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(std::move(socket), this)->Start();
        }
      }
    } else {
      spdlog::warn("accept failed: {}", ec.message());
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
        // Out of file descriptors: accepting again at once would fail again at once. Pause
        // (connections that close meanwhile free some) instead of spinning.
        accept_pause.expires_after(std::chrono::milliseconds(100));
        accept_pause.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) Accept();
        });
        return;
      }
    }
    Accept();
  });
}

HttpServer::HttpServer(ServerOptions options, const Router& router, RequestObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), router, observer)) {}

HttpServer::~HttpServer() { Stop(0); }

namespace {

// Each connection holds a file descriptor, and the usual soft limit (1024) is below the default
// max_connections: raise the soft limit toward the hard one, as far as max_connections needs
// (plus room for the database and logs).
void RaiseOpenFileLimit(int max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + 256;
  if (limit.rlim_cur >= wanted) return;
  const rlim_t raised = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (raised <= limit.rlim_cur) return;
  limit.rlim_cur = raised;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (raised < wanted) {
    spdlog::warn("open files are limited to {} (ulimit -n): fewer than http.max_connections ({})",
                 raised, max_connections);
  }
}

// A TLS 1.2+ server context from PEM files; kInvalidArgument naming the file that failed.
Result<std::unique_ptr<ssl::context>> MakeTlsContext(const ServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgument("TLS needs both a certificate and a key (tls.cert_file, tls.key_file)");
  }
  if (options.tls_cert_file.empty()) return std::unique_ptr<ssl::context>();
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return InvalidArgument("cannot load the TLS certificate " + options.tls_cert_file + ": " +
                           ec.message());
  }
  // OpenSSL also checks here that the key belongs to the certificate ("key values mismatch").
  context->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return InvalidArgument("cannot load the TLS key " + options.tls_key_file +
                           " (for the certificate " + options.tls_cert_file + "): " + ec.message());
  }
  return context;
}

}  // namespace

Status HttpServer::Start() {
  RaiseOpenFileLimit(impl_->options.max_connections);
  Result<std::unique_ptr<ssl::context>> tls = MakeTlsContext(impl_->options);
  HW_RETURN_IF_ERROR(tls.status());
  impl_->tls = std::move(tls).value();
  const std::string& listen = impl_->options.listen;
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgument("listen address '" + listen + "' must be host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return InvalidArgument("listen address '" + listen + "' has an invalid port");
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return InvalidArgument("listen address '" + listen + "': invalid IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& acc = impl_->acceptor;
  if (acc.open(endpoint.protocol(), ec) ||
      acc.set_option(asio::socket_base::reuse_address(true), ec) || acc.bind(endpoint, ec) ||
      acc.listen(asio::socket_base::max_listen_connections, ec)) {
    return Unavailable("cannot listen on " + listen + ": " + ec.message());
  }
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->io_threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return Status::Ok();
}

std::string HttpServer::BoundAddress() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

void HttpServer::Stop(int drain_timeout_ms) {
  if (impl_->io_threads.empty()) return;
  impl_->stopping = true;
  asio::post(impl_->acceptor.get_executor(), [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_timeout_ms);
  while (impl_->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (impl_->in_flight > 0) {
    spdlog::warn("stopping with {} request(s) still in flight", impl_->in_flight.load());
  }
  impl_->ioc.stop();
  for (auto& t : impl_->io_threads) t.join();
  impl_->io_threads.clear();
  impl_->workers.join();
}

}  // namespace hivewatch
