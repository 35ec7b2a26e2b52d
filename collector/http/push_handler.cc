// POST /api/v1/push: decode, validate and durably store one batch.
#include <nlohmann/json.hpp>

#include "collector/export/collector_metrics.h"
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

// Counts a refused push and throws its HttpError. A 413 is not counted here: the metrics'
// request observer counts every 413 of this endpoint, including the server's own for a raw
// body over the limit.
[[noreturn]] void Refuse(const HandlerContext& ctx, PushRejection reason, int status,
                         const std::string& message) {
  if (ctx.metrics != nullptr && status != 413) ctx.metrics->OnRejectedBatch(reason);
  throw HttpError(status, message);
}

void RefuseIfError(const HandlerContext& ctx, PushRejection reason, const Status& status) {
  if (!status.ok()) Refuse(ctx, reason, HttpStatusFor(status.code()), status.message());
}

}  // namespace

HttpResponse HandlePush(const HttpRequest& request, const HandlerContext& ctx) {
  const std::string& content_type = request.Header("content-type");
  if (!content_type.empty() && MediaType(content_type) != "application/json") {
    Refuse(ctx, PushRejection::kUnsupportedMediaType, 415,
           "Content-Type must be application/json (got '" + content_type +
               "'; with curl add -H 'Content-Type: application/json')");
  }
  const std::string encoding = Lower(request.Header("content-encoding"));
  const size_t limit = ctx.config->max_body_bytes;
  std::string inflated;
  const std::string* body = &request.body;
  if (encoding == "gzip" || encoding == "x-gzip") {
    Result<std::string> r = Gunzip(request.body, limit);
    RefuseIfError(ctx, PushRejection::kBadGzip, r.status());
    inflated = std::move(r).value();
    body = &inflated;
  } else if (!encoding.empty() && encoding != "identity") {
    Refuse(ctx, PushRejection::kUnsupportedMediaType, 415,
           "Content-Encoding '" + encoding + "' is not supported (use gzip or none)");
  }
  if (body->size() > limit) {
    Refuse(ctx, PushRejection::kTooLarge, 413,
           "body of " + std::to_string(body->size()) + " bytes exceeds the limit of " +
               std::to_string(limit) + " bytes");
  }
  if (body->empty()) {
    Refuse(ctx, PushRejection::kEmpty, 400, "empty body: expected a JSON batch (see docs/api.md)");
  }

  const int64_t now = NowMs();
  Result<Batch> batch = DecodeBatch(*body, ctx.config->decode, now);
  RefuseIfError(ctx, PushRejection::kInvalid, batch.status());

  Result<AppendResult> stored = ctx.storage->Append(*batch, now);
  RefuseIfError(ctx, PushRejection::kStorage, stored.status());
  if (ctx.log_notifier != nullptr && !stored->duplicate && !batch->logs.empty()) {
    ctx.log_notifier->Notify();  // wake live tails (tail_handler.cc)
  }

  size_t samples = 0;
  for (const auto& m : batch->metrics) samples += m.samples.size();
  if (ctx.metrics != nullptr) {
    if (stored->duplicate) {
      ctx.metrics->OnDuplicateBatch();
    } else {
      ctx.metrics->OnBatchStored(batch->logs.size(), samples);
    }
  }
  nlohmann::json out = {{"status", "ok"},
                        {"duplicate", stored->duplicate},
                        {"batch_id", batch->batch_id},
                        {"logs", stored->duplicate ? 0 : batch->logs.size()},
                        {"samples", stored->duplicate ? 0 : samples}};
  return HttpResponse::Json(out.dump());
}

}  // namespace hivewatch
