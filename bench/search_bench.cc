// hivewatch-bench-search: log search latency against a running collector that holds data
// (e.g. loaded by hivewatch-bench-push). Runs term + time-window queries and prints p50/p99
// per query and overall.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "bench/bench_util.h"
#include "common/http_client.h"
#include "common/time_util.h"

namespace po = boost::program_options;
using namespace hivewatch;

int main(int argc, char** argv) {
  po::options_description opts(
      "Usage: hivewatch-bench-search --url URL [options]\n"
      "Measures GET /api/v1/logs latency for term + time-window searches.\n\nOptions");
  opts.add_options()("help,h", "show this help")(
      "url", po::value<std::string>()->default_value("http://127.0.0.1:9800"), "collector URL")(
      "token", po::value<std::string>()->default_value(""), "read token (none with --no-auth)")(
      "runs", po::value<int>()->default_value(50), "queries per search")(
      "window", po::value<std::string>()->default_value("10m"), "time window per query")(
      "span", po::value<std::string>()->default_value("1h"),
      "the data's time span, ending now (windows are placed at random inside it)")(
      "limit", po::value<int>()->default_value(100), "results per query");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
  } catch (const po::error& e) {
    std::cerr << "hivewatch-bench-search: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts << std::endl;
    return 0;
  }
  Result<int64_t> window = ParseDurationMs(vm["window"].as<std::string>());
  Result<int64_t> span = ParseDurationMs(vm["span"].as<std::string>());
  if (!window.ok() || !span.ok()) {
    std::cerr << "hivewatch-bench-search: bad --window or --span\n";
    return 2;
  }
  const std::string base = vm["url"].as<std::string>() + "/api/v1/logs?limit=" +
                           std::to_string(vm["limit"].as<int>());
  HttpClient::Headers headers;
  if (!vm["token"].as<std::string>().empty()) {
    headers["Authorization"] = "Bearer " + vm["token"].as<std::string>();
  }
  struct Search {
    const char* label;
    std::string params;
  };
  const std::vector<Search> searches = {
      {"term (common): PacketResponder", "q=PacketResponder"},
      {"term (rare): NameSystem.allocateBlock", "q=" + UrlEncode("NameSystem.allocateBlock")},
      {"phrase: \"Failed password\"", "q=" + UrlEncode("\"Failed password\"")},
      {"two terms: authentication failure", "q=authentication+failure"},
      {"prefix: retry*", "q=retry*"},
      {"term + service: Invalid, openssh", "q=Invalid&service=openssh"},
      {"no term, window only", ""},
  };
  HttpClient client;
  std::mt19937_64 rng(42);
  const int64_t now = NowMs();
  std::vector<double> all;
  std::printf("search: %d runs each, random %s windows within the last %s, limit %d\n",
              vm["runs"].as<int>(), vm["window"].as<std::string>().c_str(),
              vm["span"].as<std::string>().c_str(), vm["limit"].as<int>());
  for (const Search& s : searches) {
    std::vector<double> lat;
    size_t hits = 0;
    for (int i = 0; i < vm["runs"].as<int>(); ++i) {
      int64_t start = now - *span + static_cast<int64_t>(rng() % static_cast<uint64_t>(
                                                                 std::max<int64_t>(1, *span - *window)));
      std::string url = base + "&start=" + std::to_string(start) +
                        "&end=" + std::to_string(start + *window) +
                        (s.params.empty() ? "" : "&" + s.params);
      auto t0 = std::chrono::steady_clock::now();
      Result<HttpResponse> r = client.Get(url, headers);
      lat.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - t0).count());
      if (!r.ok() || r->status != 200) {
        std::fprintf(stderr, "query failed: %s\n", r.ok() ? r->body.c_str() : r.status().message().c_str());
        return 1;
      }
      hits += nlohmann::json::parse(r->body)["logs"].size();
    }
    all.insert(all.end(), lat.begin(), lat.end());
    std::printf("  %-42s p50 %7.2f ms  p99 %7.2f ms  (avg %.0f hits)\n", s.label,
                bench::Percentile(lat, 50), bench::Percentile(lat, 99),
                static_cast<double>(hits) / static_cast<double>(lat.size()));
  }
  std::printf("  %-42s p50 %7.2f ms  p99 %7.2f ms\n", "all searches", bench::Percentile(all, 50),
              bench::Percentile(all, 99));
  return 0;
}
