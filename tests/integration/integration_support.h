// Helpers shared by the integration tests: pushing the real log samples and querying back.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/batch.h"
#include "common/http_client.h"

namespace hivewatch::testing {

// One line of a sample file as the tests push it.
struct SampleLine {
  std::string host;
  std::string service;
  Level level;
  int64_t ts_ms;
  std::string message;
};

// The four real samples in ../shared/data/logs: Linux and OpenSSH from host "web1",
// HDFS and Hadoop from host "data1"; service = file stem in lower case; line i of each file has
// ts = kSampleBaseMs + i * 1000; level from the line's own INFO/WARN/ERROR/FATAL word.
inline constexpr int64_t kSampleBaseMs = 1763800000000;
std::vector<SampleLine> LoadSamples();

// Pushes `lines` in batches of `batch_size`; batch ids are "<prefix>-<n>". Returns the number of
// batches. Fails the test on any non-200.
int PushLines(HttpClient& client, const std::string& url, const std::string& token,
              const std::vector<SampleLine>& lines, size_t batch_size, const std::string& prefix);

// POSTs a raw body to /api/v1/push.
HttpResponse PostPush(HttpClient& client, const std::string& url, const std::string& token,
                      const std::string& body, const HttpClient::Headers& extra = {});

// GET /api/v1/logs with the given query string, following `next` cursors; returns all records.
std::vector<nlohmann::json> QueryAllLogs(HttpClient& client, const std::string& url,
                                         const std::string& token, const std::string& params);

// Lines whose message contains `phrase` as consecutive words, compared case-insensitively on
// words made of letters and digits: the collector's full-text semantics, computed by a scan.
bool ContainsWords(const std::string& message, const std::string& phrase);

// The entry GET /api/v1/hosts lists for `host`, or null (also on any error).
nlohmann::json HostEntry(const std::string& url, const std::string& token, const std::string& host);
// Its distinct batches (0 when the host is not listed).
int64_t Batches(const std::string& url, const std::string& token, const std::string& host);

}  // namespace hivewatch::testing
