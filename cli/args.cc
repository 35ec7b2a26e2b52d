#include "cli/args.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "common/level.h"
#include "common/time_util.h"

namespace hivewatch::cli {
namespace {

namespace po = boost::program_options;

constexpr char kProgramHint[] = "hivewatch --help";
constexpr char kLogsHint[] = "hivewatch logs --help";
constexpr char kHostsHint[] = "hivewatch hosts --help";
constexpr char kMetricsHint[] = "hivewatch metrics --help";

// Exact prefixes only: "--ser" must not silently mean "--service".
constexpr int kStyle = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;

void AddGlobalOptions(po::options_description* d) {
  // clang-format off
  d->add_options()
      ("url", po::value<std::string>()->value_name("URL"),
       "collector address (env HIVEWATCH_URL; default http://127.0.0.1:9800)")
      ("token", po::value<std::string>()->value_name("TOKEN"),
       "API token (env HIVEWATCH_TOKEN)")
      ("token-file", po::value<std::string>()->value_name("PATH"),
       "read the API token from a file instead")
      ("ca-file", po::value<std::string>()->value_name("PATH"),
       "https: trust the CA certificates in this PEM file (env HIVEWATCH_CA_FILE; default: the "
       "system's)")
      ("help,h", "show this help")
      ("version", "print the version and exit");
  // clang-format on
}

void AddLogsOptions(po::options_description* d) {
  // clang-format off
  d->add_options()
      ("host", po::value<std::vector<std::string>>()->composing()->value_name("HOST"),
       "only these hosts (repeat, or a comma list)")
      ("service", po::value<std::vector<std::string>>()->composing()->value_name("SERVICE"),
       "only these services (repeat, or a comma list)")
      ("level", po::value<std::vector<std::string>>()->composing()->value_name("LEVEL"),
       "only these levels, e.g. warning,error,critical (repeat, or a comma list)")
      ("since", po::value<std::string>()->value_name("DURATION"),
       "only the last DURATION: 30s, 15m, 1h, 7d, 1h30m")
      ("start", po::value<std::string>()->value_name("TIME"),
       "from TIME, inclusive: 2025-11-23T12:00:00Z, or ms since the epoch")
      ("end", po::value<std::string>()->value_name("TIME"), "until TIME (exclusive), same forms")
      ("limit,n", po::value<std::string>()->value_name("N"),
       "at most N records (default 100); over 10000 pages through the results")
      ("output,o", po::value<std::string>()->value_name("FORMAT"),
       "text (default) or json: one JSON object per line, as the API returns it")
      ("query", po::value<std::vector<std::string>>()->composing(), "search terms");
  // clang-format on
}

void AddMetricsOptions(po::options_description* d) {
  // clang-format off
  d->add_options()
      ("since", po::value<std::string>()->value_name("DURATION"),
       "the last DURATION (default 1h): 30s, 15m, 1h, 7d, 1h30m")
      ("start", po::value<std::string>()->value_name("TIME"),
       "from TIME: 2025-11-23T12:00:00Z, or ms since the epoch")
      ("end", po::value<std::string>()->value_name("TIME"), "until TIME (default now), same forms")
      ("step", po::value<std::string>()->value_name("DURATION"),
       "time between points (default: about 60 points over the range)")
      ("at", po::value<std::string>()->value_name("TIME"),
       "evaluate once, at TIME ('now' or the forms above), instead of over a range")
      ("output,o", po::value<std::string>()->value_name("FORMAT"),
       "text (default: a table) or json: one JSON object per series and line, as the API "
       "returns them")
      ("query", po::value<std::vector<std::string>>()->composing(), "the PromQL query");
  // clang-format on
}

void AddHostsOptions(po::options_description* d) {
  // clang-format off
  d->add_options()
      ("output,o", po::value<std::string>()->value_name("FORMAT"),
       "text (default: a table) or json: one JSON object per host and line")
      ("extra", po::value<std::vector<std::string>>(), "unexpected arguments");
  // clang-format on
}

// Options as --help shows them: the command's (without the hidden positional ones), then the
// global ones, aligned as one table.
std::string DescribeOptions(void (*add_command)(po::options_description*)) {
  constexpr unsigned kLineLength = 100;
  po::options_description all(kLineLength);
  if (add_command != nullptr) {
    po::options_description command(kLineLength);
    add_command(&command);
    po::options_description shown("Options", kLineLength);
    for (const auto& option : command.options()) {
      if (option->long_name() != "query" && option->long_name() != "extra") shown.add(option);
    }
    all.add(shown);
  }
  po::options_description global("Global options", kLineLength);
  AddGlobalOptions(&global);
  all.add(global);
  std::ostringstream out;
  out << all;
  return out.str();
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// "a,b" "c" -> {a, b, c}: empties dropped, order kept, duplicates removed.
std::vector<std::string> SplitList(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    size_t begin = 0;
    while (begin <= value.size()) {
      size_t comma = value.find(',', begin);
      if (comma == std::string::npos) comma = value.size();
      std::string item = Trim(std::string_view(value).substr(begin, comma - begin));
      if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end()) {
        out.push_back(item);
      }
      begin = comma + 1;
    }
  }
  return out;
}

std::vector<std::string> GetList(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return {};
  return vm[name].as<std::vector<std::string>>();
}

std::optional<std::string> GetString(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

UsageError Usage(std::string message, const char* hint) { return {std::move(message), hint}; }

// Global options shared by all commands: URL and token.
std::optional<UsageError> ApplyGlobalOptions(const po::variables_map& vm,
                                             const ArgsContext& context, const char* hint,
                                             Invocation* inv) {
  std::string url = kDefaultUrl;
  if (auto flag = GetString(vm, "url")) {
    url = *flag;
  } else if (auto env = context.getenv ? context.getenv("HIVEWATCH_URL") : std::nullopt;
             env && !env->empty()) {
    url = *env;
  }
  auto normalized = NormalizeBaseUrl(url);
  if (!normalized.ok()) return Usage(normalized.status().message(), hint);
  inv->base_url = *normalized;

  auto token = GetString(vm, "token");
  auto token_file = GetString(vm, "token-file");
  if (token && token_file) return Usage("use either --token or --token-file, not both", hint);
  if (token) {
    inv->token = Trim(*token);
  } else if (token_file) {
    if (token_file->empty()) return Usage("--token-file needs a path", hint);
    inv->token_file = *token_file;
  } else if (auto env = context.getenv ? context.getenv("HIVEWATCH_TOKEN") : std::nullopt) {
    inv->token = Trim(*env);
  }
  if (auto ca_file = GetString(vm, "ca-file")) {
    if (ca_file->empty()) return Usage("--ca-file needs a path", hint);
    inv->ca_file = *ca_file;
  } else if (auto env = context.getenv ? context.getenv("HIVEWATCH_CA_FILE") : std::nullopt) {
    inv->ca_file = *env;
  }
  return std::nullopt;
}

std::optional<UsageError> ApplyOutput(const po::variables_map& vm, const char* hint,
                                      Invocation* inv) {
  auto output = GetString(vm, "output");
  if (!output || *output == "text") {
    inv->output = OutputFormat::kText;
  } else if (*output == "json") {
    inv->output = OutputFormat::kJson;
  } else {
    return Usage("--output must be 'text' or 'json', not '" + *output + "'", hint);
  }
  return std::nullopt;
}

std::optional<UsageError> ApplyLogsOptions(const po::variables_map& vm, const ArgsContext& context,
                                           Invocation* inv) {
  LogsRequest& r = inv->logs;
  r.q = BuildTextQuery(GetList(vm, "query"));
  r.hosts = SplitList(GetList(vm, "host"));
  r.services = SplitList(GetList(vm, "service"));
  for (const auto& name : SplitList(GetList(vm, "level"))) {
    auto level = ParseLevel(name);
    if (!level) {
      return Usage("unknown level '" + name +
                       "' in --level: expected trace, debug, info, notice, warning, error or "
                       "critical",
                   kLogsHint);
    }
    std::string canonical = LevelName(*level);
    if (std::find(r.levels.begin(), r.levels.end(), canonical) == r.levels.end()) {
      r.levels.push_back(canonical);
    }
  }

  auto since = GetString(vm, "since");
  auto start = GetString(vm, "start");
  auto end = GetString(vm, "end");
  if (since && start) return Usage("use either --since or --start, not both", kLogsHint);
  if (since) {
    auto duration = ParseDurationMs(*since);
    if (!duration.ok()) return Usage("--since: " + duration.status().message(), kLogsHint);
    r.start_ms = context.now_ms - *duration;
  }
  if (start) {
    auto ms = ParseTimestampMs(*start);
    if (!ms.ok()) return Usage("--start: " + ms.status().message(), kLogsHint);
    r.start_ms = *ms;
  }
  if (end) {
    auto ms = ParseTimestampMs(*end);
    if (!ms.ok()) return Usage("--end: " + ms.status().message(), kLogsHint);
    r.end_ms = *ms;
  }
  if (r.start_ms && r.end_ms && *r.end_ms <= *r.start_ms) {
    return Usage("--end must be later than the start (" + FormatRfc3339(*r.end_ms) +
                     " is not after " + FormatRfc3339(*r.start_ms) + ")",
                 kLogsHint);
  }

  if (auto limit = GetString(vm, "limit")) {
    int64_t n = 0;
    const char* first = limit->data();
    const char* last = first + limit->size();
    auto [ptr, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || ptr != last || n < 1) {
      return Usage("--limit must be a positive whole number, not '" + *limit + "'", kLogsHint);
    }
    r.limit = n;
  }
  return std::nullopt;
}

std::optional<UsageError> ApplyMetricsOptions(const po::variables_map& vm,
                                              const ArgsContext& context, Invocation* inv) {
  MetricsRequest& r = inv->metrics;
  const std::vector<std::string> words = GetList(vm, "query");
  if (words.empty()) return Usage("missing the query, e.g. hivewatch metrics 'up'", kMetricsHint);
  if (words.size() > 1) {
    return Usage("expected one query argument, got " + std::to_string(words.size()) +
                     " (quote the query: hivewatch metrics 'sum by (host) (x)')",
                 kMetricsHint);
  }
  r.query = words[0];
  auto since = GetString(vm, "since");
  auto start = GetString(vm, "start");
  auto end = GetString(vm, "end");
  auto step = GetString(vm, "step");
  if (auto at = GetString(vm, "at")) {
    if (since || start || end || step) {
      return Usage(
          "--at evaluates at one instant: it cannot go with --since, --start, --end or "
          "--step",
          kMetricsHint);
    }
    if (*at == "now") {
      r.at_ms = context.now_ms;
    } else {
      auto ms = ParseTimestampMs(*at);
      if (!ms.ok()) return Usage("--at: " + ms.status().message(), kMetricsHint);
      r.at_ms = *ms;
    }
    return std::nullopt;
  }
  if (since && start) return Usage("use either --since or --start, not both", kMetricsHint);
  r.end_ms = context.now_ms;
  if (end) {
    auto ms = ParseTimestampMs(*end);
    if (!ms.ok()) return Usage("--end: " + ms.status().message(), kMetricsHint);
    r.end_ms = *ms;
  }
  r.start_ms = r.end_ms - 3600 * 1000;
  if (since) {
    auto duration = ParseDurationMs(*since);
    if (!duration.ok()) return Usage("--since: " + duration.status().message(), kMetricsHint);
    r.start_ms = r.end_ms - *duration;
  }
  if (start) {
    auto ms = ParseTimestampMs(*start);
    if (!ms.ok()) return Usage("--start: " + ms.status().message(), kMetricsHint);
    r.start_ms = *ms;
  }
  if (r.end_ms <= r.start_ms) {
    return Usage("the end must be later than the start (" + FormatRfc3339(r.end_ms) +
                     " is not after " + FormatRfc3339(r.start_ms) + ")",
                 kMetricsHint);
  }
  r.step_ms = DefaultStepMs(r.start_ms, r.end_ms);
  if (step) {
    auto duration = ParseDurationMs(*step);
    if (!duration.ok() || *duration <= 0) {
      return Usage("--step must be a positive duration such as 15s, 1m or 1h, not '" + *step + "'",
                   kMetricsHint);
    }
    r.step_ms = *duration;
  }
  if ((r.end_ms - r.start_ms) / r.step_ms > 11000) {
    return Usage(
        "--step is too small for the range: at most 11000 points per series (use a "
        "larger --step or a shorter range)",
        kMetricsHint);
  }
  return std::nullopt;
}

bool IsGlobalOptionWithValue(const std::string& arg) {
  return arg == "--url" || arg == "--token" || arg == "--token-file" || arg == "--ca-file";
}

}  // namespace

Result<std::string> NormalizeBaseUrl(std::string url) {
  url = Trim(url);
  if (url.empty()) return InvalidArgument("--url is empty");
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    url = "http://" + url;
  } else {
    std::string scheme = url.substr(0, scheme_end);
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme != "http" && scheme != "https") {
      return InvalidArgument("--url must start with http:// or https://, not '" + url + "'");
    }
  }
  if (url.find_first_of("?#") != std::string::npos) {
    return InvalidArgument("--url must not contain a query or fragment: '" + url + "'");
  }
  size_t host_begin = url.find("://") + 3;
  if (host_begin >= url.size() || url[host_begin] == '/') {
    return InvalidArgument("--url has no host: '" + url + "'");
  }
  while (url.back() == '/') url.pop_back();
  return url;
}

std::string ProgramHelp() {
  return "hivewatch - query a hivewatch collector: search logs, list hosts, query metrics.\n"
         "\n"
         "Usage:\n"
         "  hivewatch [global options] <command> [options] [arguments]\n"
         "\n"
         "Commands:\n"
         "  logs     search logs, newest first\n"
         "  hosts    list the hosts whose agents report to the collector\n"
         "  metrics  run a PromQL query over a time range (or at one instant)\n"
         "  help     show help for a command: hivewatch help logs\n"
         "" +
         DescribeOptions(nullptr) +
         "\n"
         "Examples:\n"
         "  hivewatch logs --since 1h --level error,critical\n"
         "  hivewatch logs --host web1 --service nginx 'upstream timed out'\n"
         "  hivewatch metrics '1 - avg by (host) "
         "(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))'\n"
         "  HIVEWATCH_URL=http://collector:9800 HIVEWATCH_TOKEN=... hivewatch hosts\n"
         "  hivewatch --url https://collector:9800 --ca-file /etc/hivewatch/ca.pem hosts\n"
         "\n"
         "Exit status: 0 success, 1 error (e.g. the collector is unreachable or refused the\n"
         "request), 2 usage error.\n";
}

std::string LogsHelp() {
  return "Usage: hivewatch logs [options] [QUERY...]\n"
         "\n"
         "Searches the collector's logs and prints them newest first.\n"
         "\n"
         "QUERY words must all match. A word ending in * matches as a prefix (conn*). An argument\n"
         "containing spaces - quoted in the shell, as in 'disk full' - matches as a phrase.\n"
         "An argument containing a double quote is passed to the collector as written.\n"
         "Put -- before QUERY words that start with a dash. Levels: trace, debug, info, notice,\n"
         "warning, error, critical.\n"
         "" +
         DescribeOptions(AddLogsOptions) +
         "\n"
         "Text output has one record per line: the time in UTC (RFC 3339 with milliseconds),\n"
         "host, service, level, message, then the record's fields as key=value. Levels are\n"
         "coloured when standard output is a terminal and NO_COLOR is not set.\n"
         "\n"
         "Examples:\n"
         "  hivewatch logs --since 1h --level error,critical\n"
         "  hivewatch logs --host web1 --host web2 --service nginx 'upstream timed out'\n"
         "  hivewatch logs --start 2025-11-23T00:00:00Z --end 2025-11-24T00:00:00Z conn*\n"
         "  hivewatch logs --since 1d --limit 50000 --output json > logs.ndjson\n";
}

std::string HostsHelp() {
  return "Usage: hivewatch hosts [options]\n"
         "\n"
         "Lists the hosts whose agents have reported to the collector: when each was last seen\n"
         "and how many batches, log lines and metric samples it has sent.\n"
         "" +
         DescribeOptions(AddHostsOptions) +
         "\n"
         "Examples:\n"
         "  hivewatch hosts\n"
         "  hivewatch --url http://collector:9800 hosts --output json\n";
}

std::string MetricsHelp() {
  return "Usage: hivewatch metrics [options] QUERY\n"
         "\n"
         "Runs a PromQL query on the collector's metrics (the subset docs/api.md describes) over\n"
         "the last hour, or the range given, and prints one row per series: the labels, the last,\n"
         "minimum, average and maximum value over the range, and a sparkline of the values.\n"
         "With --at it evaluates once and prints each series' value.\n"
         "" +
         DescribeOptions(AddMetricsOptions) +
         "\n"
         "Examples:\n"
         "  hivewatch metrics 'rate(node_network_receive_bytes_total[5m])' --since 6h\n"
         "  hivewatch metrics '1 - avg by (host) "
         "(rate(node_cpu_seconds_total{mode=\"idle\"}[1m]))'\n"
         "  hivewatch metrics 'node_memory_MemAvailable_bytes' --at now\n"
         "  hivewatch metrics 'sum(rate(http_requests_total[1m]))' --step 10s --output json\n";
}

std::variant<Invocation, UsageError> ParseArgs(const std::vector<std::string>& args,
                                               const ArgsContext& context) {
  // The command is the first argument that is neither an option nor a global option's value.
  size_t command_index = args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (IsGlobalOptionWithValue(arg)) {
      ++i;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') continue;
    command_index = i;
    break;
  }
  std::string command = command_index < args.size() ? args[command_index] : "";
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i != command_index) rest.push_back(args[i]);
  }

  if (command == "help") {
    Invocation inv;
    inv.command = Command::kHelp;
    if (rest.empty()) {
      inv.help_text = ProgramHelp();
    } else if (rest.size() == 1 && rest[0] == "logs") {
      inv.help_text = LogsHelp();
    } else if (rest.size() == 1 && rest[0] == "hosts") {
      inv.help_text = HostsHelp();
    } else if (rest.size() == 1 && rest[0] == "metrics") {
      inv.help_text = MetricsHelp();
    } else {
      return Usage("no help for '" + rest[0] + "': the commands are logs, hosts and metrics",
                   kProgramHint);
    }
    return inv;
  }

  const char* hint = kProgramHint;
  po::options_description options;
  po::positional_options_description positional;
  AddGlobalOptions(&options);
  if (command == "logs") {
    hint = kLogsHint;
    AddLogsOptions(&options);
    positional.add("query", -1);
  } else if (command == "hosts") {
    hint = kHostsHint;
    AddHostsOptions(&options);
    positional.add("extra", -1);
  } else if (command == "metrics") {
    hint = kMetricsHint;
    AddMetricsOptions(&options);
    positional.add("query", -1);
  } else if (!command.empty()) {
    return Usage("unknown command '" + command + "': expected logs, hosts or metrics",
                 kProgramHint);
  }

  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(rest).options(options).positional(positional).style(kStyle).run(),
        vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::string message = e.what();
    if (command.empty() && message.find("positional") != std::string::npos) {
      message = "expected a command (logs, hosts or metrics) before the other arguments";
    }
    return Usage(message, hint);
  }

  Invocation inv;
  if (vm.count("help")) {
    inv.command = Command::kHelp;
    inv.help_text = command == "logs"      ? LogsHelp()
                    : command == "hosts"   ? HostsHelp()
                    : command == "metrics" ? MetricsHelp()
                                           : ProgramHelp();
    return inv;
  }
  if (vm.count("version")) {
    inv.command = Command::kVersion;
    return inv;
  }
  if (command.empty()) {
    return Usage("missing command: expected logs, hosts or metrics", kProgramHint);
  }
  if (vm.count("extra")) {
    return Usage("'hosts' takes no arguments, but got '" +
                     vm["extra"].as<std::vector<std::string>>().front() + "'",
                 kHostsHint);
  }

  if (auto error = ApplyGlobalOptions(vm, context, hint, &inv)) return *error;
  if (auto error = ApplyOutput(vm, hint, &inv)) return *error;
  if (command == "logs") {
    inv.command = Command::kLogs;
    if (auto error = ApplyLogsOptions(vm, context, &inv)) return *error;
  } else if (command == "metrics") {
    inv.command = Command::kMetrics;
    if (auto error = ApplyMetricsOptions(vm, context, &inv)) return *error;
  } else {
    inv.command = Command::kHosts;
  }
  return inv;
}

}  // namespace hivewatch::cli
