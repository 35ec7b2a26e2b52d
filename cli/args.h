// Command-line parsing for `hivewatch`: argv -> an Invocation. Pure: the environment and the
// clock come in through ArgsContext, and nothing is read or printed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cli/logs_request.h"
#include "cli/metrics_request.h"
#include "common/status.h"

namespace hivewatch::cli {

inline constexpr char kDefaultUrl[] = "http://127.0.0.1:9800";

enum class Command { kHelp, kVersion, kLogs, kHosts, kMetrics };
enum class OutputFormat { kText, kJson };

struct Invocation {
  Command command = Command::kHelp;
  std::string help_text;   // kHelp: what to print on stdout
  std::string base_url;    // scheme://host:port[/prefix], no trailing slash
  std::string token;       // from --token or HIVEWATCH_TOKEN; empty if none
  std::string token_file;  // --token-file: read when running (wins over HIVEWATCH_TOKEN)
  std::string ca_file;     // --ca-file or HIVEWATCH_CA_FILE; empty = the system's trust store
  OutputFormat output = OutputFormat::kText;
  LogsRequest logs;        // kLogs
  MetricsRequest metrics;  // kMetrics
};

struct ArgsContext {
  // Looks up an environment variable (HIVEWATCH_URL, HIVEWATCH_TOKEN); nullopt if unset.
  std::function<std::optional<std::string>(const std::string&)> getenv;
  int64_t now_ms = 0;  // "now" for --since
};

// A failed parse: a usage error (exit status 2). `message` says what was wrong; `help_hint`
// names the help to read, e.g. "hivewatch logs --help".
struct UsageError {
  std::string message;
  std::string help_hint;
};

// Parses the arguments after the program name. Global options (--url, --token, --token-file,
// --ca-file)
// are accepted before or after the command.
std::variant<Invocation, UsageError> ParseArgs(const std::vector<std::string>& args,
                                               const ArgsContext& context);

// Help for the program and for each command (what --help prints).
std::string ProgramHelp();
std::string LogsHelp();
std::string HostsHelp();
std::string MetricsHelp();

// Adds "http://" when the scheme is missing and drops trailing slashes; rejects other schemes.
Result<std::string> NormalizeBaseUrl(std::string url);

}  // namespace hivewatch::cli
