#include "cli/cli.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/args.h"
#include "cli/format.h"
#include "common/time_util.h"

#ifndef HIVEWATCH_VERSION
#define HIVEWATCH_VERSION "unknown"
#endif

namespace hivewatch::cli {
namespace {

int Fail(const CliEnvironment& env, const std::string& message) {
  *env.err << "hivewatch: " << message << '\n';
  return kExitError;
}

bool ColorWanted(const CliEnvironment& env) {
  if (!env.out_is_tty) return false;
  auto no_color = env.getenv("NO_COLOR");
  if (no_color && !no_color->empty()) return false;
  auto term = env.getenv("TERM");
  return !(term && *term == "dumb");
}

// The token of --token-file: the file's content without surrounding whitespace.
Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument("cannot read the token file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  const char* kSpace = " \t\r\n";
  size_t begin = token.find_first_not_of(kSpace);
  if (begin == std::string::npos) return InvalidArgument("the token file '" + path + "' is empty");
  size_t end = token.find_last_not_of(kSpace);
  return token.substr(begin, end - begin + 1);
}

int RunLogs(const Invocation& inv, CollectorApi& api, const CliEnvironment& env) {
  const bool json = inv.output == OutputFormat::kJson;
  const bool color = !json && ColorWanted(env);
  std::ostream& out = *env.out;
  auto summary = api.StreamLogs(inv.logs, [&](const Json& record) {
    out << (json ? FormatJsonLine(record) : FormatLogText(record, color)) << '\n';
  });
  out.flush();
  if (!summary.ok()) return Fail(env, summary.status().message());
  if (!out) return Fail(env, "cannot write the output");
  if (!json && summary->count == 0) *env.err << "hivewatch: no logs matched\n";
  if (!json && summary->more) {
    *env.err << "hivewatch: showing the newest " << summary->count
             << " records; more match (raise --limit or narrow the search)\n";
  }
  return kExitOk;
}

int RunHosts(const Invocation& inv, CollectorApi& api, const CliEnvironment& env) {
  auto hosts = api.FetchHosts();
  if (!hosts.ok()) return Fail(env, hosts.status().message());
  std::ostream& out = *env.out;
  if (inv.output == OutputFormat::kJson) {
    for (const auto& host : *hosts) out << FormatJsonLine(host) << '\n';
  } else if (hosts->empty()) {
    *env.err << "hivewatch: no hosts have reported to the collector yet\n";
  } else {
    out << FormatHostsTable(*hosts, env.now_ms());
  }
  out.flush();
  if (!out) return Fail(env, "cannot write the output");
  return kExitOk;
}

int RunMetrics(const Invocation& inv, CollectorApi& api, const CliEnvironment& env) {
  auto data = api.FetchMetrics(inv.metrics);
  if (!data.ok()) return Fail(env, data.status().message());
  std::ostream& out = *env.out;
  const Json& result = (*data)["result"];
  if (inv.output == OutputFormat::kJson) {
    out << FormatMetricsJsonLines(*data);
  } else if (result.is_array() && result.empty()) {
    *env.err << "hivewatch: the query returned no series\n";
  } else {
    out << FormatMetricsTable(*data);
  }
  out.flush();
  if (!out) return Fail(env, "cannot write the output");
  return kExitOk;
}

int Run(const std::vector<std::string>& args, const CliEnvironment& env) {
  ArgsContext context{env.getenv, env.now_ms()};
  auto parsed = ParseArgs(args, context);
  if (auto* usage = std::get_if<UsageError>(&parsed)) {
    *env.err << "hivewatch: " << usage->message << "\nTry '" << usage->help_hint << "'.\n";
    return kExitUsage;
  }
  Invocation& inv = std::get<Invocation>(parsed);
  switch (inv.command) {
    case Command::kHelp:
      *env.out << inv.help_text;
      return kExitOk;
    case Command::kVersion:
      *env.out << "hivewatch " << HIVEWATCH_VERSION << '\n';
      return kExitOk;
    case Command::kLogs:
    case Command::kHosts:
    case Command::kMetrics:
      break;
  }
  if (!inv.token_file.empty()) {
    auto token = ReadTokenFile(inv.token_file);
    if (!token.ok()) return Fail(env, token.status().message());
    inv.token = *token;
  }
  if (!inv.ca_file.empty()) env.transport->UseCaFile(inv.ca_file);
  CollectorApi api(env.transport, inv.base_url, inv.token);
  switch (inv.command) {
    case Command::kLogs:
      return RunLogs(inv, api, env);
    case Command::kMetrics:
      return RunMetrics(inv, api, env);
    default:
      return RunHosts(inv, api, env);
  }
}

}  // namespace

int RunCli(const std::vector<std::string>& args, const CliEnvironment& env) {
  try {
    return Run(args, env);
  } catch (const std::exception& e) {
    return Fail(env, std::string("internal error: ") + e.what());
  }
}

int Main(int argc, char** argv) {
  try {
    HttpTransport transport;
    CliEnvironment env;
    env.out = &std::cout;
    env.err = &std::cerr;
    env.out_is_tty = isatty(STDOUT_FILENO) == 1;
    env.getenv = [](const std::string& name) -> std::optional<std::string> {
      const char* value = std::getenv(name.c_str());
      if (value == nullptr) return std::nullopt;
      return std::string(value);
    };
    env.now_ms = [] { return NowMs(); };
    env.transport = &transport;
    return RunCli(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc), env);
  } catch (const std::exception& e) {
    std::cerr << "hivewatch: " << e.what() << '\n';
    return kExitError;
  }
}

}  // namespace hivewatch::cli
