// The real collector binary on loopback: push API contract, auth, rejections, duplicates.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/batch_codec.h"
#include "common/gzip.h"
#include "common/time_util.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

json SmallBatch(const std::string& batch_id, int lines = 3) {
  json b = {{"agent", {{"host", "web1"}, {"id", "agent-1"}, {"version", "0.1.0"}}},
            {"batch_id", batch_id},
            {"metrics", json::array({{{"name", "node_load1"},
                                      {"type", "gauge"},
                                      {"labels", json::object()},
                                      {"samples", {{NowMs(), 0.5}}}}})},
            {"logs", json::array()}};
  for (int i = 0; i < lines; ++i) {
    b["logs"].push_back({{"ts", NowMs() - 1000 + i},
                         {"service", "nginx"},
                         {"level", "error"},
                         {"message", batch_id + " line " + std::to_string(i)}});
  }
  return b;
}

size_t CountLogs(HttpClient& client, const CollectorProcess& c, const std::string& token,
                 const std::string& params = "") {
  return QueryAllLogs(client, c.url(), token, params).size();
}

}  // namespace

TEST_CASE("health, readiness and the OpenAPI document need no token", "[integration]") {
  CollectorProcess collector;
  collector.Start();
  HttpClient client;
  auto health = client.Get(collector.url() + "/healthz");
  REQUIRE(health.ok());
  CHECK(health->status == 200);
  auto ready = client.Get(collector.url() + "/readyz");
  REQUIRE(ready.ok());
  CHECK(ready->status == 200);
  auto openapi = client.Get(collector.url() + "/api/v1/openapi.yaml");
  REQUIRE(openapi.ok());
  CHECK(openapi->status == 200);
  CHECK_THAT(openapi->body, Catch::Contains("/api/v1/push"));
  auto missing = client.Get(collector.url() + "/api/v1/nothing");
  REQUIRE(missing.ok());
  CHECK(missing->status == 404);
  CHECK_THAT(missing->body, Catch::Contains("no such endpoint: /api/v1/nothing"));
}

TEST_CASE("tokens are required and their scopes are enforced", "[integration][auth]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  HttpClient client;
  const std::string body = SmallBatch("auth-1").dump();

  HttpResponse no_token = PostPush(client, collector.url(), "", body);
  CHECK(no_token.status == 401);
  CHECK_THAT(no_token.body, Catch::Contains("missing bearer token"));
  HttpResponse wrong = PostPush(client, collector.url(), "hw_not-a-real-token", body);
  CHECK(wrong.status == 401);
  CHECK_THAT(wrong.body, Catch::Contains("unknown or revoked token"));
  HttpResponse read_push = PostPush(client, collector.url(), read, body);
  CHECK(read_push.status == 403);
  CHECK_THAT(read_push.body, Catch::Contains("lacks the 'ingest' scope"));

  HttpResponse ok = PostPush(client, collector.url(), ingest, body);
  CHECK(ok.status == 200);
  auto read_with_ingest = client.Get(collector.url() + "/api/v1/logs",
                                     {{"Authorization", "Bearer " + ingest}});
  REQUIRE(read_with_ingest.ok());
  CHECK(read_with_ingest->status == 403);
  CHECK(CountLogs(client, collector, read) == 3);

  // Revocation takes effect on a running collector.
  CommandResult revoke = RunCommand({CollectorBinary(), "--data-dir", collector.data_dir() + "/data",
                                     "token", "revoke", "reader"});
  REQUIRE(revoke.exit_code == 0);
  auto after = client.Get(collector.url() + "/api/v1/logs", {{"Authorization", "Bearer " + read}});
  REQUIRE(after.ok());
  CHECK(after->status == 401);
}

TEST_CASE("a duplicate batch id is acknowledged but stored once", "[integration]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  HttpClient client;
  const std::string body = SmallBatch("dup-1", 5).dump();
  HttpResponse first = PostPush(client, collector.url(), "", body);
  REQUIRE(first.status == 200);
  CHECK(json::parse(first.body)["duplicate"] == false);
  CHECK(json::parse(first.body)["logs"] == 5);
  for (int i = 0; i < 3; ++i) {
    HttpResponse again = PostPush(client, collector.url(), "", body);
    REQUIRE(again.status == 200);
    CHECK(json::parse(again.body)["duplicate"] == true);
  }
  CHECK(CountLogs(client, collector, "") == 5);
  auto hosts = client.Get(collector.url() + "/api/v1/hosts");
  REQUIRE(hosts.ok());
  json h = json::parse(hosts->body)["hosts"];
  REQUIRE(h.size() == 1);
  CHECK(h[0]["host"] == "web1");
  CHECK(h[0]["batches"] == 1);
  CHECK(h[0]["log_lines"] == 5);
  CHECK(h[0]["samples"] == 1);
}

TEST_CASE("every malformed push is rejected over HTTP and stores nothing", "[integration]") {
  CollectorProcess collector({"--no-auth"});
  collector.UseConfig("[limits]\nmax_body_bytes = 65536\nmax_labels = 4\n");
  collector.Start();
  HttpClient client;
  const std::string url = collector.url();

  struct Case {
    const char* what;
    std::string body;
    HttpClient::Headers headers;
    long status;
    const char* error;  // substring of the JSON error
  };
  json bad_ts = SmallBatch("bad-ts");
  bad_ts["logs"][2]["ts"] = "yesterday";
  json future = SmallBatch("future");
  future["logs"][0]["ts"] = NowMs() + 10LL * 86400 * 1000;
  json bad_name = SmallBatch("bad-name");
  bad_name["metrics"][0]["name"] = "cpu-busy";
  json many_labels = SmallBatch("labels");
  many_labels["metrics"][0]["labels"] = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}};
  json no_message = SmallBatch("no-message");
  no_message["logs"][1].erase("message");
  json big = SmallBatch("big");
  big["logs"][0]["message"] = std::string(70000, 'x');
  // Valid up to the last record, so a partial store would show.
  json last_bad = SmallBatch("last-bad", 50);
  last_bad["logs"][49]["level"] = "shouting";

  const std::vector<Case> cases = {
      {"malformed JSON", R"({"agent": {"host": )", {}, 400, "invalid JSON"},
      {"wrong type", bad_ts.dump(), {}, 400, "logs[2].ts: expected integer"},
      {"future timestamp", future.dump(), {}, 400, "logs[0].ts:"},
      {"bad metric name", bad_name.dump(), {}, 400, "metrics[0].name: 'cpu-busy'"},
      {"too many labels", many_labels.dump(), {}, 400, "more than the limit of 4"},
      {"missing field", no_message.dump(), {}, 400, "logs[1].message: missing"},
      {"bad last record", last_bad.dump(), {}, 400, "logs[49].level: unknown level 'shouting'"},
      {"empty body", "", {}, 400, "empty body"},
      {"body over the limit", big.dump(), {}, 413, "exceeds the limit of 65536 bytes"},
      {"gzip bomb", Gzip(std::string(50 * 1024 * 1024, ' ')), {{"Content-Encoding", "gzip"}}, 413,
       "decompressed body exceeds the limit of 65536 bytes"},
      {"corrupt gzip", "definitely not gzip", {{"Content-Encoding", "gzip"}}, 400,
       "invalid gzip body"},
      {"unsupported encoding", SmallBatch("br").dump(), {{"Content-Encoding", "br"}}, 415,
       "Content-Encoding 'br' is not supported"},
      {"form content type", SmallBatch("form").dump(),
       {{"Content-Type", "application/x-www-form-urlencoded"}}, 415,
       "Content-Type must be application/json"},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.what) {
      HttpResponse r = PostPush(client, url, "", c.body, c.headers);
      INFO(r.body);
      CHECK(r.status == c.status);
      json err = json::parse(r.body, nullptr, false);
      REQUIRE(err.is_object());
      CHECK_THAT(err.value("error", ""), Catch::Contains(c.error));
    }
  }
  CHECK(CountLogs(client, collector, "") == 0);
  auto hosts = client.Get(url + "/api/v1/hosts");
  REQUIRE(hosts.ok());
  CHECK(json::parse(hosts->body)["hosts"].empty());

  // A gzip-compressed valid batch is accepted.
  HttpResponse gz = PostPush(client, url, "", Gzip(SmallBatch("gz", 4).dump()),
                             {{"Content-Encoding", "gzip"}});
  CHECK(gz.status == 200);
  CHECK(CountLogs(client, collector, "") == 4);
}

TEST_CASE("bad query parameters get a 400 naming the parameter", "[integration]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  HttpClient client;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=0", "limit: must be an integer from 1 to 10000"},
      {"limit=20000", "limit: must be an integer from 1 to 10000"},
      {"level=loud", "level: unknown level 'loud'"},
      {"start=yesterday", "start: invalid timestamp 'yesterday'"},
      {"start=2000&end=1000", "start must be before end"},
      {"cursor=zzz", "cursor:"},
      {"q=%22unterminated", "q:"},
      {"hots=web1", "unknown parameter 'hots'"},
  };
  for (const auto& [params, error] : cases) {
    auto r = client.Get(collector.url() + "/api/v1/logs?" + params);
    REQUIRE(r.ok());
    INFO(params << " -> " << r->body);
    CHECK(r->status == 400);
    CHECK_THAT(json::parse(r->body).value("error", ""), Catch::Contains(error));
  }
}

TEST_CASE("SIGTERM stops the collector cleanly and the data stays", "[integration]") {
  CollectorProcess collector({"--no-auth"});
  collector.Start();
  HttpClient client;
  REQUIRE(PostPush(client, collector.url(), "", SmallBatch("term-1", 7).dump()).status == 200);
  CHECK(collector.Stop() == 0);
  CHECK_THAT(collector.log(), Catch::Contains("stopped cleanly"));
  collector.Start();
  HttpClient again;
  CHECK(CountLogs(again, collector, "") == 7);
}
