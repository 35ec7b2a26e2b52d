#include "common/http_client.h"
#include "tests/support/loopback_http_server.h"
#include "tests/support/refusing_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace hivewatch {
using hivewatch::testing::CannedResponse;
using hivewatch::testing::LoopbackServer;
using hivewatch::testing::ReceivedRequest;
using hivewatch::testing::RefusingPort;

namespace {

CannedResponse Ok(std::string body) {
  CannedResponse r;
  r.body = std::move(body);
  return r;
}


TEST_CASE("the HTTP client reuses one connection for consecutive requests", "[http]") {
  LoopbackServer server([](const ReceivedRequest& r) { return Ok("you asked " + r.target); });
  HttpClient client;
  for (int i = 0; i < 3; ++i) {
    auto response = client.Get(server.Url("/n/" + std::to_string(i)));
    REQUIRE(response.ok());
    CHECK(response->status == 200);
    CHECK(response->body == "you asked /n/" + std::to_string(i));
  }
  CHECK(server.Connections() == 1);
  auto requests = server.Requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[2].connection == 1);
}

TEST_CASE("the HTTP client reconnects after the server closes the connection", "[http]") {
  LoopbackServer server([](const ReceivedRequest&) {
    CannedResponse r = Ok("bye");
    r.close = true;
    return r;
  });
  HttpClient client;
  REQUIRE(client.Get(server.Url("/a")).ok());
  auto second = client.Get(server.Url("/b"));
  REQUIRE(second.ok());
  CHECK(second->body == "bye");
  CHECK(server.Connections() == 2);
}

TEST_CASE("the HTTP client sends the caller's headers and lower-cases the response's", "[http]") {
  LoopbackServer server([](const ReceivedRequest&) {
    CannedResponse r = Ok(R"({"error":"nope"})");
    r.status = 403;
    r.headers = {{"Content-Type", "application/json"}, {"X-Hive-Reply", "Yes"}};
    return r;
  });
  HttpClient client;
  auto response = client.Get(server.Url("/api/v1/logs?q=a%20b"),
                             {{"Authorization", "Bearer s3cret"}, {"X-Trace", "t-1"}});
  REQUIRE(response.ok());  // an HTTP error status is still a successful exchange
  CHECK(response->status == 403);
  CHECK(response->body == R"({"error":"nope"})");
  CHECK(response->headers["content-type"] == "application/json");
  CHECK(response->headers["x-hive-reply"] == "Yes");
  CHECK(response->headers.count("X-Hive-Reply") == 0);

  auto requests = server.Requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/api/v1/logs?q=a%20b");
  CHECK(requests[0].headers["authorization"] == "Bearer s3cret");
  CHECK(requests[0].headers["x-trace"] == "t-1");
}

TEST_CASE("the HTTP client posts a large binary body intact and without Expect", "[http]") {
  LoopbackServer server([](const ReceivedRequest& r) { return Ok(std::to_string(r.body.size())); });
  std::string body(300 * 1024, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 % 256);
  HttpClient client;
  auto response =
      client.Post(server.Url("/api/v1/push"), body, {{"Content-Type", "application/x-ndjson"}});
  REQUIRE(response.ok());
  CHECK(response->body == std::to_string(body.size()));
  auto requests = server.Requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].headers["content-type"] == "application/x-ndjson");
  CHECK(requests[0].headers.count("expect") == 0);
  CHECK(requests[0].body == body);
}

TEST_CASE("a GET after a POST on the same client carries no body", "[http]") {
  LoopbackServer server([](const ReceivedRequest&) { return Ok("ok"); });
  HttpClient client;
  REQUIRE(client.Post(server.Url("/p"), "payload").ok());
  REQUIRE(client.Get(server.Url("/g")).ok());
  REQUIRE(client.Request("DELETE", server.Url("/d"), "", {}).ok());
  auto requests = server.Requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].body == "payload");
  CHECK(requests[0].headers.count("content-type") == 0);  // not curl's form default
  CHECK(requests[1].method == "GET");
  CHECK(requests[1].body.empty());
  CHECK(requests[1].headers.count("content-length") == 0);
  CHECK(requests[2].method == "DELETE");
  CHECK(server.Connections() == 1);
}

TEST_CASE("a refused connection is kUnavailable naming the URL and the cause", "[http]") {
  RefusingPort port;
  HttpClient client;
  const std::string base = "http://127.0.0.1:" + std::to_string(port.port());
  auto response = client.Get(base + "/api/v1/logs?q=private");
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kUnavailable);
  CHECK(response.status().message() == "cannot reach " + base + "/api/v1/logs: Connection refused");
}

TEST_CASE("a server that never answers makes the request time out as kUnavailable", "[http]") {
  LoopbackServer server([](const ReceivedRequest&) {
    CannedResponse r;
    r.silent = true;
    return r;
  });
  HttpClientOptions options;
  options.timeout_ms = 200;
  HttpClient client(options);
  auto response = client.Get(server.Url("/slow"));
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(response.status().message(), Catch::StartsWith("cannot reach " + server.Url("/slow")));
  CHECK_THAT(response.status().message(), Catch::Contains("timed out"));
}

TEST_CASE("a URL with a scheme other than http or https is rejected as invalid", "[http]") {
  HttpClient client;
  auto response = client.Get("ftp://127.0.0.1/file");
  REQUIRE_FALSE(response.ok());
  CHECK(response.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("UrlEncode keeps unreserved characters and percent-encodes the rest", "[http]") {
  CHECK(UrlEncode("") == "");
  CHECK(UrlEncode("AZaz09-_.~") == "AZaz09-_.~");
  CHECK(UrlEncode("a b&c=d/e?f#g+h%") == "a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25");
  CHECK(UrlEncode("\"disk full\" conn*") == "%22disk%20full%22%20conn%2A");
  CHECK(UrlEncode("\xC3\xA9") == "%C3%A9");
  CHECK(UrlEncode(std::string_view("\0\n", 2)) == "%00%0A");
}

}  // namespace
}  // namespace hivewatch
