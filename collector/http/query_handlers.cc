// GET /api/v1/logs and GET /api/v1/hosts.
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

int64_t ParseTimeParam(const HttpRequest& request, const std::string& name, int64_t fallback) {
  std::optional<std::string> v = request.QueryValue(name);
  if (!v || v->empty()) return fallback;
  Result<int64_t> ms = ParseTimestampMs(*v);
  if (!ms.ok()) throw HttpError(400, name + ": " + ms.status().message());
  return *ms;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

LogQuery ParseLogQueryParams(const HttpRequest& request) {
  static const char* kKnown[] = {"q", "host", "service", "level", "start", "end", "limit", "cursor"};
  for (const auto& [key, _] : request.query) {
    bool known = key.rfind('_', 0) == 0;  // "_=…" cache busters are fine
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      throw HttpError(400, "unknown parameter '" + key +
                               "' (expected q, host, service, level, start, end, limit, cursor)");
    }
  }
  LogQuery query;
  if (auto q = request.QueryValue("q")) {
    Result<std::vector<TextTerm>> terms = ParseTextQuery(*q);
    if (!terms.ok()) throw HttpError(400, terms.status().message());  // it names q itself
    query.terms = std::move(terms).value();
  }
  query.hosts = request.QueryList("host");
  query.services = request.QueryList("service");
  for (const std::string& l : request.QueryList("level")) {
    std::optional<Level> level = ParseLevel(l);
    if (!level) {
      throw HttpError(400, "level: unknown level '" + l +
                               "' (expected trace, debug, info, notice, warning, error, critical)");
    }
    query.levels.push_back(*level);
  }
  query.start_ms = ParseTimeParam(request, "start", 0);
  query.end_ms = ParseTimeParam(request, "end", INT64_MAX);
  if (query.start_ms >= query.end_ms) throw HttpError(400, "start must be before end");
  if (auto limit = request.QueryValue("limit")) {
    char* end = nullptr;
    long n = std::strtol(limit->c_str(), &end, 10);
    if (limit->empty() || *end != '\0' || n < 1 || n > kMaxLogLimit) {
      throw HttpError(400, "limit: must be an integer from 1 to " + std::to_string(kMaxLogLimit));
    }
    query.limit = static_cast<int>(n);
  }
  if (auto cursor = request.QueryValue("cursor"); cursor && !cursor->empty()) {
    Result<LogCursor> c = DecodeLogCursor(*cursor);
    if (!c.ok()) throw HttpError(400, "cursor: " + c.status().message());
    query.after = *c;
  }
  return query;
}

HttpResponse HandleLogs(const HttpRequest& request, const HandlerContext& ctx) {
  LogQuery query = ParseLogQueryParams(request);
  Result<LogPage> page = ctx.storage->QueryLogs(query);
  ThrowIfError(page.status());
  nlohmann::json logs = nlohmann::json::array();
  for (const StoredLog& l : page->logs) {
    nlohmann::json rec = {{"id", l.id},
                          {"ts", l.record.ts_ms},
                          {"time", FormatRfc3339(l.record.ts_ms)},
                          {"host", l.host},
                          {"service", l.record.service},
                          {"level", LevelName(l.record.level)},
                          {"message", l.record.message}};
    if (!l.record.fields.empty()) rec["fields"] = l.record.fields;
    logs.push_back(std::move(rec));
  }
  nlohmann::json out = {{"logs", std::move(logs)}, {"next", nullptr}};
  if (page->next) out["next"] = *page->next;
  return HttpResponse::Json(Dump(out));
}

HttpResponse HandleHosts(const HttpRequest& request, const HandlerContext& ctx) {
  Result<std::vector<HostInfo>> hosts = ctx.storage->ListHosts();
  ThrowIfError(hosts.status());
  nlohmann::json list = nlohmann::json::array();
  for (const HostInfo& h : *hosts) {
    list.push_back({{"host", h.host},
                    {"agent_id", h.agent_id},
                    {"agent_version", h.agent_version},
                    {"first_seen", h.first_seen_ms},
                    {"last_seen", h.last_seen_ms},
                    {"batches", h.batches},
                    {"log_lines", h.log_lines},
                    {"samples", h.samples}});
  }
  return HttpResponse::Json(Dump({{"hosts", std::move(list)}}));
}

}  // namespace hivewatch
