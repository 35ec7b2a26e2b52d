// GET /api/v1/logs/tail: live tail by long poll. The request names the last record id it has
// seen; the answer comes as soon as matching records newer than it are stored, or with none
// when `wait` seconds pass. Long poll rather than server-sent events, because it needs nothing
// from the server but an ordinary request/response (server.cc) and survives proxies and
// reconnects for free: the client's position travels in every request.
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "collector/http/log_notifier.h"
#include "collector/http/log_params.h"

namespace hivewatch {
namespace {

// While waiting, look at the storage again at least this often, so records stored by any path
// that does not notify still show up.
constexpr std::chrono::milliseconds kRecheck{1000};

}  // namespace

HttpResponse HandleLogsTail(const HttpRequest& request, const HandlerContext& ctx) {
  RejectUnknownParams(request, {"q", "host", "service", "level", "after_id", "limit", "wait"});
  LogQuery filter;
  ParseLogFilterParams(request, &filter);
  std::optional<int64_t> after_id;
  if (auto v = request.QueryValue("after_id"); v && !v->empty()) {
    after_id = ParseIntParam(request, "after_id", 0, INT64_MAX, 0);
  }
  const int limit =
      static_cast<int>(ParseIntParam(request, "limit", 1, kMaxLogLimit, kDefaultTailLimit));
  const int64_t wait_s =
      ParseIntParam(request, "wait", 0, kMaxTailWaitSeconds, kDefaultTailWaitSeconds);

  LogNotifier* notifier = ctx.log_notifier;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  LogNotifier::Slot slot;
  Result<LogTail> tail = LogTail{};
  for (;;) {
    // The generation is read before the storage, so a commit in between wakes the wait below.
    const uint64_t generation = notifier != nullptr ? notifier->generation() : 0;
    tail = ctx.storage->TailLogs(filter, after_id, limit);
    ThrowIfError(tail.status());
    if (!tail->logs.empty() || !after_id || notifier == nullptr || notifier->closed()) break;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    // Every waiting request holds a worker thread: beyond the notifier's limit, answer now.
    if (!slot && !(slot = notifier->TryAcquireSlot())) break;
    notifier->Wait(
        generation,
        std::min(kRecheck, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    after_id = std::max(*after_id, tail->last_id);
  }
  nlohmann::json logs = nlohmann::json::array();
  for (const StoredLog& l : tail->logs) logs.push_back(LogJson(l));
  HttpResponse response =
      HttpResponse::Json(DumpJson({{"logs", std::move(logs)}, {"last_id", tail->last_id}}));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

}  // namespace hivewatch
