// LoadCollectorConfig / ValidateCollectorConfig, and the shipped packaging/collector.toml.
#include "collector/collector_config.h"
#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

using namespace hivewatch;

using hivewatch::testing::TempDir;

namespace {

// Writes `text` to <dir>/collector.toml and returns the path.
std::string WriteConfig(const TempDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/collector.toml";
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  REQUIRE(out.good());
  return path;
}

Result<CollectorConfig> Load(const std::string& text) {
  TempDir dir;
  return LoadCollectorConfig(WriteConfig(dir, text));
}

// The error LoadCollectorConfig gives for `text`, without its "FILE:LINE: " prefix.
std::string LoadError(const std::string& text) {
  Result<CollectorConfig> r = Load(text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  const std::string& m = r.status().message();
  // Setting errors start with the file's path and a line number.
  if (m.rfind("/", 0) == 0 && m.find(".toml:") != std::string::npos) {
    size_t after_file = m.find(".toml:") + 6;
    size_t after_line = m.find(": ", after_file);
    if (after_line != std::string::npos &&
        m.find_first_not_of("0123456789", after_file) == after_line) {
      return m.substr(after_line + 2);
    }
  }
  return m;
}

// The error ValidateCollectorConfig gives for `config`.
std::string ValidateError(CollectorConfig config) {
  Status s = ValidateCollectorConfig(&config);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kInvalidArgument);
  return s.message();
}

// Every setting the file can change, compared one by one so a failure names the field.
void CheckSameSettings(const CollectorConfig& a, const CollectorConfig& b) {
  CHECK(a.listen == b.listen);
  CHECK(a.data_dir == b.data_dir);
  CHECK(a.no_auth == b.no_auth);
  CHECK(a.log_level == b.log_level);
  CHECK(a.max_body_bytes == b.max_body_bytes);
  CHECK(a.decode.max_labels == b.decode.max_labels);
  CHECK(a.decode.max_label_value_bytes == b.decode.max_label_value_bytes);
  CHECK(a.decode.max_message_bytes == b.decode.max_message_bytes);
  CHECK(a.decode.max_future_ms == b.decode.max_future_ms);
  CHECK(a.http_workers == b.http_workers);
  CHECK(a.read_timeout_ms == b.read_timeout_ms);
  CHECK(a.metrics_require_read == b.metrics_require_read);
  CHECK(a.write_timeout_ms == b.write_timeout_ms);
  CHECK(a.max_header_bytes == b.max_header_bytes);
  CHECK(a.max_header_count == b.max_header_count);
  CHECK(a.max_connections == b.max_connections);
  CHECK(a.rate_limit == b.rate_limit);
  CHECK(a.rate_burst == b.rate_burst);
  CHECK(a.tls.cert_file == b.tls.cert_file);
  CHECK(a.tls.key_file == b.tls.key_file);
  CHECK(a.query.max_range_ms == b.query.max_range_ms);
  CHECK(a.query.max_series == b.query.max_series);
  CHECK(a.query.max_log_lines == b.query.max_log_lines);
  CHECK(a.query.timeout_ms == b.query.timeout_ms);
  CHECK(a.query.max_concurrent == b.query.max_concurrent);
  CHECK(a.storage.backend == b.storage.backend);
  CHECK(a.storage.data_dir == b.storage.data_dir);
  CHECK(a.storage.synchronous_full == b.storage.synchronous_full);
  CHECK(a.storage.max_batch_wait_ms == b.storage.max_batch_wait_ms);
  CHECK(a.storage.retention.max_age_ms == b.storage.retention.max_age_ms);
  CHECK(a.storage.retention.max_bytes == b.storage.retention.max_bytes);
  CHECK(a.storage.retention.interval_ms == b.storage.retention.interval_ms);
  CHECK(a.storage.retention.rollup_max_age_ms == b.storage.retention.rollup_max_age_ms);
  CHECK(a.storage.clickhouse.url == b.storage.clickhouse.url);
  CHECK(a.storage.clickhouse.database == b.storage.clickhouse.database);
  CHECK(a.storage.clickhouse.user == b.storage.clickhouse.user);
  CHECK(a.storage.clickhouse.password == b.storage.clickhouse.password);
  CHECK(a.storage.clickhouse.cluster == b.storage.clickhouse.cluster);
}

std::string RepoRoot() { return HIVEWATCH_SOURCE_DIR; }

}  // namespace

TEST_CASE("the built-in defaults are the documented ones", "[config]") {
  CollectorConfig c;
  CHECK(c.listen == "127.0.0.1:9800");
  CHECK(c.data_dir == "/var/lib/hivewatch-collector");
  CHECK_FALSE(c.no_auth);
  CHECK(c.log_level == "info");
  CHECK(c.max_body_bytes == 16u * 1024 * 1024);
  CHECK(c.decode.max_labels == 32);
  CHECK(c.decode.max_future_ms == 24LL * 3600 * 1000);
  CHECK(c.http_workers == 16);
  CHECK(c.read_timeout_ms == 30000);
  CHECK_FALSE(c.metrics_require_read);
  CHECK(c.storage.backend == "sqlite");
  CHECK(c.storage.synchronous_full);
  CHECK(c.storage.retention.max_age_ms == 15LL * 86400 * 1000);
  CHECK(c.storage.retention.rollup_max_age_ms == 400LL * 86400 * 1000);
  CHECK(c.storage.retention.max_bytes == 0);
  CHECK(c.storage.retention.interval_ms == 60000);
  CHECK(c.write_timeout_ms == 30000);
  CHECK(c.max_header_bytes == 65536);
  CHECK(c.max_header_count == 100);
  CHECK(c.max_connections == 1024);
  CHECK(c.rate_limit == 100);
  CHECK(c.rate_burst == 200);
  CHECK_FALSE(c.tls.enabled());
  CHECK(c.query.max_range_ms == 32LL * 24 * 3600 * 1000);
  CHECK(c.query.max_series == 10000);
  CHECK(c.query.max_log_lines == 10000);
  CHECK(c.query.timeout_ms == 30000);
  CHECK(c.query.max_concurrent == 0);
  CHECK(ValidateCollectorConfig(&c).ok());
}

TEST_CASE("a file setting every key loads every value", "[config]") {
  Result<CollectorConfig> r = Load(R"(
listen = "0.0.0.0:9900"
data_dir = "/srv/hivewatch"
no_auth = true
log_level = "debug"

[limits]
max_body_bytes = 1048576
max_labels = 8
max_future = "1h30m"

[http]
workers = 4
read_timeout = "1m"
metrics_scope = "read"
write_timeout = "10s"
max_header_bytes = 8192
max_header_count = 50
max_connections = 64
rate_limit = 2.5
rate_burst = 10

[tls]
cert_file = "/etc/hivewatch/cert.pem"
key_file = "/etc/hivewatch/key.pem"

[query]
max_range = "7d"
max_series = 500
max_log_lines = 2000
timeout = "5s"
max_concurrent = 2

[storage]
backend = "sqlite"
synchronous = "normal"
retention = "30d"
max_bytes = 10737418240
retention_interval = "5m"
)");
  REQUIRE(r.ok());
  const CollectorConfig& c = *r;
  CHECK(c.listen == "0.0.0.0:9900");
  CHECK(c.data_dir == "/srv/hivewatch");
  CHECK(c.no_auth);
  CHECK(c.log_level == "debug");
  CHECK(c.max_body_bytes == 1048576);
  CHECK(c.decode.max_labels == 8);
  CHECK(c.decode.max_future_ms == 90 * 60 * 1000);
  CHECK(c.http_workers == 4);
  CHECK(c.read_timeout_ms == 60000);
  CHECK(c.metrics_require_read);
  CHECK(c.storage.backend == "sqlite");
  CHECK_FALSE(c.storage.synchronous_full);
  CHECK(c.storage.retention.max_age_ms == 30LL * 86400 * 1000);
  CHECK(c.storage.retention.max_bytes == 10737418240);
  CHECK(c.storage.retention.interval_ms == 5 * 60000);
  CHECK(c.write_timeout_ms == 10000);
  CHECK(c.max_header_bytes == 8192);
  CHECK(c.max_header_count == 50);
  CHECK(c.max_connections == 64);
  CHECK(c.rate_limit == 2.5);
  CHECK(c.rate_burst == 10);
  CHECK(c.tls.cert_file == "/etc/hivewatch/cert.pem");
  CHECK(c.tls.key_file == "/etc/hivewatch/key.pem");
  CHECK(c.query.max_range_ms == 7LL * 24 * 3600 * 1000);
  CHECK(c.query.max_series == 500);
  CHECK(c.query.max_log_lines == 2000);
  CHECK(c.query.timeout_ms == 5000);
  CHECK(c.query.max_concurrent == 2);

  CollectorConfig validated = c;
  REQUIRE(ValidateCollectorConfig(&validated).ok());
  CHECK(validated.storage.data_dir == "/srv/hivewatch");
}

TEST_CASE("an empty file gives the defaults", "[config]") {
  Result<CollectorConfig> r = Load("");
  REQUIRE(r.ok());
  CheckSameSettings(*r, CollectorConfig{});

  Result<CollectorConfig> comments = Load("# nothing here\n\n[limits]\n[http]\n[storage]\n");
  REQUIRE(comments.ok());
  CheckSameSettings(*comments, CollectorConfig{});
}

TEST_CASE("keys missing from the file keep their defaults", "[config]") {
  Result<CollectorConfig> r = Load("data_dir = \"/data\"\n[http]\nworkers = 2\n");
  REQUIRE(r.ok());
  CollectorConfig expected;
  expected.data_dir = "/data";
  expected.http_workers = 2;
  CheckSameSettings(*r, expected);
}

TEST_CASE("an unknown top-level key is an error naming it", "[config]") {
  CHECK(LoadError("listen = \"127.0.0.1:1\"\nlisten_addr = \"x\"\n") ==
        "listen_addr: unknown setting");
  CHECK(LoadError("[server]\nport = 1\n") == "server: unknown setting");
}

TEST_CASE("an unknown key inside a table is an error naming table and key", "[config]") {
  CHECK(LoadError("[limits]\nmax_body = 2048\n") == "limits.max_body: unknown setting");
  CHECK(LoadError("[http]\nworkers = 2\nthreads = 2\n") == "http.threads: unknown setting");
  CHECK(LoadError("[storage]\npath = \"/x\"\n") == "storage.path: unknown setting");
  // A top-level key written after a table header belongs to that table.
  CHECK(LoadError("[http]\nworkers = 2\nlog_level = \"debug\"\n") ==
        "http.log_level: unknown setting");
}

TEST_CASE("a value of the wrong type is an error naming the key", "[config]") {
  CHECK(LoadError("listen = 9800\n") == "listen: wrong type");
  CHECK(LoadError("data_dir = [\"/a\"]\n") == "data_dir: wrong type");
  CHECK(LoadError("no_auth = \"yes\"\n") == "no_auth: wrong type");
  CHECK(LoadError("no_auth = 1\n") == "no_auth: wrong type");
  CHECK(LoadError("log_level = true\n") == "log_level: wrong type");
  CHECK(LoadError("[limits]\nmax_body_bytes = \"16MiB\"\n") == "limits.max_body_bytes: wrong type");
  CHECK(LoadError("[limits]\nmax_labels = 2.5\n") == "limits.max_labels: wrong type");
  CHECK(LoadError("[limits]\nmax_future = 3600\n") == "limits.max_future: wrong type");
  CHECK(LoadError("[http]\nworkers = \"4\"\n") == "http.workers: wrong type");
  CHECK(LoadError("[http]\nworkers = true\n") == "http.workers: wrong type");
  CHECK(LoadError("[http]\nread_timeout = 30\n") == "http.read_timeout: wrong type");
  CHECK(LoadError("[http]\nmetrics_scope = true\n") == "http.metrics_scope: wrong type");
  CHECK(LoadError("[http]\nmetrics_scope = \"ingest\"\n") ==
        "http.metrics_scope: must be \"none\" or \"read\"");
  CHECK(LoadError("[storage]\nbackend = 1\n") == "storage.backend: wrong type");
  CHECK(LoadError("[storage]\nsynchronous = true\n") == "storage.synchronous: wrong type");
}

// LoadCollectorConfig's TableReader::Sub returns nullptr for a key that is not a table but has
// already marked it used, so `http = 4` is silently ignored instead of being reported.
TEST_CASE("a section given as a plain value is an error naming it", "[config]") {
  for (const char* text : {"http = 4\n", "limits = \"none\"\n", "storage = [1]\n"}) {
    INFO(text);
    Result<CollectorConfig> r = Load(text);
    CHECK_FALSE(r.ok());
    const std::string key = std::string(text).substr(0, std::string(text).find(' '));
    CHECK_THAT(r.status().message(),
               Catch::EndsWith(":1: " + key + ": expected a table ([" + key + "])"));
  }
}

TEST_CASE("a bad duration is an error naming the key and the value", "[config]") {
  CHECK(LoadError("[http]\nread_timeout = \"30 s\"\n") ==
        "http.read_timeout: invalid duration '30 s': expected e.g. 30s, 15m, 1h, 7d or 1h30m");
  CHECK_THAT(LoadError("[http]\nread_timeout = \"30\"\n"),
             Catch::StartsWith("http.read_timeout: invalid duration '30'"));
  CHECK_THAT(LoadError("[limits]\nmax_future = \"1y\"\n"),
             Catch::StartsWith("limits.max_future: invalid duration '1y'"));
  CHECK_THAT(LoadError("[limits]\nmax_future = \"-1h\"\n"),
             Catch::StartsWith("limits.max_future: invalid duration"));
}

TEST_CASE("durations combine units", "[config]") {
  Result<CollectorConfig> r =
      Load("[limits]\nmax_future = \"1d12h\"\n[http]\nread_timeout = \"1500ms\"\n");
  REQUIRE(r.ok());
  CHECK(r->decode.max_future_ms == 36LL * 3600 * 1000);
  CHECK(r->read_timeout_ms == 1500);
}

// read_timeout is parsed as int64 milliseconds and then narrowed with static_cast<int>, and
// nothing checks the range: "30d" (2'592'000'000 ms) wraps to a negative timeout.
TEST_CASE("a read timeout too long to hold is rejected, not wrapped", "[config]") {
  Result<CollectorConfig> r = Load("[http]\nread_timeout = \"30d\"\n");
  bool rejected = !r.ok();
  if (r.ok()) {
    CollectorConfig c = *r;
    rejected = !ValidateCollectorConfig(&c).ok();
    if (!rejected) CHECK(static_cast<int64_t>(c.read_timeout_ms) == 30LL * 86400 * 1000);
  }
  CHECK(rejected);
}

// http.workers is read as int64 and narrowed with static_cast<int> before the 1..1024 check,
// so 2^32 + 4 passes validation as 4.
TEST_CASE("a huge worker count is rejected, not wrapped", "[config]") {
  Result<CollectorConfig> r = Load("[http]\nworkers = 4294967300\n");
  bool rejected = !r.ok();
  if (r.ok()) {
    CollectorConfig c = *r;
    rejected = !ValidateCollectorConfig(&c).ok();
  }
  CHECK(rejected);
}

TEST_CASE("limits below their minimum are errors naming the key", "[config]") {
  CHECK(LoadError("[limits]\nmax_body_bytes = 1023\n") ==
        "limits.max_body_bytes: must be between 1024 and 4294967296");
  CHECK(LoadError("[limits]\nmax_body_bytes = -5\n") ==
        "limits.max_body_bytes: must be between 1024 and 4294967296");
  CHECK(LoadError("[limits]\nmax_labels = 0\n") == "limits.max_labels: must be between 1 and 1000");
  REQUIRE(Load("[limits]\nmax_body_bytes = 1024\nmax_labels = 1\n").ok());
}

TEST_CASE("storage.synchronous must be full or normal", "[config]") {
  CHECK(LoadError("[storage]\nsynchronous = \"off\"\n") ==
        "storage.synchronous: must be \"full\" or \"normal\"");
  Result<CollectorConfig> full = Load("[storage]\nsynchronous = \"full\"\n");
  REQUIRE(full.ok());
  CHECK(full->storage.synchronous_full);
}

TEST_CASE("storage retention keys are checked and 0s keeps data forever", "[config]") {
  Result<CollectorConfig> forever = Load("[storage]\nretention = \"0s\"\n");
  REQUIRE(forever.ok());
  CHECK(forever->storage.retention.max_age_ms == 0);
  Result<CollectorConfig> rollups = Load("[storage]\nrollup_retention = \"730d\"\n");
  REQUIRE(rollups.ok());
  CHECK(rollups->storage.retention.rollup_max_age_ms == 2 * 365LL * 86400 * 1000);
  CHECK(LoadError("[storage]\nretention = \"soon\"\n").rfind("storage.retention: invalid", 0) == 0);
  CHECK(LoadError("[storage]\nmax_bytes = 1000\n") ==
        "storage.max_bytes: must be 0 (no cap) or at least 1048576 (1 MiB)");
  CHECK(LoadError("[storage]\nmax_bytes = -1\n") ==
        "storage.max_bytes: must be between 0 and 1125899906842624");
  CHECK(LoadError("[storage]\nretention_interval = \"10ms\"\n") ==
        "storage.retention_interval: must be between 1s and 1d");
}

TEST_CASE("a TOML syntax error names the file, line and column", "[config]") {
  TempDir dir;
  const std::string path =
      WriteConfig(dir, "listen = \"127.0.0.1:9800\"\n\n[http]\nworkers = = 4\n");
  Result<CollectorConfig> r = LoadCollectorConfig(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(r.status().message(), Catch::StartsWith(path + ":4:"));

  const std::string unterminated = WriteConfig(dir, "data_dir = \"/var/lib\n");
  Result<CollectorConfig> u = LoadCollectorConfig(unterminated);
  REQUIRE_FALSE(u.ok());
  CHECK_THAT(u.status().message(), Catch::StartsWith(path + ":1:"));
}

TEST_CASE("a duplicate key is a TOML error", "[config]") {
  CHECK_THAT(LoadError("listen = \"a:1\"\nlisten = \"b:2\"\n"), Catch::Contains(":2:"));
}

TEST_CASE("a missing config file is an error naming the file", "[config]") {
  TempDir dir;
  const std::string path = dir.path() + "/does-not-exist.toml";
  Result<CollectorConfig> r = LoadCollectorConfig(path);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::StartsWith(path));
}

TEST_CASE("validation accepts every log level and rejects others by name", "[config]") {
  for (const char* level : {"trace", "debug", "info", "warn", "error"}) {
    CollectorConfig c;
    c.log_level = level;
    INFO("log_level " << level);
    CHECK(ValidateCollectorConfig(&c).ok());
  }
  CollectorConfig c;
  c.log_level = "verbose";
  CHECK(ValidateError(c) == "log_level: 'verbose' is not one of trace, debug, info, warn, error");
  c.log_level = "warning";
  CHECK_THAT(ValidateError(c), Catch::StartsWith("log_level: 'warning'"));
  c.log_level = "INFO";
  CHECK_THAT(ValidateError(c), Catch::StartsWith("log_level: 'INFO'"));
}

TEST_CASE("validation rejects an unavailable storage backend", "[config]") {
  CollectorConfig c;
  c.storage.backend = "postgres";
  CHECK(ValidateError(c) ==
        "storage.backend: 'postgres' is not available (available: sqlite, clickhouse)");

  Result<CollectorConfig> loaded = Load("[storage]\nbackend = \"postgres\"\n");
  REQUIRE(loaded.ok());  // names are checked by validation, which --check-config runs too
  CHECK_THAT(ValidateError(*loaded), Catch::StartsWith("storage.backend: 'postgres'"));
}

TEST_CASE("the clickhouse backend's settings come from [storage.clickhouse]", "[config]") {
  Result<CollectorConfig> loaded = Load(
      "[storage]\nbackend = \"clickhouse\"\n[storage.clickhouse]\n"
      "url = \"http://ch-1:8123\"\ndatabase = \"hw\"\nuser = \"writer\"\npassword = \"pw\"\n"
      "cluster = \"logs\"\n");
  REQUIRE(loaded.ok());
  CollectorConfig c = *loaded;
  CHECK(ValidateCollectorConfig(&c).ok());
  CHECK(c.storage.backend == "clickhouse");
  CHECK(c.storage.clickhouse.url == "http://ch-1:8123");
  CHECK(c.storage.clickhouse.database == "hw");
  CHECK(c.storage.clickhouse.user == "writer");
  CHECK(c.storage.clickhouse.password == "pw");
  CHECK(c.storage.clickhouse.cluster == "logs");

  c.storage.clickhouse.url = "ch-1:8123";
  CHECK(ValidateError(c) ==
        "storage.clickhouse.url: 'ch-1:8123' must start with http:// or https://");
  Result<CollectorConfig> unknown = Load("[storage.clickhouse]\nhost = \"x\"\n");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("storage.clickhouse.host"));
}

TEST_CASE("validation requires listen to be host:port", "[config]") {
  CollectorConfig c;
  c.listen = "9800";
  CHECK(ValidateError(c) == "listen: '9800' must be host:port");
  c.listen = "";
  CHECK(ValidateError(c) == "listen: '' must be host:port");
  for (const char* ok : {"127.0.0.1:0", "0.0.0.0:9800", "[::1]:9800", "localhost:9800"}) {
    CollectorConfig v;
    v.listen = ok;
    INFO("listen " << ok);
    CHECK(ValidateCollectorConfig(&v).ok());
  }
}

TEST_CASE("validation requires a data directory and a sane worker count", "[config]") {
  CollectorConfig no_dir;
  no_dir.data_dir = "";
  CHECK(ValidateError(no_dir) == "data_dir: must be set");

  CollectorConfig c;
  c.http_workers = 0;
  CHECK(ValidateError(c) == "http.workers: must be between 1 and 1024");
  c.http_workers = 1025;
  CHECK(ValidateError(c) == "http.workers: must be between 1 and 1024");
  c.http_workers = 1024;
  CHECK(ValidateCollectorConfig(&c).ok());
}

TEST_CASE("validation copies the data directory into the storage options", "[config]") {
  CollectorConfig c;
  c.data_dir = "/tmp/somewhere";
  REQUIRE(ValidateCollectorConfig(&c).ok());
  CHECK(c.storage.data_dir == "/tmp/somewhere");
}

TEST_CASE("the packaged collector.toml loads and equals the defaults", "[config][packaging]") {
  const std::string path = RepoRoot() + "/packaging/collector.toml";
  INFO("file " << path);
  REQUIRE(std::filesystem::exists(path));
  Result<CollectorConfig> r = LoadCollectorConfig(path);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CollectorConfig loaded = *r;
  CHECK(ValidateCollectorConfig(&loaded).ok());
  CollectorConfig defaults;
  REQUIRE(ValidateCollectorConfig(&defaults).ok());
  CheckSameSettings(loaded, defaults);
}

TEST_CASE("every commented setting in collector.toml is a valid one when uncommented",
          "[config][packaging]") {
  // Uncommenting "# key = value" lines (and "# [table]" headers) must give a file that loads
  // to the same defaults: the comments are the defaults, spelled correctly.
  const std::string path = RepoRoot() + "/packaging/collector.toml";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::string line;
  std::string uncommented;
  int settings = 0;
  while (std::getline(in, line)) {
    if (line.rfind("#[", 0) == 0 || line.rfind("# [", 0) == 0) {
      uncommented += line.substr(line.find('[')) + "\n";
    } else if (line.rfind("[", 0) == 0) {
      uncommented += line + "\n";
    } else if (line.rfind("# ", 0) == 0 && line.find(" = ") != std::string::npos &&
               line.find(' ', 2) == line.find(" = ")) {
      uncommented += line.substr(2) + "\n";
      ++settings;
    }
  }
  CHECK(settings == 34);  // listen … storage.rollup_retention, storage.clickhouse.*, tls, limits, query
  Result<CollectorConfig> r = Load(uncommented);
  INFO(uncommented);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CheckSameSettings(*r, CollectorConfig{});
}

TEST_CASE("the complete example in docs/configuration.md loads and validates",
          "[config][packaging]") {
  std::ifstream in(RepoRoot() + "/docs/configuration.md");
  REQUIRE(in.good());
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t start = doc.find("```toml\n");
  REQUIRE(start != std::string::npos);
  const size_t body = start + 8;
  const size_t end = doc.find("```", body);
  REQUIRE(end != std::string::npos);
  Result<CollectorConfig> r = Load(doc.substr(body, end - body));
  INFO(r.status().message());
  REQUIRE(r.ok());
  CollectorConfig c = *r;
  REQUIRE(ValidateCollectorConfig(&c).ok());
  CHECK(c.listen == "0.0.0.0:9800");
  CHECK(c.max_body_bytes == 32u * 1024 * 1024);
  CHECK(c.http_workers == 8);
  CHECK(c.read_timeout_ms == 60000);
}

TEST_CASE("setting errors name the file and the line", "[config]") {
  TempDir dir;
  const std::string path = WriteConfig(dir, "listen = \"127.0.0.1:1\"\n\n[http]\nworkers = 0\n");
  Result<CollectorConfig> r = LoadCollectorConfig(path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == path + ":4: http.workers: must be between 1 and 1024");
}

TEST_CASE("security limits out of range are errors naming the key", "[config]") {
  CHECK_THAT(LoadError("[http]\nrate_limit = -1\n"), Catch::StartsWith("http.rate_limit: must be"));
  CHECK_THAT(LoadError("[http]\nmax_connections = 0\n"),
             Catch::StartsWith("http.max_connections: must be between 1"));
  CHECK_THAT(LoadError("[http]\nwrite_timeout = \"10ms\"\n"),
             Catch::StartsWith("http.write_timeout: must be between 100ms and 1h"));
  CHECK_THAT(LoadError("[query]\nmax_log_lines = 10001\n"),
             Catch::StartsWith("query.max_log_lines: must be between 1 and 10000"));
  CHECK_THAT(LoadError("[query]\ntimeout = \"2h\"\n"),
             Catch::StartsWith("query.timeout: must be between 1ms and 1h"));
  CHECK_THAT(LoadError("[tls]\ncert = \"x\"\n"), Catch::StartsWith("tls.cert: unknown setting"));
}

TEST_CASE("validation wants both TLS files or neither, and queries within the workers",
          "[config]") {
  CollectorConfig half;
  half.tls.cert_file = "/etc/hivewatch/cert.pem";
  CHECK(ValidateError(half) == "tls: set both cert_file and key_file (or neither, for plain HTTP)");
  CollectorConfig many;
  many.http_workers = 4;
  many.query.max_concurrent = 3;
  CHECK(ValidateError(many) == "query.max_concurrent: must be at most half of http.workers (4)");
  many.query.max_concurrent = 2;
  CHECK(ValidateCollectorConfig(&many).ok());
}
