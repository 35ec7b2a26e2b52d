// Router: maps (method, path) to a handler and the token scope it needs. Built once at startup,
// then read-only, so Dispatch is thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "collector/auth/token_store.h"
#include "collector/http/http_types.h"

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

  // Finds the route, checks auth, runs the handler. Throws HttpError (404/405/401/403 or the
  // handler's own).
  HttpResponse Dispatch(const HttpRequest& request) const;

  // Route label for metrics and logs ("/api/v1/push", or "other").
  std::string RouteName(const HttpRequest& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Scope required;
    Handler handler;
  };
  bool Matches(const Route& route, const std::string& path) const;

  Authorizer* authorizer_;
  std::vector<Route> routes_;
};

}  // namespace hivewatch
