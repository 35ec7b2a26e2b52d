#include "collector/http/router.h"

#include <algorithm>
#include <cstdio>
#include <functional>
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
      // Only verified tokens get a bucket, so made-up ones cannot fill the limiter's table.
      CheckRate(request);
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

void Router::CheckRate(const HttpRequest& request) const {
  if (rate_limiter_ == nullptr) return;
  const std::string& credentials = request.Header("authorization");
  if (credentials.empty()) return;
  // Keyed by a hash: the limiter never holds a token itself.
  std::optional<int> wait = rate_limiter_->Acquire(std::hash<std::string>{}(credentials));
  if (!wait) return;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", rate_limiter_->rate());
  throw HttpError(429,
                  "this token exceeded its rate limit of " + std::string(rate) +
                      " requests a second (http.rate_limit); retry after " + std::to_string(*wait) +
                      " s",
                  {{"Retry-After", std::to_string(*wait)}});
}

const std::string& Router::RouteName(const std::string& path) const {
  static const std::string kOther = "other";
  for (const Route& route : routes_) {
    if (Matches(route, path)) return route.path;
  }
  return kOther;
}

std::vector<std::string> Router::RouteNames() const {
  std::vector<std::string> names;
  for (const Route& route : routes_) {
    if (std::find(names.begin(), names.end(), route.path) == names.end()) {
      names.push_back(route.path);
    }
  }
  names.push_back("other");
  return names;
}

}  // namespace hivewatch
