// The four real log samples pushed into a real collector and searched back over HTTP and with
// the CLI; expected counts come from scanning the same lines in the test.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "common/http_client.h"
#include "tests/integration/integration_support.h"
#include "tests/support/collector_process.h"

using namespace hivewatch;
using namespace hivewatch::testing;
using nlohmann::json;

namespace {

size_t Expected(const std::vector<SampleLine>& lines,
                const std::function<bool(const SampleLine&)>& pred) {
  return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), pred));
}

}  // namespace

TEST_CASE("the real samples are searchable with terms, phrases, prefixes and filters",
          "[integration][search]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  HttpClient client;
  const std::vector<SampleLine> lines = LoadSamples();
  REQUIRE(PushLines(client, collector.url(), ingest, lines, 500, "samples") == 16);

  auto count = [&](const std::string& params) {
    return QueryAllLogs(client, collector.url(), read, params).size();
  };
  CHECK(count("") == 8000);

  SECTION("a phrase") {
    size_t expected = Expected(lines, [](auto& l) { return ContainsWords(l.message, "Failed password"); });
    CHECK(expected == 520);
    CHECK(count("q=%22Failed%20password%22") == expected);
  }
  SECTION("several terms must all match") {
    size_t expected = Expected(lines, [](auto& l) {
      return ContainsWords(l.message, "authentication") && ContainsWords(l.message, "failure") &&
             ContainsWords(l.message, "root");
    });
    CHECK(expected > 0);
    CHECK(count("q=authentication+failure+root") == expected);
  }
  SECTION("a term with punctuation matches its words in order") {
    size_t expected = Expected(lines, [](auto& l) { return ContainsWords(l.message, "dfs.DataNode$PacketResponder"); });
    CHECK(expected > 100);
    CHECK(count("q=" + UrlEncode("dfs.DataNode$PacketResponder")) == expected);
  }
  SECTION("a prefix") {
    size_t expected = Expected(lines, [](auto& l) {
      std::string m = l.message;
      for (auto& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      // words starting with "packetrespond"
      size_t pos = 0;
      while ((pos = m.find("packetrespond", pos)) != std::string::npos) {
        if (pos == 0 || !std::isalnum(static_cast<unsigned char>(m[pos - 1]))) return true;
        ++pos;
      }
      return false;
    });
    CHECK(expected > 0);
    CHECK(count("q=packetrespond*") == expected);
  }
  SECTION("host, service and level filters narrow the results") {
    CHECK(count("host=web1") == 4000);
    CHECK(count("host=data1&service=hdfs") == 2000);
    CHECK(count("service=openssh,linux") == 4000);
    size_t warnings = Expected(lines, [](auto& l) { return l.level == Level::kWarning; });
    size_t errors = Expected(lines, [](auto& l) { return l.level == Level::kError; });
    CHECK(warnings > 800);  // the scan itself found the WARN lines
    CHECK(count("level=warning") == warnings);
    CHECK(count("level=warn,error") == warnings + errors);
    size_t hadoop_warn = Expected(lines, [](auto& l) {
      return l.service == "hadoop" && l.level == Level::kWarning && ContainsWords(l.message, "retrying");
    });
    CHECK(count("service=hadoop&level=warning&q=retrying") == hadoop_warn);
  }
  SECTION("a time window is start-inclusive and end-exclusive") {
    const int64_t start = kSampleBaseMs + 100 * 1000, end = kSampleBaseMs + 200 * 1000;
    CHECK(count("start=" + std::to_string(start) + "&end=" + std::to_string(end)) == 400);
  }
  SECTION("results are newest first and pages do not overlap") {
    std::vector<json> all = QueryAllLogs(client, collector.url(), read, "host=web1");
    REQUIRE(all.size() == 4000);
    std::set<int64_t> ids;
    for (size_t i = 1; i < all.size(); ++i) {
      CHECK(all[i - 1]["ts"].get<int64_t>() >= all[i]["ts"].get<int64_t>());
    }
    for (auto& r : all) ids.insert(r["id"].get<int64_t>());
    CHECK(ids.size() == all.size());
    CHECK(all.front()["time"] == "2025-11-22T08:59:59.000Z");
  }
}

TEST_CASE("the CLI searches the real samples", "[integration][cli]") {
  CollectorProcess collector;
  const std::string ingest = collector.CreateToken("agent", "ingest");
  const std::string read = collector.CreateToken("reader", "read");
  collector.Start();
  HttpClient client;
  const std::vector<SampleLine> lines = LoadSamples();
  PushLines(client, collector.url(), ingest, lines, 1000, "cli");

  const std::map<std::string, std::string> env = {{"HIVEWATCH_URL", collector.url()},
                                                  {"HIVEWATCH_TOKEN", read}};
  SECTION("JSON output has one record per line with the query's matches") {
    CommandResult r = RunCommand({CliBinary(), "logs", "--service", "openssh", "--limit", "10000",
                                  "--start", std::to_string(kSampleBaseMs), "--output", "json",
                                  "Failed password"},
                                 env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    size_t n = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      json rec = json::parse(line);
      CHECK(rec["service"] == "openssh");
      CHECK(ContainsWords(rec["message"].get<std::string>(), "Failed password"));
      ++n;
    }
    CHECK(n == 520);
  }
  SECTION("text output shows time, host, service, level and message") {
    CommandResult r = RunCommand({CliBinary(), "logs", "--level", "error", "--limit", "3",
                                  "--start", "2025-11-01T00:00:00Z"}, env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream in(r.out);
    std::vector<std::string> out_lines;
    for (std::string line; std::getline(in, line);) out_lines.push_back(line);
    REQUIRE(out_lines.size() == 3);
    CHECK_THAT(out_lines[0], Catch::Contains("data1") && Catch::Contains("hadoop") &&
                                 Catch::Contains("error") && Catch::Contains("2025-11-22T"));
    CHECK(out_lines[0].find('\x1b') == std::string::npos);  // no colour when not a TTY
  }
  SECTION("hosts lists both hosts") {
    CommandResult r = RunCommand({CliBinary(), "hosts"}, env);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("web1") && Catch::Contains("data1"));
  }
  SECTION("errors are clear and exit non-zero") {
    CommandResult no_token = RunCommand({CliBinary(), "logs", "--url", collector.url()},
                                        {{"HIVEWATCH_TOKEN", ""}});
    CHECK(no_token.exit_code == 1);
    CHECK_THAT(no_token.err, Catch::Contains("token"));
    CommandResult bad_flag = RunCommand({CliBinary(), "logs", "--bogus"}, env);
    CHECK(bad_flag.exit_code == 2);
    collector.Stop();
    CommandResult down = RunCommand({CliBinary(), "hosts"}, env);
    CHECK(down.exit_code == 1);
    CHECK_THAT(down.err, Catch::Contains("cannot reach the collector"));
  }
}
