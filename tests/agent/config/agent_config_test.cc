#include "agent/agent_config.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "tests/support/temp_dir.h"

using namespace hivewatch;
using hivewatch::testing::TempDir;

namespace {

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the packaged agent.toml loads and equals the defaults", "[agent-config]") {
  const std::string repo = HIVEWATCH_SOURCE_DIR;
  Result<AgentConfig> r = LoadAgentConfig(repo + "/packaging/agent.toml");
  INFO(r.status().message());
  REQUIRE(r.ok());
  AgentConfig defaults;
  CHECK(r->collectors == defaults.collectors);
  CHECK(r->interval_ms == defaults.interval_ms);
  CHECK(r->state_dir == defaults.state_dir);
  CHECK(r->spool_max_bytes == defaults.spool_max_bytes);
  CHECK(r->proc.enabled);
}

TEST_CASE("a full agent configuration is read", "[agent-config]") {
  TempDir dir;
  Result<AgentConfig> r = LoadAgentConfig(Write(dir, "agent.toml", R"(
[agent]
host = "web1"
collectors = ["http://c1:9800", "http://c2:9800"]
token = "hw_x"
ca_file = "/etc/hivewatch/ca.pem"
state_dir = "/tmp/s"
interval = "30s"
spool_max_bytes = 10485760
log_level = "debug"
[inputs.proc]
enabled = false
proc_root = "/host/proc"
sys_root = "/host/sys"
)"));
  REQUIRE(r.ok());
  CHECK(r->host == "web1");
  CHECK(r->collectors == std::vector<std::string>{"http://c1:9800", "http://c2:9800"});
  CHECK(r->interval_ms == 30000);
  CHECK(r->ca_file == "/etc/hivewatch/ca.pem");
  CHECK(r->spool_max_bytes == 10485760);
  CHECK_FALSE(r->proc.enabled);
  CHECK(r->proc.proc_root == "/host/proc");
}

TEST_CASE("log inputs are configured and only enabled ones run", "[agent-config]") {
  TempDir dir;
  Result<AgentConfig> r = LoadAgentConfig(Write(dir, "agent.toml", R"(
[agent]
batch_max_bytes = 65536
batch_max_wait = "250ms"
retry_max = "5s"
[inputs.syslog]
enabled = true
udp_listen = ""
tcp_listen = "127.0.0.1:6514"
default_service = "net"
[inputs.journald]
directory = "/var/log/journal/x"
units = ["nginx"]
)"));
  REQUIRE(r.ok());
  CHECK(r->batch_max_bytes == 65536);
  CHECK(r->batch_max_wait_ms == 250);
  CHECK(r->retry_max_ms == 5000);
  REQUIRE(r->syslog.has_value());
  CHECK(r->syslog->udp_listen.empty());
  CHECK(r->syslog->tcp_listen == "127.0.0.1:6514");
  CHECK(r->syslog->default_service == "net");
  CHECK_FALSE(r->journald.has_value());  // configured but not enabled

  AgentConfig defaults;
  CHECK_FALSE(defaults.syslog.has_value());
  CHECK_FALSE(defaults.journald.has_value());
}

TEST_CASE("agent configuration errors name the file, line and key", "[agent-config]") {
  TempDir dir;
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"[agent]\nintervall = \"10s\"\n", ":2: agent.intervall: unknown setting"},
      {"[agent]\ninterval = \"10x\"\n", ":2: agent.interval: invalid duration '10x'"},
      {"[agent]\ninterval = \"100ms\"\n", ":2: agent.interval: must be between 1s and 1h"},
      {"[agent]\ncollectors = []\n", ":2: agent.collectors: must name at least one collector URL"},
      {"[agent]\ncollectors = \"http://c:9800\"\n",
       ":2: agent.collectors: expected an array of strings"},
      {"[inputs.proc]\nenabled = \"yes\"\n", ":2: inputs.proc.enabled: wrong type"},
      {"[inputs.journal]\n", "inputs.journal: unknown setting"},
      {"[inputs.syslog]\nudp = \":514\"\n", ":2: inputs.syslog.udp: unknown setting"},
      {"[inputs.syslog]\nudp_listen = \"\"\n", "[inputs.syslog]"},
      {"[inputs.journald]\nstart_at = \"middle\"\n", "start_at"},
      {"[agent]\nbatch_max_wait = \"5ms\"\n", "agent.batch_max_wait: must be between 10ms and 1m"},
      {"[agent]\nretry_max = \"500ms\"\n", "agent.retry_max: must be between 1s and 1h"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    Result<AgentConfig> r = LoadAgentConfig(Write(dir, "agent.toml", c.text));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains(c.error));
    CHECK_THAT(r.status().message(), Catch::StartsWith(dir.path() + "/agent.toml"));
  }
}

TEST_CASE("validation reads the token file and rejects contradictions", "[agent-config]") {
  TempDir dir;
  AgentConfig c;
  c.token_file = Write(dir, "token", "hw_secret\n");
  REQUIRE(ValidateAgentConfig(&c).ok());
  CHECK(c.token == "hw_secret");
  CHECK_FALSE(c.host.empty());  // the machine's host name

  AgentConfig both;
  both.token = "a";
  both.token_file = c.token_file;
  CHECK_THAT(ValidateAgentConfig(&both).message(), Catch::Contains("set one, not both"));

  AgentConfig bad_url;
  bad_url.collectors = {"c1:9800"};
  CHECK_THAT(ValidateAgentConfig(&bad_url).message(),
             Catch::Contains("'c1:9800' must start with http:// or https://"));

  AgentConfig missing;
  missing.token_file = dir.path() + "/nope";
  CHECK_THAT(ValidateAgentConfig(&missing).message(), Catch::Contains("cannot read"));
}

TEST_CASE("a CA file that cannot be read is a validation error naming it", "[agent-config]") {
  AgentConfig c;
  c.host = "web1";
  c.ca_file = "/nonexistent/ca.pem";
  Status s = ValidateAgentConfig(&c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "ca_file: cannot read /nonexistent/ca.pem");
}
