// hivewatch-bench-agent-tail: the whole agent — the real hivewatch-agent process: file input →
// batcher → gzip → spool (fsync) → HTTP push — tailing a big file of real sample lines from its
// beginning, into a null HTTP sink (answers every push 200 at once, keeps nothing) and into the
// real collector (--no-auth, its own temp data directory). The clock runs from the agent's start
// until its state database says the collector acknowledged the file's last line; prints MB/s,
// lines/s, the agent's CPU seconds and its peak RSS (VmHWM from /proc). Never a pass/fail test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/inputs/file/file_position.h"
#include "agent/ship/checkpoint_store.h"
#include "bench/bench_util.h"

namespace po = boost::program_options;
using namespace hivewatch;
using Clock = std::chrono::steady_clock;

extern char** environ;

namespace {

// HTTP/1.1 on 127.0.0.1, port 0: reads each request (Content-Length bodies, keep-alive), counts
// its bytes and answers 200 with a push response. A thread per connection.
class NullHttpSink {
 public:
  NullHttpSink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("null sink: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    accept_ = std::thread([this] { Accept(); });
  }
  ~NullHttpSink() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    accept_.join();
    for (auto& t : connections_) t.join();
  }
  int port() const { return port_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t requests() const { return requests_; }

 private:
  void Accept() {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      connections_.emplace_back([this, c] { Serve(c); });
    }
  }
  void Serve(int c) {
    std::string buf;
    char chunk[1 << 16];
    for (;;) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::read(c, chunk, sizeof chunk);
        if (n <= 0) return Close(c);
        buf.append(chunk, static_cast<size_t>(n));
      }
      std::string head = buf.substr(0, end);
      for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      size_t body = 0;
      size_t at = head.find("content-length:");
      if (at != std::string::npos) body = std::stoull(head.substr(at + 15));
      buf.erase(0, end + 4);
      while (buf.size() < body) {
        ssize_t n = ::read(c, chunk, sizeof chunk);
        if (n <= 0) return Close(c);
        buf.append(chunk, static_cast<size_t>(n));
      }
      buf.erase(0, body);
      bytes_ += body;
      ++requests_;
      static const std::string kResponse =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
          "{\"status\":\"ok\"}";
      if (::write(c, kResponse.data(), kResponse.size()) < 0) return Close(c);
    }
  }
  static void Close(int c) { ::close(c); }

  int fd_ = -1;
  int port_ = 0;
  std::thread accept_;
  std::vector<std::thread> connections_;
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> requests_{0};
};

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + argv[0]);
  }
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int Stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

// VmHWM / VmRSS of a process in MB (0 if unreadable).
double StatusMb(pid_t pid, const char* key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) == 0) return std::stod(line.substr(std::strlen(key))) / 1024.0;
  }
  return 0;
}

// utime + stime of a process (or, given "PID/task/TID", of one thread) in seconds.
double CpuSeconds(const std::string& proc_path) {
  std::ifstream in("/proc/" + proc_path + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The CPU seconds of the agent's busiest thread: with a core to itself, the pipeline can go no
// faster than that thread (the seal thread: encoding, gzip and fsync).
double BusiestThreadCpuSeconds(pid_t pid) {
  double busiest = 0;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    busiest = std::max(
        busiest, CpuSeconds(std::to_string(pid) + "/task/" + task.path().filename().string()));
  }
  return busiest;
}

// The acknowledged offset of `path` in the agent's state database (0 if not there yet).
uint64_t AckedOffset(const std::string& state_db, const std::string& path) {
  if (!std::filesystem::exists(state_db)) return 0;
  Result<std::unique_ptr<CheckpointStore>> store = CheckpointStore::Open(state_db);
  if (!store.ok()) return 0;
  Result<Checkpoints> all = (*store)->Load();
  if (!all.ok()) return 0;
  for (const auto& [key, value] : *all) {
    Result<FilePosition> p = DecodePosition(value);
    if (p.ok() && p->path == path) return p->offset;
  }
  return 0;
}

bool Connectable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Options {
  std::string agent;
  std::string dir;
  std::string extra_agent_toml;
};

// Runs the agent on `file` into `url` until everything is acknowledged; prints one line.
void RunAgent(const Options& o, const std::string& label, const std::string& url,
              const std::string& file, uint64_t lines, const std::function<void()>& after) {
  const std::string dir = o.dir + "/" + label;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string config = dir + "/agent.toml";
  std::ofstream(config) << "[agent]\ncollectors = [\"" << url << "\"]\nhost = \"bench\"\n"
                        << "state_dir = \"" << dir << "/state\"\ninterval = \"1h\"\n"
                        << o.extra_agent_toml << "\n[inputs.proc]\nenabled = false\n"
                        << "[[inputs.file]]\npaths = [\"" << file << "\"]\n"
                        << "service = \"bench\"\nstart_at = \"beginning\"\n";
  const uint64_t bytes = std::filesystem::file_size(file);
  const auto t0 = Clock::now();
  pid_t agent = Spawn({o.agent, "--config", config}, dir + "/agent.log");
  double max_rss = 0, hwm = 0, cpu = 0;
  uint64_t acked = 0;
  const std::string state_db = dir + "/state/state.db";
  while (acked < bytes) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // sampling period
    max_rss = std::max(max_rss, StatusMb(agent, "VmRSS:"));
    acked = AckedOffset(state_db, file);
    int status = 0;
    if (::waitpid(agent, &status, WNOHANG) == agent) {
      throw std::runtime_error("the agent exited; see " + dir + "/agent.log");
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  hwm = StatusMb(agent, "VmHWM:");
  cpu = CpuSeconds(std::to_string(agent));
  const double busiest = BusiestThreadCpuSeconds(agent);
  Stop(agent);
  std::printf(
      "%-22s %7.1f MB/s %10.0f lines/s  %6.2f s  agent %5.2f CPU s (%4.0f MB per CPU s)"
      "  RSS max %5.1f MB, VmHWM %5.1f MB\n"
      "%-22s busiest thread %5.2f CPU s: %4.0f MB/s if it had a core to itself\n",
      label.c_str(), bytes / secs / 1e6, lines / secs, secs, cpu, bytes / cpu / 1e6, max_rss, hwm,
      "", busiest, bytes / busiest / 1e6);
  std::fflush(stdout);
  if (after) after();
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-agent-tail [options]\n"
      "Runs the real agent tailing a big file of the real samples into a null HTTP sink and\n"
      "into the real collector, and prints throughput and the agent's peak RSS.\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "size-mb", po::value<uint64_t>()->default_value(1024), "file size for the null sink")(
      "collector-size-mb", po::value<uint64_t>()->default_value(256),
      "file size for the real collector (0 skips it)")(
      "dir", po::value<std::string>()->default_value("/tmp/hivewatch-agent-tail-bench"),
      "work directory (removed at the end)")(
      "samples", po::value<std::string>()->default_value(HIVEWATCH_SHARED_LOGS),
      "folder with the sample logs")(
      "agent", po::value<std::string>()->default_value(HIVEWATCH_AGENT_BIN), "agent binary")(
      "collector", po::value<std::string>()->default_value(HIVEWATCH_COLLECTOR_BIN),
      "collector binary")("agent-toml", po::value<std::string>()->default_value(""),
                          "extra [agent] settings, e.g. 'batch_max_bytes = 4194304'")(
      "runs", po::value<int>()->default_value(1), "runs per sink");
  po::variables_map vm;
  if (auto done = bench::ParseCommandLine(argc, argv, opts, "hivewatch-bench-agent-tail", &vm))
    return *done;
  Options o{vm["agent"].as<std::string>(), vm["dir"].as<std::string>(),
            vm["agent-toml"].as<std::string>()};
  std::vector<std::string> lines;
  for (auto& s : bench::LoadSampleLines(vm["samples"].as<std::string>())) {
    lines.push_back(std::move(s.message));
  }
  if (lines.empty()) {
    std::cerr << "hivewatch-bench-agent-tail: no sample lines\n";
    return 2;
  }
  std::filesystem::create_directories(o.dir);
  try {
    const std::string big = o.dir + "/big.log";
    uint64_t n = bench::WriteSampleFile(big, lines, vm["size-mb"].as<uint64_t>() << 20);
    std::printf("file: %.0f MB, %llu lines of the real samples (in the page cache)\n",
                std::filesystem::file_size(big) / 1e6, static_cast<unsigned long long>(n));
    for (int run = 0; run < vm["runs"].as<int>(); ++run) {
      NullHttpSink sink;
      RunAgent(o, "null HTTP sink", "http://127.0.0.1:" + std::to_string(sink.port()), big, n, [&] {
        std::printf("  (sink received %.1f MB of gzipped batches in %llu pushes)\n",
                    sink.bytes() / 1e6, static_cast<unsigned long long>(sink.requests()));
      });
    }
    std::filesystem::remove(big);
    const uint64_t collector_mb = vm["collector-size-mb"].as<uint64_t>();
    if (collector_mb > 0) {
      const std::string file = o.dir + "/collector.log";
      n = bench::WriteSampleFile(file, lines, collector_mb << 20);
      std::printf("file: %.0f MB, %llu lines\n", std::filesystem::file_size(file) / 1e6,
                  static_cast<unsigned long long>(n));
      for (int run = 0; run < vm["runs"].as<int>(); ++run) {
        const std::string data = o.dir + "/collector-data";
        std::filesystem::remove_all(data);
        const int port = FreePort();
        pid_t collector =
            Spawn({vm["collector"].as<std::string>(), "--listen",
                   "127.0.0.1:" + std::to_string(port), "--data-dir", data, "--no-auth"},
                  o.dir + "/collector.out");
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (!Connectable(port)) {
          if (Clock::now() > deadline) throw std::runtime_error("the collector did not start");
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        RunAgent(o, "real collector", "http://127.0.0.1:" + std::to_string(port), file, n, [&] {
          std::printf("  (collector data directory %.0f MB)\n", [&] {
            uint64_t total = 0;
            for (auto& e : std::filesystem::recursive_directory_iterator(data)) {
              if (e.is_regular_file()) total += e.file_size();
            }
            return total;
          }() / 1e6);
        });
        Stop(collector);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "hivewatch-bench-agent-tail: " << e.what() << "\n";
    return 1;
  }
  std::filesystem::remove_all(o.dir);
  return 0;
}
