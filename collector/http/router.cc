#include "collector/http/router.h"

#include <algorithm>
#include <string_view>

namespace hivewatch {

void Router::Add(const std::string& method, const std::string& path, Scope required,
                 Handler handler) {
  routes_.push_back(Route{method, path, required, std::move(handler)});
}

bool Router::Matches(const Route& route, const std::string& path) const {
  if (!route.path.empty() && route.path.back() == '*') {
    return path.compare(0, route.path.size() - 1, route.path, 0, route.path.size() - 1) == 0;
  }
  if (route.path.find("/*/") == std::string::npos) return route.path == path;
  // Segment by segment: a "*" segment matches any one non-empty segment.
  size_t r = 0;
  size_t p = 0;
  while (r < route.path.size() && p < path.size()) {
    const size_t r_end = std::min(route.path.find('/', r + 1), route.path.size());
    const size_t p_end = std::min(path.find('/', p + 1), path.size());
    const std::string_view want(route.path.data() + r, r_end - r);
    const std::string_view got(path.data() + p, p_end - p);
    if (want == "/*" ? got.size() < 2 : want != got) return false;
    r = r_end;
    p = p_end;
  }
  return r == route.path.size() && p == path.size();
}

HttpResponse Router::Dispatch(const HttpRequest& request) const {
  bool path_known = false;
  std::string allowed;
  for (const Route& route : routes_) {
    if (!Matches(route, request.path)) continue;
    path_known = true;
    bool method_ok =
        route.method == request.method || (route.method == "GET" && request.method == "HEAD");
    if (!method_ok) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
      continue;
    }
    if (route.required != Scope::kNoScope && authorizer_ != nullptr) {
      Result<Scopes> scopes = authorizer_->Authorize(request);
      if (scopes.status().code() == StatusCode::kUnauthenticated) {
        throw HttpError(401, scopes.status().message(), {{"WWW-Authenticate", "Bearer"}});
      }
      ThrowIfError(scopes.status());
      if (!scopes->Has(route.required)) {
        static const char* kNames[] = {"", "ingest", "read", "admin"};
        throw HttpError(403, "this token lacks the '" +
                                 std::string(kNames[static_cast<int>(route.required)]) +
                                 "' scope needed for " + request.path);
      }
    }
    return route.handler(request);
  }
  if (path_known) {
    throw HttpError(405,
                    "method " + request.method + " not allowed on " + request.path +
                        " (allowed: " + allowed + ")",
                    {{"Allow", allowed}});
  }
  throw HttpError(404, "no such endpoint: " + request.path);
}

std::string Router::RouteName(const HttpRequest& request) const {
  for (const Route& route : routes_) {
    if (Matches(route, request.path)) return route.path;
  }
  return "other";
}

}  // namespace hivewatch
