#include "agent/inputs/syslog/syslog_input.h"

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include "agent/inputs/syslog/syslog_framing.h"
#include "agent/inputs/syslog/syslog_parser.h"
#include "common/time_util.h"

namespace hivewatch {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using boost::system::error_code;

namespace {

constexpr size_t kMinMessageBytes = 480;  // RFC 3164 §6.1: every receiver takes this much
constexpr size_t kMaxMessageBytes = 1024 * 1024;
constexpr size_t kMaxUdpPayload = 65535;
constexpr int kUdpDrainPerEmit = 256;  // datagrams already queued, handed over in one Emit

std::string PeerHost(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

// The address to bind for `host` (an IP literal or a name resolved once, first result).
Result<asio::ip::address> ResolveHost(asio::io_context& io, const std::string& host) {
  error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    return Unavailable("cannot resolve '" + host + "': " + (ec ? ec.message() : "no address"));
  }
  return results.begin()->endpoint().address();
}

}  // namespace

Status ParseListenAddress(std::string_view text, std::string* host, uint16_t* port) {
  const std::string bad = "'" + std::string(text) +
                          "' is not HOST:PORT (e.g. \"127.0.0.1:5514\", \"[::1]:5514\", \":514\")";
  std::string_view h, p;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return InvalidArgument(bad);
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
    if (h.empty()) return InvalidArgument(bad);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return InvalidArgument(bad);
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
    if (h.find(':') != std::string_view::npos) return InvalidArgument(bad);  // IPv6 needs []
  }
  if (p.empty() || p.size() > 5) return InvalidArgument(bad);
  unsigned value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return InvalidArgument(bad);
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return InvalidArgument(bad + ": port out of range");
  *host = h.empty() ? "0.0.0.0" : std::string(h);
  *port = static_cast<uint16_t>(value);
  return Status::Ok();
}

Status ValidateSyslogInputConfig(const SyslogInputConfig& config) {
  const std::string prefix = "inputs.syslog.";
  if (config.udp_listen.empty() && config.tcp_listen.empty()) {
    return InvalidArgument(prefix + "udp_listen, tcp_listen: set at least one of them");
  }
  std::string host;
  uint16_t port = 0;
  if (!config.udp_listen.empty()) {
    HW_RETURN_IF_ERROR(
        ParseListenAddress(config.udp_listen, &host, &port).WithPrefix(prefix + "udp_listen"));
  }
  if (!config.tcp_listen.empty()) {
    HW_RETURN_IF_ERROR(
        ParseListenAddress(config.tcp_listen, &host, &port).WithPrefix(prefix + "tcp_listen"));
  }
  if (config.max_message_bytes < kMinMessageBytes || config.max_message_bytes > kMaxMessageBytes) {
    return InvalidArgument(prefix + "max_message_bytes: must be between 480 and 1048576, got " +
                           std::to_string(config.max_message_bytes));
  }
  if (config.default_service.empty()) {
    return InvalidArgument(prefix + "default_service: must not be empty");
  }
  if (config.max_connections < 1) {
    return InvalidArgument(prefix + "max_connections: must be at least 1");
  }
  return Status::Ok();
}

// Everything that lives from Start to Stop. Only the I/O thread touches it between the two.
struct SyslogInput::Impl {
  struct Connection {
    explicit Connection(asio::io_context& io, size_t max_bytes) : socket(io), framer(max_bytes) {}
    tcp::socket socket;
    SyslogFramer framer;
    std::array<char, 16 * 1024> buf;
    std::string peer;
  };

  Impl(const SyslogInputConfig& config, LogSink* sink) : config(config), sink(sink) {}

  // Declared first so that it is destroyed last, after every socket bound to it.
  asio::io_context io;
  const SyslogInputConfig& config;
  LogSink* sink;
  std::optional<udp::socket> udp_socket;
  std::vector<char> udp_buf;
  udp::endpoint udp_peer;
  std::optional<tcp::acceptor> acceptor;
  std::set<std::shared_ptr<Connection>> connections;
  bool refusing = false;  // a "too many connections" warning was logged and not yet cleared
  std::atomic<uint16_t> udp_port{0};
  std::atomic<uint16_t> tcp_port{0};
  std::thread thread;

  Status BindUdp(const std::string& listen);
  Status BindTcp(const std::string& listen);
  void ReceiveUdp();
  void OnUdp(const error_code& ec, size_t n);
  void Accept();
  void Read(const std::shared_ptr<Connection>& c);
  void Close(const std::shared_ptr<Connection>& c);
  void AddRecord(std::string_view text, bool truncated, const std::string& peer, int64_t now,
                 std::vector<LogRecord>* out) const;
  bool Emit(std::vector<LogRecord> records);
};

Status SyslogInput::Impl::BindUdp(const std::string& listen) {
  const std::string where = "syslog: cannot listen on udp " + listen;
  std::string host;
  uint16_t port = 0;
  HW_RETURN_IF_ERROR(ParseListenAddress(listen, &host, &port).WithPrefix(where));
  Result<asio::ip::address> address = ResolveHost(io, host);
  if (!address.ok()) return address.status().WithPrefix(where);
  udp::endpoint endpoint(*address, port);
  error_code ec;
  udp_socket.emplace(io);
  udp_socket->open(endpoint.protocol(), ec);
  if (!ec) udp_socket->bind(endpoint, ec);
  if (ec) {
    udp_socket.reset();
    return Unavailable(where + ": " + ec.message());
  }
  // A larger kernel buffer rides out bursts while the sink applies backpressure (capped by
  // net.core.rmem_max; failure is harmless).
  error_code ignored;
  udp_socket->set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
  udp_socket->non_blocking(true, ignored);  // for draining queued datagrams synchronously
  udp_port = udp_socket->local_endpoint(ec).port();
  udp_buf.resize(std::min(config.max_message_bytes + 1, kMaxUdpPayload + 1));
  spdlog::info("syslog: listening on udp {}:{}", PeerHost(*address), udp_port.load());
  return Status::Ok();
}

Status SyslogInput::Impl::BindTcp(const std::string& listen) {
  const std::string where = "syslog: cannot listen on tcp " + listen;
  std::string host;
  uint16_t port = 0;
  HW_RETURN_IF_ERROR(ParseListenAddress(listen, &host, &port).WithPrefix(where));
  Result<asio::ip::address> address = ResolveHost(io, host);
  if (!address.ok()) return address.status().WithPrefix(where);
  tcp::endpoint endpoint(*address, port);
  error_code ec;
  acceptor.emplace(io);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.reset();
    return Unavailable(where + ": " + ec.message());
  }
  tcp_port = acceptor->local_endpoint(ec).port();
  spdlog::info("syslog: listening on tcp {}:{}", PeerHost(*address), tcp_port.load());
  return Status::Ok();
}

void SyslogInput::Impl::AddRecord(std::string_view text, bool truncated, const std::string& peer,
                                  int64_t now, std::vector<LogRecord>* out) const {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == '\0')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return;
  SyslogRecordOptions options;
  options.default_service = config.default_service;
  options.received_ms = now;
  options.peer_host = peer;
  options.truncated = truncated;
  out->push_back(SyslogToLogRecord(ParseSyslogMessage(text, now), options));
}

bool SyslogInput::Impl::Emit(std::vector<LogRecord> records) {
  if (records.empty()) return true;
  if (sink->Emit(std::move(records), "", "")) return true;
  spdlog::debug("syslog: the agent is stopping; no more reads");
  io.stop();
  return false;
}

void SyslogInput::Impl::ReceiveUdp() {
  udp_socket->async_receive_from(asio::buffer(udp_buf), udp_peer,
                                 [this](const error_code& ec, size_t n) { OnUdp(ec, n); });
}

void SyslogInput::Impl::OnUdp(const error_code& ec, size_t n) {
  if (ec == asio::error::operation_aborted) return;
  std::vector<LogRecord> records;
  const int64_t now = NowMs();
  const size_t max = config.max_message_bytes;
  if (ec) {
    spdlog::warn("syslog: udp receive failed: {}", ec.message());
  } else {
    AddRecord(std::string_view(udp_buf.data(), std::min(n, max)), n > max,
              PeerHost(udp_peer.address()), now, &records);
    // Hand whatever else is already queued to the sink in the same call.
    for (int k = 0; k < kUdpDrainPerEmit; ++k) {
      error_code more;
      udp::endpoint peer;
      size_t m = udp_socket->receive_from(asio::buffer(udp_buf), peer, 0, more);
      if (more) break;
      AddRecord(std::string_view(udp_buf.data(), std::min(m, max)), m > max,
                PeerHost(peer.address()), now, &records);
    }
  }
  if (!Emit(std::move(records))) return;
  ReceiveUdp();
}

void SyslogInput::Impl::Accept() {
  auto c = std::make_shared<Connection>(io, config.max_message_bytes);
  acceptor->async_accept(c->socket, [this, c](const error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("syslog: tcp accept failed: {}", ec.message());
    } else if (connections.size() >= config.max_connections) {
      if (!refusing) {
        spdlog::warn("syslog: {} tcp connections open (max_connections); closing new ones",
                     connections.size());
        refusing = true;
      }
      error_code ignored;
      c->socket.close(ignored);
    } else {
      error_code peer_ec;
      tcp::endpoint peer = c->socket.remote_endpoint(peer_ec);
      c->peer = peer_ec ? std::string() : PeerHost(peer.address());
      connections.insert(c);
      Read(c);
    }
    Accept();
  });
}

void SyslogInput::Impl::Read(const std::shared_ptr<Connection>& c) {
  c->socket.async_read_some(asio::buffer(c->buf), [this, c](const error_code& ec, size_t n) {
    if (ec == asio::error::operation_aborted) return;
    std::vector<SyslogFrame> frames;
    if (ec) {
      if (ec != asio::error::eof && ec != asio::error::connection_reset) {
        spdlog::debug("syslog: tcp connection from {}: {}", c->peer, ec.message());
      }
      c->framer.Finish(&frames);
    } else {
      c->framer.Feed(std::string_view(c->buf.data(), n), &frames);
    }
    std::vector<LogRecord> records;
    const int64_t now = NowMs();
    for (const SyslogFrame& frame : frames) {
      AddRecord(frame.text, frame.truncated, c->peer, now, &records);
    }
    if (!Emit(std::move(records))) return;
    if (ec) {
      Close(c);
    } else {
      Read(c);
    }
  });
}

void SyslogInput::Impl::Close(const std::shared_ptr<Connection>& c) {
  error_code ignored;
  c->socket.close(ignored);
  connections.erase(c);
  if (refusing && connections.size() < config.max_connections) refusing = false;
}

SyslogInput::SyslogInput(SyslogInputConfig config) : config_(std::move(config)) {}

SyslogInput::~SyslogInput() { Stop(); }

Status SyslogInput::Start(const Checkpoints& /*resume*/, LogSink* sink) {
  if (impl_) return Internal("syslog: Start called twice");
  HW_RETURN_IF_ERROR(ValidateSyslogInputConfig(config_));
  auto impl = std::make_unique<Impl>(config_, sink);
  if (!config_.udp_listen.empty()) HW_RETURN_IF_ERROR(impl->BindUdp(config_.udp_listen));
  if (!config_.tcp_listen.empty()) HW_RETURN_IF_ERROR(impl->BindTcp(config_.tcp_listen));
  if (impl->udp_socket) impl->ReceiveUdp();
  if (impl->acceptor) impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    try {
      raw->io.run();
    } catch (const std::exception& e) {
      spdlog::error("syslog: input stopped: {}", e.what());
    }
  });
  impl_ = std::move(impl);
  return Status::Ok();
}

void SyslogInput::Stop() {
  if (!impl_) return;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  error_code ignored;
  for (const auto& c : impl_->connections) c->socket.close(ignored);
  impl_->connections.clear();
  if (impl_->acceptor) impl_->acceptor->close(ignored);
  if (impl_->udp_socket) impl_->udp_socket->close(ignored);
  impl_.reset();
}

uint16_t SyslogInput::udp_port() const { return impl_ ? impl_->udp_port.load() : 0; }
uint16_t SyslogInput::tcp_port() const { return impl_ ? impl_->tcp_port.load() : 0; }

}  // namespace hivewatch
