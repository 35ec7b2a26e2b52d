// GET /metrics and GET /federate: the two endpoints a Prometheus server scrapes.
#include "collector/export/collector_metrics.h"
#include "collector/export/federation.h"
#include "collector/http/handlers.h"
#include "common/time_util.h"

namespace hivewatch {
namespace {

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

HttpResponse Exposition(std::string body) {
  HttpResponse r;
  r.content_type = kExpositionType;
  r.body = std::move(body);
  return r;
}

}  // namespace

HttpResponse HandleMetrics(const HttpRequest& request, const HandlerContext& ctx) {
  if (ctx.metrics == nullptr) throw HttpError(404, "this collector keeps no metrics of its own");
  return Exposition(ctx.metrics->Render(ctx.storage));
}

HttpResponse HandleFederate(const HttpRequest& request, const HandlerContext& ctx) {
  std::vector<std::string> selectors;
  for (const auto& [key, value] : request.query) {
    if (key == "match[]") {
      if (value.empty()) throw HttpError(400, "match[]: empty series selector");
      selectors.push_back(value);
    } else if (key.rfind('_', 0) != 0) {  // "_=…" cache busters are fine
      throw HttpError(400, "unknown parameter '" + key +
                               "' (expected match[], e.g. match[]={__name__=~\"node_.+\"})");
    }
  }
  Result<std::vector<SeriesSamples>> series =
      SelectFederatedSeries(*ctx.storage, selectors, NowMs());
  ThrowIfError(series.status());
  return Exposition(RenderFederation(std::move(series).value()));
}

}  // namespace hivewatch
