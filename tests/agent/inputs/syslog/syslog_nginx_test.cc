// A real nginx (Debian's package, started by hand in the foreground with a temp prefix) sends
// its access log and error log to a SyslogInput with `syslog:server=127.0.0.1:PORT`; requests
// made with curl must arrive parsed.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "agent/inputs/syslog/syslog_input.h"
#include "tests/agent/inputs/collecting_sink.h"
#include "tests/support/process.h"

namespace hivewatch {
namespace {

using testing::CollectingSink;
using testing::Process;
using testing::RunCommand;
using testing::TempDir;
using testing::WaitFor;

// A loopback TCP port that was free a moment ago (nginx must bind it itself).
int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string Curl(int port, const std::string& path) {
  return RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-A",
                     "hivewatch-test/1", "http://127.0.0.1:" + std::to_string(port) + path})
      .out;
}

std::string Field(const LogRecord& r, const std::string& name) {
  auto it = r.fields.find(name);
  return it == r.fields.end() ? "<absent>" : it->second;
}

// nginx in the foreground, one process, everything under `dir`.
class Nginx {
 public:
  Nginx(const std::string& dir, uint16_t syslog_port) : dir_(dir) {
    std::filesystem::create_directories(dir + "/html");
    std::ofstream(dir + "/html/index.html") << "hello from nginx\n";
    // The port is only known free, not reserved: if nginx loses the race, try another.
    for (int attempt = 0; attempt < 5 && port_ == 0; ++attempt) {
      int port = FreeTcpPort();
      WriteConfig(port, syslog_port);
      process_ = Process::Start(
          {"nginx", "-p", dir + "/", "-c", dir + "/nginx.conf", "-e", dir + "/startup.log"},
          dir + "/stdout.log", dir + "/stderr.log");
      bool up = WaitFor([&] { return !process_.Running() || Curl(port, "/?ready") == "200"; },
                        std::chrono::seconds(20));
      if (up && process_.Running()) port_ = port;
    }
  }
  ~Nginx() {
    process_.Signal(SIGQUIT);  // graceful: finishes what it is doing
    process_.Wait();
  }
  int port() const { return port_; }
  std::string Logs() const {
    return testing::ReadFile(dir_ + "/stderr.log") + testing::ReadFile(dir_ + "/startup.log") +
           testing::ReadFile(dir_ + "/error.log");
  }

 private:
  void WriteConfig(int port, uint16_t syslog_port) {
    const std::string server = "syslog:server=127.0.0.1:" + std::to_string(syslog_port);
    std::ofstream(dir_ + "/nginx.conf") << "daemon off;\n"
                                        << "master_process off;\n"
                                        << "worker_processes 1;\n"
                                        << "pid " << dir_ << "/nginx.pid;\n"
                                        << "error_log " << dir_ << "/error.log info;\n"
                                        << "events { worker_connections 64; }\n"
                                        << "http {\n"
                                        << "  default_type text/plain;\n"
                                        << "  client_body_temp_path " << dir_ << "/body;\n"
                                        << "  proxy_temp_path " << dir_ << "/proxy;\n"
                                        << "  fastcgi_temp_path " << dir_ << "/fastcgi;\n"
                                        << "  uwsgi_temp_path " << dir_ << "/uwsgi;\n"
                                        << "  scgi_temp_path " << dir_ << "/scgi;\n"
                                        << "  access_log " << server << " combined;\n"
                                        << "  error_log " << server << ",tag=nginx_error error;\n"
                                        << "  server {\n"
                                        << "    listen 127.0.0.1:" << port << ";\n"
                                        << "    root " << dir_ << "/html;\n"
                                        << "    location = /teapot { return 418; }\n"
                                        << "  }\n"
                                        << "}\n";
  }

  std::string dir_;
  Process process_;
  int port_ = 0;
};

TEST_CASE("a real nginx's access and error logs arrive parsed over syslog",
          "[syslog][input][nginx]") {
  CollectingSink sink;
  SyslogInputConfig config;
  config.udp_listen = "127.0.0.1:0";
  SyslogInput input(config);
  REQUIRE(input.Start({}, &sink).ok());

  TempDir dir;
  Nginx nginx(dir.path(), input.udp_port());
  INFO("nginx output: " << nginx.Logs());
  REQUIRE(nginx.port() != 0);

  CHECK(Curl(nginx.port(), "/index.html?req=1") == "200");
  CHECK(Curl(nginx.port(), "/missing?req=2") == "404");
  CHECK(Curl(nginx.port(), "/teapot?req=3") == "418");

  auto requests = [&] {
    std::vector<LogRecord> out;
    for (LogRecord& r : sink.records()) {
      if (r.message.find("?req=") != std::string::npos && r.service == "nginx") out.push_back(r);
    }
    return out;
  };
  REQUIRE(WaitFor([&] { return requests().size() == 3; }, std::chrono::seconds(20)));
  std::vector<LogRecord> access = requests();

  std::string host(255, '\0');
  gethostname(host.data(), host.size());
  host.resize(host.find('\0'));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const char* const expected[] = {"\"GET /index.html?req=1 HTTP/1.1\" 200 17 ",
                                  "\"GET /missing?req=2 HTTP/1.1\" 404 ",
                                  "\"GET /teapot?req=3 HTTP/1.1\" 418 "};
  for (size_t i = 0; i < 3; ++i) {
    const LogRecord& r = access[i];
    INFO(r.message);
    CHECK_THAT(r.message, Catch::StartsWith("127.0.0.1 - - ["));
    CHECK_THAT(r.message, Catch::Contains(expected[i]));
    CHECK_THAT(r.message, Catch::EndsWith("\"-\" \"hivewatch-test/1\""));
    CHECK(r.level == Level::kInfo);
    CHECK(Field(r, "facility") == "local7");
    CHECK(Field(r, "severity") == "info");
    CHECK(Field(r, "hostname") == host);
    CHECK(r.ts_ms % 1000 == 0);  // from the RFC 3164 header (whole seconds), not receipt time
  }

  // The missing file is also an error in nginx's error log, sent with its own tag.
  REQUIRE(WaitFor([&] {
    for (const LogRecord& r : sink.records()) {
      if (r.service == "nginx_error") return true;
    }
    return false;
  }));
  for (const LogRecord& r : sink.records()) {
    if (r.service != "nginx_error") continue;
    CHECK(r.level == Level::kError);
    CHECK_THAT(r.message, Catch::Contains("/missing\" failed (2: No such file or directory)"));
    CHECK_THAT(r.message, Catch::Contains("request: \"GET /missing?req=2 HTTP/1.1\""));
  }
}

}  // namespace
}  // namespace hivewatch
