#include "cli/cli.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <catch2/catch.hpp>

#include "tests/cli/fake_collector.h"
#include "tests/support/refusing_port.h"

namespace hivewatch::cli {
using hivewatch::testing::RefusingPort;

namespace {

using testing::FakeCollector;

constexpr int64_t kNow = 1763900000000;

// Runs `hivewatch <args>` against `transport` and keeps what it printed.
struct Run {
  Run(std::vector<std::string> args, Transport* transport,
      std::map<std::string, std::string> env = {}, bool tty = false) {
    CliEnvironment cli_env;
    cli_env.out = &out_stream;
    cli_env.err = &err_stream;
    cli_env.out_is_tty = tty;
    cli_env.getenv = [env](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    cli_env.now_ms = [] { return kNow; };
    cli_env.transport = transport;
    status = RunCli(args, cli_env);
    out = out_stream.str();
    err = err_stream.str();
  }
  std::ostringstream out_stream, err_stream;
  int status = -1;
  std::string out, err;
};

HttpResponse Answer(long status, std::string body) { return HttpResponse{status, body, {}}; }

TEST_CASE("logs prints one text line per record and exits 0", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 3;
  Run run({"logs", "--host", "web1", "timeout"}, &fake);
  CHECK(run.status == kExitOk);
  CHECK(run.err.empty());
  CHECK(run.out ==
        "2025-11-23T12:13:20.003Z web1 app info     line 3\n"
        "2025-11-23T12:13:20.002Z web1 app info     line 2\n"
        "2025-11-23T12:13:20.001Z web1 app info     line 1\n");
  REQUIRE(fake.calls.size() == 1);
  CHECK(fake.calls[0].url == "http://127.0.0.1:9800/api/v1/logs?q=timeout&host=web1&limit=100");
}

TEST_CASE("logs --output json prints NDJSON records exactly as the collector sent them", "[cli]") {
  FakeCollector fake;
  const std::string record =
      R"({"id":9,"ts":1,"time":"1970-01-01T00:00:00.001Z","host":"h","service":"s","level":"info","message":"m","fields":{"b":"1","a":"2"}})";
  fake.fixed_response = Answer(200, R"({"logs":[)" + record + "," + record + R"(],"next":null})");
  Run run({"logs", "-o", "json"}, &fake);
  CHECK(run.status == kExitOk);
  CHECK(run.out == record + "\n" + record + "\n");
  CHECK(run.err.empty());
}

TEST_CASE("levels are coloured on a terminal unless NO_COLOR is set", "[cli]") {
  FakeCollector fake;
  fake.total_logs = 1;
  CHECK_THAT(Run({"logs"}, &fake, {}, true).out, Catch::Contains("\x1b[32minfo\x1b[0m"));
  CHECK(Run({"logs"}, &fake, {{"NO_COLOR", "1"}}, true).out.find('\x1b') == std::string::npos);
  CHECK(Run({"logs"}, &fake, {}, false).out.find('\x1b') == std::string::npos);
  CHECK(Run({"logs", "-o", "json"}, &fake, {}, true).out.find('\x1b') == std::string::npos);
}

TEST_CASE("logs notes on stderr when nothing matched or the limit cut the listing", "[cli]") {
  FakeCollector fake;
  Run none({"logs"}, &fake);
  CHECK(none.status == kExitOk);
  CHECK(none.out.empty());
  CHECK(none.err == "hivewatch: no logs matched\n");

  fake.total_logs = 20;
  Run cut({"logs", "-n", "5"}, &fake);
  CHECK(cut.status == kExitOk);
  CHECK(cut.err ==
        "hivewatch: showing the newest 5 records; more match (raise --limit or narrow "
        "the search)\n");
  CHECK(Run({"logs", "-n", "5", "-o", "json"}, &fake).err.empty());
}

TEST_CASE("hosts prints a table, or NDJSON with --output json", "[cli]") {
  FakeCollector fake;
  fake.hosts_body =
      R"({"hosts":[{"host":"web1","agent_id":"x","agent_version":"0.1.0","first_seen":1,)"
      R"("last_seen":1763899990000,"batches":2,"log_lines":30,"samples":400}]})";
  Run table({"hosts"}, &fake);
  CHECK(table.status == kExitOk);
  CHECK(table.out ==
        "HOST  LAST SEEN  BATCHES  LOG LINES  SAMPLES  VERSION\n"
        "web1  10s ago          2         30      400  0.1.0\n");
  Run json({"hosts", "--output=json"}, &fake);
  CHECK(json.out == R"({"host":"web1","agent_id":"x","agent_version":"0.1.0","first_seen":1,)"
                    R"("last_seen":1763899990000,"batches":2,"log_lines":30,"samples":400})"
                    "\n");

  fake.hosts_body = R"({"hosts":[]})";
  Run empty({"hosts"}, &fake);
  CHECK(empty.status == kExitOk);
  CHECK(empty.out.empty());
  CHECK(empty.err == "hivewatch: no hosts have reported to the collector yet\n");
}

TEST_CASE("usage errors exit 2 with a pointer to the help and contact no collector", "[cli]") {
  FakeCollector fake;
  Run run({"logs", "--limit", "many"}, &fake);
  CHECK(run.status == kExitUsage);
  CHECK(run.out.empty());
  CHECK(run.err ==
        "hivewatch: --limit must be a positive whole number, not 'many'\n"
        "Try 'hivewatch logs --help'.\n");
  CHECK(Run({}, &fake).status == kExitUsage);
  CHECK(fake.calls.empty());
}

TEST_CASE("help and version print on stdout and exit 0", "[cli]") {
  FakeCollector fake;
  Run help({"logs", "--help"}, &fake);
  CHECK(help.status == kExitOk);
  CHECK_THAT(help.out, Catch::StartsWith("Usage: hivewatch logs"));
  Run version({"--version"}, &fake);
  CHECK(version.status == kExitOk);
  CHECK_THAT(version.out, Catch::Matches("hivewatch \\d+\\.\\d+\\.\\d+\n"));
  CHECK(fake.calls.empty());
}

TEST_CASE("collector refusals exit 1 with the mapped message", "[cli]") {
  FakeCollector fake;
  fake.fixed_response = Answer(401, R"({"error":"missing token"})");
  Run unauthenticated({"logs"}, &fake);
  CHECK(unauthenticated.status == kExitError);
  CHECK(unauthenticated.out.empty());
  CHECK(unauthenticated.err ==
        "hivewatch: the collector at http://127.0.0.1:9800 needs a token: pass --token or set "
        "HIVEWATCH_TOKEN\n");

  fake.fixed_response = Answer(400, R"({"error":"limit must be at most 10000"})");
  Run bad({"logs"}, &fake);
  CHECK(bad.status == kExitError);
  CHECK(bad.err == "hivewatch: the collector rejected the request: limit must be at most 10000\n");

  fake.fixed_response = Answer(403, R"({"error":"wrong scope"})");
  Run forbidden({"hosts", "--token", "t"}, &fake);
  CHECK(forbidden.status == kExitError);
  CHECK_THAT(forbidden.err, Catch::StartsWith("hivewatch: the token is not allowed"));
}


TEST_CASE("an unreachable collector exits 1 with the cause and a hint", "[cli]") {
  RefusingPort port;
  HttpTransport transport;
  const std::string url = "http://127.0.0.1:" + std::to_string(port.port());
  Run run({"logs"}, &transport, {{"HIVEWATCH_URL", url}});
  CHECK(run.status == kExitError);
  CHECK(run.out.empty());
  CHECK(run.err == "hivewatch: cannot reach the collector at " + url +
                       ": Connection refused (is hivewatch-collector running? set --url or "
                       "HIVEWATCH_URL)\n");
}

TEST_CASE("the --token-file flag reads the token from a file", "[cli]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("hivewatch-cli-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::path file = dir / "token";
  std::ofstream(file) << "  file-token\n";

  FakeCollector fake;
  Run run({"hosts", "--token-file", file.string()}, &fake, {{"HIVEWATCH_TOKEN", "env-token"}});
  CHECK(run.status == kExitOk);
  REQUIRE(fake.calls.size() == 1);
  CHECK(fake.calls[0].headers.at("Authorization") == "Bearer file-token");

  Run missing({"hosts", "--token-file", (dir / "absent").string()}, &fake);
  CHECK(missing.status == kExitError);
  CHECK(missing.err == "hivewatch: cannot read the token file '" + (dir / "absent").string() +
                           "': No such file or directory\n");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hivewatch::cli
