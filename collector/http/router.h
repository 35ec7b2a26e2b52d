// Router: maps (method, path) to a handler and the token scope it needs. Built once at startup,
// then read-only, so Dispatch is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "collector/auth/token_store.h"
#include "collector/http/http_types.h"
#include "collector/http/rate_limiter.h"

namespace hivewatch {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Checks a request's credentials; returns the scopes the caller holds, or an error status
// (kUnauthenticated / kPermissionDenied).
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual Result<Scopes> Authorize(const HttpRequest& request) = 0;
};

class Router {
 public:
  explicit Router(Authorizer* authorizer) : authorizer_(authorizer) {}

  // `required` = kNoScope for public endpoints (health, OpenAPI). A path ending in '*' matches
  // any path with that prefix; a "*" segment inside a path ("/api/v1/label/*/values") matches
  // any one non-empty segment.
  void Add(const std::string& method, const std::string& path, Scope required, Handler handler);

  // Requests to endpoints that need a scope, once authorized, take one request from their
  // token's bucket; an empty bucket gives 429 with Retry-After. Optional; must outlive the
  // router. Public endpoints and requests without an Authorization header (--no-auth) are not
  // limited.
  void SetRateLimiter(RateLimiter* limiter) { rate_limiter_ = limiter; }

  // Finds the route, checks auth and the rate limit, runs the handler. Throws HttpError
  // (404/405/401/403/429 or the handler's own).
  HttpResponse Dispatch(const HttpRequest& request) const;

  // Route label for metrics and logs: the matching route's path ("/api/v1/push",
  // "/static/*"), or "other". The reference stays valid as long as the router.
  const std::string& RouteName(const HttpRequest& request) const { return RouteName(request.path); }
  const std::string& RouteName(const std::string& path) const;
  // Every distinct route path, in the order added, then "other": all RouteName can return.
  std::vector<std::string> RouteNames() const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Scope required;
    Handler handler;
  };
  bool Matches(const Route& route, const std::string& path) const;

  void CheckRate(const HttpRequest& request) const;

  Authorizer* authorizer_;
  RateLimiter* rate_limiter_ = nullptr;
  std::vector<Route> routes_;
};

}  // namespace hivewatch
