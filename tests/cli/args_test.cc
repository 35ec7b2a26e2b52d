#include "cli/args.h"

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace hivewatch::cli {
namespace {

constexpr int64_t kNow = 1763900000000;  // 2025-11-23T12:13:20Z

ArgsContext Context(std::map<std::string, std::string> env = {}) {
  ArgsContext context;
  context.now_ms = kNow;
  context.getenv = [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  return context;
}

Invocation Parse(const std::vector<std::string>& args,
                 std::map<std::string, std::string> env = {}) {
  auto parsed = ParseArgs(args, Context(std::move(env)));
  if (auto* error = std::get_if<UsageError>(&parsed)) FAIL("usage error: " << error->message);
  return std::get<Invocation>(parsed);
}

UsageError ParseError(const std::vector<std::string>& args) {
  auto parsed = ParseArgs(args, Context());
  if (std::holds_alternative<Invocation>(parsed)) FAIL("parsed without a usage error");
  return std::get<UsageError>(parsed);
}

TEST_CASE("every logs flag ends up in the logs URL", "[cli]") {
  Invocation inv = Parse({"logs",
                          "--host",
                          "web1",
                          "--host",
                          "web2, web3",
                          "--service",
                          "nginx",
                          "--level",
                          "warn,ERROR",
                          "--level",
                          "critical",
                          "--start",
                          "2025-11-23T12:00:00Z",
                          "--end",
                          "1763900000123",
                          "--limit",
                          "50",
                          "-o",
                          "json",
                          "disk*",
                          "connection reset"});
  CHECK(inv.command == Command::kLogs);
  CHECK(inv.output == OutputFormat::kJson);
  CHECK(inv.logs.limit == 50);
  CHECK(BuildLogsUrl(inv.base_url, inv.logs, inv.logs.limit, "") ==
        "http://127.0.0.1:9800/api/v1/logs?q=disk%2A%20%22connection%20reset%22"
        "&host=web1&host=web2&host=web3&service=nginx&level=warning%2Cerror%2Ccritical"
        "&start=1763899200000&end=1763900000123&limit=50");
}

TEST_CASE("a bare logs command asks for the newest 100 records of everything", "[cli]") {
  Invocation inv = Parse({"logs"});
  CHECK(inv.output == OutputFormat::kText);
  CHECK(inv.token.empty());
  CHECK(BuildLogsUrl(inv.base_url, inv.logs, inv.logs.limit, "") ==
        "http://127.0.0.1:9800/api/v1/logs?limit=100");
}

TEST_CASE("the --since flag starts the search that long before the injected now", "[cli]") {
  CHECK(*Parse({"logs", "--since", "1h"}).logs.start_ms == kNow - 3600 * 1000);
  CHECK(*Parse({"logs", "--since=1h30m"}).logs.start_ms == kNow - 5400 * 1000);
  CHECK_FALSE(Parse({"logs", "--since", "1h"}).logs.end_ms.has_value());
}

TEST_CASE("repeated and comma-separated values are split, trimmed and de-duplicated", "[cli]") {
  Invocation inv = Parse({"logs", "--host", "a,b,,a", "--host", " c ", "--service", "x",
                          "--service", "y,x", "--level", "err", "--level", "3,error,info"});
  CHECK(inv.logs.hosts == std::vector<std::string>{"a", "b", "c"});
  CHECK(inv.logs.services == std::vector<std::string>{"x", "y"});
  CHECK(inv.logs.levels == std::vector<std::string>{"error", "info"});
}

TEST_CASE("query words after -- may start with a dash", "[cli]") {
  CHECK(Parse({"logs", "--", "-v", "--level"}).logs.q == "-v --level");
  CHECK(Parse({"logs", "--", "-v"}).logs.levels.empty());
}

TEST_CASE("global options are accepted before and after the command", "[cli]") {
  Invocation before = Parse({"--url", "http://collector:9800/", "--token", "t1", "logs", "x"});
  CHECK(before.base_url == "http://collector:9800");
  CHECK(before.token == "t1");
  CHECK(before.logs.q == "x");
  Invocation after = Parse({"hosts", "--url=collector:9800", "--token=t2"});
  CHECK(after.command == Command::kHosts);
  CHECK(after.base_url == "http://collector:9800");
  CHECK(after.token == "t2");
}

TEST_CASE("the URL and token come from the environment unless flags override them", "[cli]") {
  std::map<std::string, std::string> env = {{"HIVEWATCH_URL", "https://hw.example/prefix/"},
                                            {"HIVEWATCH_TOKEN", " envtoken\n"}};
  Invocation from_env = Parse({"hosts"}, env);
  CHECK(from_env.base_url == "https://hw.example/prefix");
  CHECK(from_env.token == "envtoken");
  CHECK(BuildHostsUrl(from_env.base_url) == "https://hw.example/prefix/api/v1/hosts");

  Invocation flags = Parse({"hosts", "--url", "http://other:1", "--token", "flag"}, env);
  CHECK(flags.base_url == "http://other:1");
  CHECK(flags.token == "flag");

  Invocation file = Parse({"hosts", "--token-file", "/run/secret"}, env);
  CHECK(file.token_file == "/run/secret");
  CHECK(file.token.empty());

  CHECK(Parse({"hosts"}, {{"HIVEWATCH_URL", ""}}).base_url == kDefaultUrl);
}

TEST_CASE("the CA file comes from --ca-file, else from HIVEWATCH_CA_FILE", "[cli]") {
  CHECK(Parse({"hosts"}).ca_file.empty());
  CHECK(Parse({"--ca-file", "/etc/ca.pem", "hosts"}).ca_file == "/etc/ca.pem");
  CHECK(Parse({"hosts", "--ca-file", "/etc/ca.pem"}).ca_file == "/etc/ca.pem");
  CHECK(Parse({"hosts"}, {{"HIVEWATCH_CA_FILE", "/env/ca.pem"}}).ca_file == "/env/ca.pem");
  CHECK(
      Parse({"hosts", "--ca-file", "/flag.pem"}, {{"HIVEWATCH_CA_FILE", "/env/ca.pem"}}).ca_file ==
      "/flag.pem");
  CHECK_THAT(ParseError({"hosts", "--ca-file", ""}).message,
             Catch::Contains("--ca-file needs a path"));
  CHECK_THAT(ProgramHelp(), Catch::Contains("--ca-file PATH"));
}

TEST_CASE("help and version are recognised for the program and each command", "[cli]") {
  CHECK(Parse({"--help"}).help_text == ProgramHelp());
  CHECK(Parse({"-h"}).help_text == ProgramHelp());
  CHECK(Parse({"help"}).help_text == ProgramHelp());
  CHECK(Parse({"logs", "--help"}).help_text == LogsHelp());
  CHECK(Parse({"help", "logs"}).help_text == LogsHelp());
  CHECK(Parse({"hosts", "-h"}).help_text == HostsHelp());
  CHECK(Parse({"--version"}).command == Command::kVersion);
  CHECK(Parse({"logs", "--limit", "0", "--help"}).command == Command::kHelp);

  CHECK_THAT(LogsHelp(), Catch::Contains("--since DURATION") && Catch::Contains("UTC") &&
                             Catch::Contains("Examples:") && Catch::Contains("--token-file"));
  CHECK_THAT(HostsHelp(), Catch::Contains("--output") && Catch::Contains("Examples:"));
  CHECK_THAT(ProgramHelp(), Catch::Contains("logs") && Catch::Contains("HIVEWATCH_URL"));
}

TEST_CASE("bad command lines are usage errors that say what is wrong", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;  // a part of the message
    std::string hint;
  };
  const std::string logs_hint = "hivewatch logs --help";
  const std::vector<Case> cases = {
      {{}, "missing command", "hivewatch --help"},
      {{"--url", "http://x"}, "missing command", "hivewatch --help"},
      {{"lgos"}, "unknown command 'lgos'", "hivewatch --help"},
      {{"help", "nope"}, "no help for 'nope'", "hivewatch --help"},
      {{"logs", "--bogus"}, "--bogus", logs_hint},
      {{"logs", "--ser", "nginx"}, "--ser", logs_hint},  // no guessing of abbreviations
      {{"logs", "--host"}, "--host", logs_hint},
      {{"logs", "--level", "loud"}, "unknown level 'loud'", logs_hint},
      {{"logs", "--limit", "0"}, "--limit must be a positive whole number", logs_hint},
      {{"logs", "--limit", "-5"}, "", logs_hint},
      {{"logs", "--limit", "10x"}, "not '10x'", logs_hint},
      {{"logs", "--since", "1h", "--start", "2025-11-23T00:00:00Z"},
       "--since or --start",
       logs_hint},
      {{"logs", "--since", "yesterday"}, "--since: invalid duration 'yesterday'", logs_hint},
      {{"logs", "--start", "2025-13-01"}, "--start: invalid timestamp", logs_hint},
      {{"logs", "--end", "noon"}, "--end: invalid timestamp", logs_hint},
      {{"logs", "--start", "2000", "--end", "1000"},
       "--end must be later than the start",
       logs_hint},
      {{"logs", "--output", "yaml"}, "--output must be 'text' or 'json', not 'yaml'", logs_hint},
      {{"logs", "--token", "a", "--token-file", "f"}, "either --token or --token-file", logs_hint},
      {{"logs", "--url", "ftp://x"}, "http:// or https://", logs_hint},
      {{"logs", "--url", "http://"}, "no host", logs_hint},
      {{"logs", "--url", "a", "--url", "b"}, "--url", logs_hint},
      {{"hosts", "web1"}, "'hosts' takes no arguments, but got 'web1'", "hivewatch hosts --help"},
      {{"hosts", "--level", "error"}, "--level", "hivewatch hosts --help"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("args: " << joined);
    UsageError error = ParseError(c.args);
    CHECK_THAT(error.message, Catch::Contains(c.message));
    CHECK(error.help_hint == c.hint);
  }
}

TEST_CASE("base URLs are normalised and other schemes refused", "[cli]") {
  CHECK(*NormalizeBaseUrl("127.0.0.1:9800") == "http://127.0.0.1:9800");
  CHECK(*NormalizeBaseUrl(" HTTPS://h:1// ") == "HTTPS://h:1");
  CHECK(*NormalizeBaseUrl("http://h/base/") == "http://h/base");
  CHECK_FALSE(NormalizeBaseUrl("").ok());
  CHECK_FALSE(NormalizeBaseUrl("unix:///run/x.sock").ok());
  CHECK_FALSE(NormalizeBaseUrl("http://h/?x=1").ok());
}

}  // namespace
}  // namespace hivewatch::cli
