// POST /api/v1/push: decode, validate and durably store one batch.
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "collector/http/log_notifier.h"
#include "common/batch_codec.h"
#include "common/gzip.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The media type without parameters: "application/json; charset=utf-8" → "application/json".
std::string MediaType(const std::string& content_type) {
  std::string t = Lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

}  // namespace

HttpResponse HandlePush(const HttpRequest& request, const HandlerContext& ctx) {
  const std::string& content_type = request.Header("content-type");
  if (!content_type.empty() && MediaType(content_type) != "application/json") {
    throw HttpError(415, "Content-Type must be application/json (got '" + content_type +
                             "'; with curl add -H 'Content-Type: application/json')");
  }
  const std::string encoding = Lower(request.Header("content-encoding"));
  const size_t limit = ctx.config->max_body_bytes;
  std::string inflated;
  const std::string* body = &request.body;
  if (encoding == "gzip" || encoding == "x-gzip") {
    Result<std::string> r = Gunzip(request.body, limit);
    ThrowIfError(r.status());
    inflated = std::move(r).value();
    body = &inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    throw HttpError(415, "Content-Encoding '" + encoding + "' is not supported (use gzip or none)");
  }
  if (body->size() > limit) {
    throw HttpError(413, "body of " + std::to_string(body->size()) +
                             " bytes exceeds the limit of " + std::to_string(limit) + " bytes");
  }
  if (body->empty()) throw HttpError(400, "empty body: expected a JSON batch (see docs/api.md)");

  const int64_t now = NowMs();
  Result<Batch> batch = DecodeBatch(*body, ctx.config->decode, now);
  ThrowIfError(batch.status());

  Result<AppendResult> stored = ctx.storage->Append(*batch, now);
  ThrowIfError(stored.status());
  if (ctx.log_notifier != nullptr && !stored->duplicate && !batch->logs.empty()) {
    ctx.log_notifier->Notify();  // wake live tails (tail_handler.cc)
  }

  size_t samples = 0;
  for (const auto& m : batch->metrics) samples += m.samples.size();
  nlohmann::json out = {{"status", "ok"},
                        {"duplicate", stored->duplicate},
                        {"batch_id", batch->batch_id},
                        {"logs", stored->duplicate ? 0 : batch->logs.size()},
                        {"samples", stored->duplicate ? 0 : samples}};
  return HttpResponse::Json(out.dump());
}

}  // namespace hivewatch
