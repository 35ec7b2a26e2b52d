// LoopbackServer: a minimal HTTP/1.1 server on 127.0.0.1, port 0, for tests of HTTP clients.
// One connection at a time on its own thread; keep-alive, Content-Length bodies,
// "Connection: close"; every request is recorded and answered by a handler. Header-only so
// every test binary can use it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hivewatch::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  int connection = 0;  // 1 for the first accepted connection, 2 for the next …
};

struct CannedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;   // answer "Connection: close" and close afterwards
  bool silent = false;  // never answer (to exercise the client's timeout)
};

inline std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A minimal HTTP/1.1 server on 127.0.0.1, port 0, serving one connection at a time on its own
// thread. Enough for one client: keep-alive, Content-Length bodies, "Connection: close".
class LoopbackServer {
 public:
  using Handler = std::function<CannedResponse(const ReceivedRequest&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0 || pipe(stop_pipe_) != 0) throw std::runtime_error("socket/pipe failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("bind/listen failed");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~LoopbackServer() {
    char byte = 0;
    (void)!write(stop_pipe_[1], &byte, 1);
    thread_.join();
    close(listen_fd_);
    close(stop_pipe_[0]);
    close(stop_pipe_[1]);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<ReceivedRequest> Requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  int Connections() {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_;
  }

  // Waits until at least n requests arrived or the deadline passed; returns whether they did.
  bool WaitForRequests(size_t n, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_until(lock, deadline, [&] { return requests_.size() >= n; });
  }

 private:
  // Waits until `fd` is readable; false when asked to stop.
  bool WaitReadable(int fd) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    while (true) {
      int n = poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents & POLLIN)) return false;
      if (fds[0].revents) return true;
    }
  }

  void AcceptLoop() {
    while (WaitReadable(listen_fd_)) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      int id;
      {
        std::lock_guard<std::mutex> lock(mu_);
        id = ++connections_;
      }
      Serve(fd, id);
      close(fd);
    }
  }

  // Reads more bytes into `buffer`; false on EOF, error or stop.
  bool ReadMore(int fd, std::string* buffer) {
    if (!WaitReadable(fd)) return false;
    char chunk[65536];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
    return true;
  }

  void Serve(int fd, int connection) {
    std::string buffer;
    while (true) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!ReadMore(fd, &buffer)) return;
      }
      ReceivedRequest request;
      request.connection = connection;
      std::string head = buffer.substr(0, head_end);
      buffer.erase(0, head_end + 4);
      size_t line_end = head.find("\r\n");
      std::string request_line = head.substr(0, line_end);
      size_t sp1 = request_line.find(' ');
      size_t sp2 = request_line.find(' ', sp1 + 1);
      request.method = request_line.substr(0, sp1);
      request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        size_t end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        std::string line = head.substr(pos, end - pos);
        size_t colon = line.find(':');
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        request.headers[Lower(line.substr(0, colon))] = value;
        pos = end + 2;
      }
      size_t length = 0;
      if (auto it = request.headers.find("content-length"); it != request.headers.end()) {
        length = std::stoul(it->second);
      }
      while (buffer.size() < length) {
        if (!ReadMore(fd, &buffer)) return;
      }
      request.body = buffer.substr(0, length);
      buffer.erase(0, length);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(request);
      }
      cv_.notify_all();
      CannedResponse response = handler_(request);
      if (response.silent) {
        // Hold the connection until the client gives up and closes it.
        while (ReadMore(fd, &buffer)) {
        }
        return;
      }
      std::string out = "HTTP/1.1 " + std::to_string(response.status) + " Whatever\r\n";
      for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
      out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
      if (response.close) out += "Connection: close\r\n";
      out += "\r\n" + response.body;
      size_t sent = 0;
      while (sent < out.size()) {
        ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
      if (response.close) return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ReceivedRequest> requests_;
  int connections_ = 0;
};

}  // namespace hivewatch::testing
