// The real collector's defences over real HTTP: TLS (a throwaway CA made with the openssl
// command), the connection, header, rate and query limits, slow clients, the dashboard's static
// files and headers, and tokens kept out of the log.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

// A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, made with the
// openssl command in `dir`.
struct TestPki {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
};

void RunOpenssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult r = RunCommand(argv);
  INFO("openssl " << args.front() << ": " << r.err);
  REQUIRE(r.exit_code == 0);
}

// A self-signed CA: <dir>/<name>.pem and <name>.key.
std::string MakeCa(const std::string& dir, const std::string& name) {
  RunOpenssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".pem", "-days", "2",
              "-subj", "/CN=" + name});
  return dir + "/" + name + ".pem";
}

TestPki MakePki(const std::string& dir) {
  TestPki pki;
  pki.ca_cert = MakeCa(dir, "hivewatch-test-ca");
  pki.server_key = dir + "/server.key";
  pki.server_cert = dir + "/server.pem";
  RunOpenssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", pki.server_key, "-out", dir + "/server.csr", "-subj", "/CN=127.0.0.1"});
  std::ofstream(dir + "/server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  RunOpenssl({"x509", "-req", "-in", dir + "/server.csr", "-CA", pki.ca_cert, "-CAkey",
              dir + "/hivewatch-test-ca.key", "-CAcreateserial", "-out", pki.server_cert, "-days",
              "2", "-extfile", dir + "/server.ext"});
  return pki;
}

// A raw TCP connection to the collector, for what curl will not send: dot segments, slow
// bytes, hundreds of headers.
class RawConnection {
 public:
  explicit RawConnection(const std::string& url) {
    const std::string hostport = url.substr(url.find("://") + 3);
    const int port = std::stoi(hostport.substr(hostport.rfind(':') + 1));
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // False once the peer has closed (or reset) the connection.
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }

  // True when the peer has closed the connection: poll says readable and recv reads nothing
  // (anything it sent before is appended to received()).
  bool PeerClosed(int wait_ms = 0) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      received_.append(buf, static_cast<size_t>(n));
      return false;
    }
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  // Reads until one whole response (headers and Content-Length body) has arrived, or the
  // peer closes, or 10 s pass.
  std::string ReadResponse() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      const size_t end = received_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::smatch m;
        const std::string head = received_.substr(0, end);
        size_t length = 0;
        if (std::regex_search(head, m,
                              std::regex("content-length: *([0-9]+)", std::regex::icase))) {
          length = std::stoul(m[1]);
        }
        if (received_.size() >= end + 4 + length) {
          std::string response = received_.substr(0, end + 4 + length);
          received_.erase(0, end + 4 + length);
          return response;
        }
      }
      if (PeerClosed(100)) break;
    }
    return std::exchange(received_, "");
  }

 private:
  int fd_ = -1;
  std::string received_;
};

// "HTTP/1.1 404 Not Found\r\n…" → 404.
int StatusOf(const std::string& response) {
  return response.size() > 12 ? std::stoi(response.substr(9, 3)) : 0;
}

// An empty agent configuration: without --config the agent would read /etc/hivewatch/agent.toml
// if the machine has one.
std::string EmptyConfig(const TempDir& dir) {
  const std::string path = dir.path() + "/agent.toml";
  std::ofstream(path) << "";
  return path;
}

json MetricBatch(const std::string& batch_id, int series) {
  json metrics = json::array();
  for (int i = 0; i < series; ++i) {
    metrics.push_back({{"name", "limit_test_gauge"},
                       {"type", "gauge"},
                       {"labels", {{"instance", "i" + std::to_string(i)}}},
                       {"samples", {{NowMs() - 1000, i}}}});
  }
  return {{"agent", {{"host", "limits"}, {"id", "agent-limits"}, {"version", "0.1.0"}}},
          {"batch_id", batch_id},
          {"metrics", metrics},
          {"logs", json::array()}};
}

}  // namespace

TEST_CASE("with a certificate the collector serves HTTPS, and the agent and the CLI verify it",
          "[integration][tls]") {
  TempDir pki_dir;
  const TestPki pki = MakePki(pki_dir.path());
  const std::string other_ca = MakeCa(pki_dir.path(), "some-other-ca");

  CollectorProcess collector({"--tls-cert", pki.server_cert, "--tls-key", pki.server_key});
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  REQUIRE(collector.url().rfind("https://127.0.0.1:", 0) == 0);

  HttpClientOptions trusting;
  trusting.ca_file = pki.ca_cert;
  HttpClient client(trusting);
  auto health = client.Get(collector.url() + "/healthz");
  REQUIRE(health.ok());
  CHECK(health->status == 200);

  SECTION("a client with the wrong CA (or the system store) is refused, and pushes nothing") {
    HttpClientOptions wrong;
    wrong.ca_file = other_ca;
    HttpClient wrong_client(wrong);
    auto push = wrong_client.Post(
        collector.url() + "/api/v1/push", MetricBatch("tls-x", 1).dump(),
        {{"Authorization", "Bearer " + ingest}, {"Content-Type", "application/json"}});
    REQUIRE_FALSE(push.ok());
    CHECK_THAT(push.status().message(), Catch::Contains("certificate"));
    HttpClient system_store;
    auto plain = system_store.Get(collector.url() + "/healthz");
    REQUIRE_FALSE(plain.ok());
    CHECK_THAT(plain.status().message(), Catch::Contains("ca_file / --ca-file"));

    // The agent with the wrong CA: its pushes fail on the certificate and nothing arrives.
    TempDir state;
    Process agent =
        Process::Start({AgentBinary(), "--config", EmptyConfig(state), "--collector",
                        collector.url(), "--token", ingest, "--ca-file", other_ca, "--host",
                        "tls-wrong-ca", "--interval", "1s", "--state-dir", state.path() + "/state"},
                       state.path() + "/agent.out", state.path() + "/agent.log");
    bool failed = WaitFor(
        [&] {
          return ReadFile(state.path() + "/agent.log").find("certificate") != std::string::npos;
        },
        std::chrono::seconds(20));
    INFO("agent log:\n" << ReadFile(state.path() + "/agent.log"));
    CHECK(failed);
    agent.Signal(SIGTERM);
    agent.Wait();
    CommandResult hosts = RunCommand({CliBinary(), "--url", collector.url(), "--ca-file",
                                      pki.ca_cert, "--token", read, "hosts", "--output", "json"});
    CHECK(hosts.exit_code == 0);
    CHECK(hosts.out.find("tls-wrong-ca") == std::string::npos);

    CommandResult cli = RunCommand(
        {CliBinary(), "--url", collector.url(), "--ca-file", other_ca, "--token", read, "hosts"});
    CHECK(cli.exit_code == 1);
    CHECK_THAT(cli.err, Catch::Contains("cannot reach the collector at " + collector.url()) &&
                            Catch::Contains("certificate"));
    CHECK(cli.err.find("is hivewatch-collector running") == std::string::npos);

    // Plain HTTP to the TLS port gets no answer either.
    HttpClient http_client;
    std::string http_url = collector.url();
    http_url.replace(0, 5, "http");
    auto cleartext = http_client.Get(http_url + "/healthz");
    CHECK((!cleartext.ok() || cleartext->status != 200));
  }

  SECTION("the agent pushes over TLS and the CLI reads it back") {
    TempDir state;
    Process agent =
        Process::Start({AgentBinary(), "--config", EmptyConfig(state), "--collector",
                        collector.url(), "--token", ingest, "--ca-file", pki.ca_cert, "--host",
                        "tls-agent", "--interval", "1s", "--state-dir", state.path() + "/state"},
                       state.path() + "/agent.out", state.path() + "/agent.log");
    CommandResult hosts;
    bool arrived = WaitFor(
        [&] {
          hosts = RunCommand({CliBinary(), "--url", collector.url(), "--ca-file", pki.ca_cert,
                              "--token", read, "hosts", "--output", "json"});
          return hosts.out.find("\"tls-agent\"") != std::string::npos;
        },
        std::chrono::seconds(20));
    INFO("cli: " << hosts.err << "\nagent log:\n" << ReadFile(state.path() + "/agent.log"));
    CHECK(arrived);
    // The environment variable works as the flag does.
    CommandResult env = RunCommand({CliBinary(), "--url", collector.url(), "--token", read,
                                    "metrics", "node_load1{host=\"tls-agent\"}", "--at", "now"},
                                   {{"HIVEWATCH_CA_FILE", pki.ca_cert}});
    INFO(env.err);
    CHECK(env.exit_code == 0);
    CHECK_THAT(env.out, Catch::Contains("tls-agent"));
  }
}

TEST_CASE("a certificate without its key, or a key that does not match, stops the start",
          "[integration][tls]") {
  TempDir pki_dir;
  const TestPki pki = MakePki(pki_dir.path());
  MakeCa(pki_dir.path(), "unrelated");
  CommandResult half = RunCommand({CollectorBinary(), "--data-dir", pki_dir.path() + "/d1",
                                   "--listen", "127.0.0.1:0", "--tls-cert", pki.server_cert});
  CHECK(half.exit_code == 2);
  CHECK_THAT(half.err, Catch::Contains("tls: set both cert_file and key_file"));
  CommandResult mismatch = RunCommand({CollectorBinary(), "--data-dir", pki_dir.path() + "/d2",
                                       "--listen", "127.0.0.1:0", "--tls-cert", pki.server_cert,
                                       "--tls-key", pki_dir.path() + "/unrelated.key"});
  CHECK(mismatch.exit_code == 1);
  CHECK_THAT(mismatch.err,
             Catch::Contains("cannot load the TLS key " + pki_dir.path() + "/unrelated.key") &&
                 Catch::Contains("mismatch"));
}

TEST_CASE("a token over its request rate gets 429 with Retry-After, other tokens do not",
          "[integration][limits]") {
  CollectorProcess collector;
  collector.UseConfig("[http]\nrate_limit = 1\nrate_burst = 3\n");
  const std::string busy = collector.CreateToken("busy", "read");
  const std::string calm = collector.CreateToken("calm", "read");
  collector.Start();
  HttpClient client;
  std::vector<long> statuses;
  std::optional<HttpResponse> refused;
  for (int i = 0; i < 20; ++i) {
    auto r = client.Get(collector.url() + "/api/v1/hosts", {{"Authorization", "Bearer " + busy}});
    REQUIRE(r.ok());
    statuses.push_back(r->status);
    if (r->status == 429 && !refused) refused = *r;
  }
  // The bucket starts full: the burst passes, then the rate applies.
  CHECK(statuses[0] == 200);
  CHECK(statuses[1] == 200);
  CHECK(statuses[2] == 200);
  REQUIRE(refused);
  REQUIRE(refused->headers.count("retry-after"));
  CHECK(std::stoi(refused->headers.at("retry-after")) >= 1);
  CHECK_THAT(refused->body, Catch::Contains("rate limit of 1 requests a second"));
  auto other = client.Get(collector.url() + "/api/v1/hosts", {{"Authorization", "Bearer " + calm}});
  REQUIRE(other.ok());
  CHECK(other->status == 200);
  // Public endpoints are never limited.
  for (int i = 0; i < 10; ++i) {
    auto health = client.Get(collector.url() + "/healthz", {{"Authorization", "Bearer " + busy}});
    REQUIRE(health.ok());
    CHECK(health->status == 200);
  }
}

TEST_CASE("a client trickling a request is cut off at the read timeout", "[integration][limits]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[http]\nread_timeout = \"1s\"\n");
  collector.Start();
  RawConnection slow(collector.url());
  REQUIRE(slow.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  const auto started = std::chrono::steady_clock::now();
  // One header byte every 50 ms: each read makes progress, the request never completes.
  bool cut =
      WaitFor([&] { return !slow.Send("X") || slow.PeerClosed(50); }, std::chrono::seconds(10));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
  CHECK(cut);
  WARN("slow client cut off after " << seconds.count() << " s (read_timeout 1 s)");
  // Meanwhile everybody else is served.
  HttpClient client;
  auto health = client.Get(collector.url() + "/healthz");
  REQUIRE(health.ok());
  CHECK(health->status == 200);

  // An idle connection that never sends a byte is closed too.
  RawConnection idle(collector.url());
  CHECK(WaitFor([&] { return idle.PeerClosed(50); }, std::chrono::seconds(10)));
}

TEST_CASE("header size and count are limited with 431", "[integration][limits]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[http]\nmax_header_bytes = 4096\nmax_header_count = 20\n");
  collector.Start();
  {
    RawConnection c(collector.url());
    std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 30; ++i) request += "X-Filler-" + std::to_string(i) + ": y\r\n";
    REQUIRE(c.Send(request + "\r\n"));
    const std::string response = c.ReadResponse();
    CHECK(StatusOf(response) == 431);
    CHECK_THAT(response, Catch::Contains("more than 20 header fields"));
  }
  {
    RawConnection c(collector.url());
    REQUIRE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(5000, 'a') +
                   "\r\n\r\n"));
    const std::string response = c.ReadResponse();
    CHECK(StatusOf(response) == 431);
    CHECK_THAT(response, Catch::Contains("exceed the limit of 4096 bytes"));
  }
  {
    RawConnection c(collector.url());
    std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 10; ++i) request += "X-Filler-" + std::to_string(i) + ": y\r\n";
    REQUIRE(c.Send(request + "\r\n"));
    CHECK(StatusOf(c.ReadResponse()) == 200);
  }
}

TEST_CASE("connections over http.max_connections are closed, and a freed slot is used again",
          "[integration][limits]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[http]\nmax_connections = 3\n");
  collector.Start();
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawConnection>(collector.url()));
    // An answered request proves the collector holds the connection (kept alive).
    REQUIRE(open.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(StatusOf(open.back()->ReadResponse()) == 200);
  }
  RawConnection extra(collector.url());
  CHECK(WaitFor([&] { return extra.PeerClosed(50); }, std::chrono::seconds(10)));
  // Logged just after the close, so wait for it.
  CHECK(WaitFor([&] { return collector.log().find("refusing connections") != std::string::npos; }));
  open.front()->Close();
  HttpClient client;
  CHECK(WaitFor(
      [&] {
        auto r = client.Get(collector.url() + "/healthz");
        return r.ok() && r->status == 200;
      },
      std::chrono::seconds(10)));
}

TEST_CASE("query limits: range, series and log lines", "[integration][limits]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[query]\nmax_range = \"1h\"\nmax_series = 3\nmax_log_lines = 5\n");
  collector.Start();
  HttpClient client;
  REQUIRE(PostPush(client, collector.url(), "", MetricBatch("series-1", 5).dump()).status == 200);
  const int64_t now_s = NowMs() / 1000;

  auto range =
      client.Get(collector.url() + "/api/v1/query_range?query=vector(1)&start=" +
                 std::to_string(now_s - 7200) + "&end=" + std::to_string(now_s) + "&step=60");
  REQUIRE(range.ok());
  CHECK(range->status == 400);
  CHECK_THAT(range->body, Catch::Contains("longer than 1h (query.max_range)"));
  auto hour =
      client.Get(collector.url() + "/api/v1/query_range?query=vector(1)&start=" +
                 std::to_string(now_s - 3600) + "&end=" + std::to_string(now_s) + "&step=60");
  REQUIRE(hour.ok());
  CHECK(hour->status == 200);

  auto series = client.Get(collector.url() + "/api/v1/query?query=limit_test_gauge");
  REQUIRE(series.ok());
  CHECK(series->status == 422);
  CHECK_THAT(series->body, Catch::Contains("more than 3 series (query.max_series)"));
  auto listed = client.Get(collector.url() + "/api/v1/series?match[]=limit_test_gauge");
  REQUIRE(listed.ok());
  CHECK(listed->status == 422);
  auto few = client.Get(collector.url() +
                        "/api/v1/query?query=" + UrlEncode("limit_test_gauge{instance=\"i1\"}"));
  REQUIRE(few.ok());
  CHECK(few->status == 200);

  // max_log_lines shortens the page; the cursor continues where it stopped.
  const std::vector<SampleLine> samples = LoadSamples();
  PushLines(client, collector.url(), "", {samples.begin(), samples.begin() + 12}, 12, "lines");
  auto page = client.Get(collector.url() + "/api/v1/logs?limit=100");
  REQUIRE(page.ok());
  REQUIRE(page->status == 200);
  json body = json::parse(page->body);
  CHECK(body["logs"].size() == 5);
  CHECK(body["next"].is_string());
  CHECK(QueryAllLogs(client, collector.url(), "", "limit=100").size() == 12);
}

TEST_CASE("a query past query.timeout is stopped with 503 while pushes go on",
          "[integration][limits]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[query]\ntimeout = \"1ms\"\n");
  collector.Start();
  HttpClient client;
  // The real samples, twice: a histogram over every row cannot be counted within 1 ms.
  const std::vector<SampleLine> samples = LoadSamples();
  PushLines(client, collector.url(), "", samples, 2000, "timeout-a");
  PushLines(client, collector.url(), "", samples, 2000, "timeout-b");
  auto heavy =
      client.Get(collector.url() + "/api/v1/logs/histogram?start=0&end=" + std::to_string(NowMs()) +
                 "&buckets=1000");
  REQUIRE(heavy.ok());
  INFO(heavy->body);
  CHECK(heavy->status == 503);
  CHECK_THAT(heavy->body, Catch::Contains("(query.timeout)"));
  CHECK(PostPush(client, collector.url(), "", MetricBatch("after-timeout", 1).dump()).status ==
        200);
}

TEST_CASE("the dashboard's files cannot be left by path traversal", "[integration][static]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  for (const std::string target :
       {"/ui/../../etc/passwd", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/..%2f..%2fetc%2fpasswd",
        "/ui/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/ui/../docs/openapi.yaml",
        "/ui/..%5c..%5cetc%5cpasswd", "/ui/js/../../../../etc/passwd",
        "/ui/%252e%252e/%252e%252e/etc/passwd", "/ui/css/..%00/index.html",
        "/%2e%2e/%2e%2e/etc/passwd"}) {
    INFO(target);
    RawConnection c(collector.url());
    REQUIRE(c.Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string response = c.ReadResponse();
    CHECK(StatusOf(response) == 404);
    CHECK(response.find("root:") == std::string::npos);
    CHECK(response.find("openapi: ") == std::string::npos);
  }
  RawConnection ok(collector.url());
  REQUIRE(ok.Send("GET /ui/js/chart.js HTTP/1.1\r\nHost: x\r\n\r\n"));
  CHECK(StatusOf(ok.ReadResponse()) == 200);
}

TEST_CASE("dashboard responses carry the security headers and the page has no inline script",
          "[integration][static]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  HttpClient client;
  for (const std::string path : {"/", "/ui/js/chart.js"}) {
    INFO(path);
    auto r = client.Get(collector.url() + path);
    REQUIRE(r.ok());
    REQUIRE(r->status == 200);
    const std::string csp = r->headers["content-security-policy"];
    CHECK_THAT(csp, Catch::Contains("script-src 'self'") &&
                        Catch::Contains("frame-ancestors 'none'") &&
                        Catch::Contains("object-src 'none'"));
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    CHECK(r->headers["x-content-type-options"] == "nosniff");
    CHECK(r->headers["x-frame-options"] == "DENY");
    CHECK(r->headers["referrer-policy"] == "no-referrer");
    if (path == "/") {
      // Every <script> loads a file: an inline one would be refused by the CSP anyway.
      std::regex script("<script\\b[^>]*>", std::regex::icase);
      int scripts = 0;
      for (auto it = std::sregex_iterator(r->body.begin(), r->body.end(), script);
           it != std::sregex_iterator(); ++it) {
        ++scripts;
        CHECK_THAT(it->str(), Catch::Contains("src="));
      }
      CHECK(scripts >= 1);
      // No inline event handlers (onclick=…) either.
      CHECK_FALSE(
          std::regex_search(r->body, std::regex("<[^>]*\\son[a-z]+\\s*=", std::regex::icase)));
    }
  }
  // API answers, errors included, are never sniffed as something else either.
  auto missing = client.Get(collector.url() + "/api/v1/nothing");
  REQUIRE(missing.ok());
  CHECK(missing->headers["x-content-type-options"] == "nosniff");
}

TEST_CASE("tokens never appear in the collector's log, even at trace level",
          "[integration][auth]") {
  CollectorProcess collector({"--log-level", "trace"});
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  HttpClient client;
  const std::string made_up = "hw_madeUpTokenThatMustNotBeLogged0123456789";
  CHECK(PostPush(client, collector.url(), ingest, MetricBatch("log-1", 1).dump()).status == 200);
  CHECK(PostPush(client, collector.url(), read, MetricBatch("log-2", 1).dump()).status == 403);
  CHECK(PostPush(client, collector.url(), made_up, MetricBatch("log-3", 1).dump()).status == 401);
  CHECK(PostPush(client, collector.url(), ingest, "{not json").status == 400);
  auto q = client.Get(collector.url() + "/api/v1/logs?q=%22unterminated",
                      {{"Authorization", "Bearer " + read}});
  REQUIRE(q.ok());
  CHECK(q->status == 400);
  collector.Stop();
  const std::string log = collector.log();
  CHECK_THAT(log, Catch::Contains("/api/v1/push"));  // the requests were logged
  for (const std::string& secret : {ingest, read, made_up}) {
    CHECK(log.find(secret) == std::string::npos);
    CHECK(log.find(secret.substr(3, 12)) == std::string::npos);
  }
}
