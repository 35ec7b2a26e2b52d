// GET /api/v1/logs and GET /api/v1/hosts.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "collector/http/log_params.h"
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

}  // namespace

void RejectUnknownParams(const HttpRequest& request, std::initializer_list<const char*> known) {
  for (const auto& [key, _] : request.query) {
    bool ok = key.rfind('_', 0) == 0;  // "_=…" cache busters are fine
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw HttpError(400, "unknown parameter '" + key + "' (expected " + list + ")");
    }
  }
}

void ParseLogFilterParams(const HttpRequest& request, LogQuery* query) {
  if (auto q = request.QueryValue("q")) {
    Result<std::vector<TextTerm>> terms = ParseTextQuery(*q);
    if (!terms.ok()) throw HttpError(400, terms.status().message());  // it names q itself
    query->terms = std::move(terms).value();
  }
  query->hosts = request.QueryList("host");
  query->services = request.QueryList("service");
  for (const std::string& l : request.QueryList("level")) {
    std::optional<Level> level = ParseLevel(l);
    if (!level) {
      throw HttpError(400, "level: unknown level '" + l +
                               "' (expected trace, debug, info, notice, warning, error, critical)");
    }
    query->levels.push_back(*level);
  }
}

int64_t ParseIntParam(const HttpRequest& request, const std::string& name, int64_t min, int64_t max,
                      int64_t fallback) {
  std::optional<std::string> v = request.QueryValue(name);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || errno == ERANGE || n < min || n > max) {
    throw HttpError(400, name + ": must be an integer from " + std::to_string(min) + " to " +
                             std::to_string(max));
  }
  return n;
}

nlohmann::json LogJson(const StoredLog& l) {
  nlohmann::json rec = {{"id", l.id},
                        {"ts", l.record.ts_ms},
                        {"time", FormatRfc3339(l.record.ts_ms)},
                        {"host", l.host},
                        {"service", l.record.service},
                        {"level", LevelName(l.record.level)},
                        {"message", l.record.message}};
  if (!l.record.fields.empty()) rec["fields"] = l.record.fields;
  return rec;
}

std::string DumpJson(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

LogQuery ParseLogQueryParams(const HttpRequest& request) {
  RejectUnknownParams(request,
                      {"q", "host", "service", "level", "start", "end", "limit", "cursor"});
  LogQuery query;
  ParseLogFilterParams(request, &query);
  query.start_ms = ParseTimeParam(request, "start", 0);
  query.end_ms = ParseTimeParam(request, "end", INT64_MAX);
  if (query.start_ms >= query.end_ms) throw HttpError(400, "start must be before end");
  query.limit = static_cast<int>(ParseIntParam(request, "limit", 1, kMaxLogLimit, query.limit));
  if (auto cursor = request.QueryValue("cursor"); cursor && !cursor->empty()) {
    Result<LogCursor> c = DecodeLogCursor(*cursor);
    if (!c.ok()) throw HttpError(400, "cursor: " + c.status().message());
    query.after = *c;
  }
  return query;
}

HttpResponse HandleLogs(const HttpRequest& request, const HandlerContext& ctx) {
  LogQuery query = ParseLogQueryParams(request);
  // Past query.max_log_lines a page is shorter; `next` continues from where it stopped.
  if (ctx.config != nullptr) query.limit = std::min(query.limit, ctx.config->query.max_log_lines);
  Result<LogPage> page = ctx.storage->QueryLogs(query);
  ThrowIfError(page.status());
  nlohmann::json logs = nlohmann::json::array();
  for (const StoredLog& l : page->logs) logs.push_back(LogJson(l));
  nlohmann::json out = {{"logs", std::move(logs)}, {"next", nullptr}};
  if (page->next) out["next"] = *page->next;
  return HttpResponse::Json(DumpJson(out));
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
  return HttpResponse::Json(DumpJson({{"hosts", std::move(list)}}));
}

}  // namespace hivewatch
