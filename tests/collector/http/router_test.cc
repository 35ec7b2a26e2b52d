#include "collector/http/router.h"

#include <catch2/catch.hpp>

using namespace hivewatch;

namespace {

// An Authorizer that answers from a fixed result and counts its calls.
class FakeAuthorizer : public Authorizer {
 public:
  explicit FakeAuthorizer(Result<Scopes> answer) : answer_(std::move(answer)) {}
  Result<Scopes> Authorize(const HttpRequest& request) override {
    ++calls;
    last_path = request.path;
    return answer_;
  }
  int calls = 0;
  std::string last_path;

 private:
  Result<Scopes> answer_;
};

HttpRequest Request(const std::string& method, const std::string& path) {
  HttpRequest r;
  r.method = method;
  r.target = path;
  r.path = path;
  return r;
}

// A handler that answers with its own name, so tests can see which route ran.
Handler Named(const std::string& name) {
  return [name](const HttpRequest&) { return HttpResponse::Json(name); };
}

// The HttpError `fn` throws; fails the test if it throws nothing (or something else).
template <typename Fn>
HttpError ErrorFrom(Fn&& fn) {
  try {
    fn();
  } catch (const HttpError& e) {
    return e;
  }
  FAIL("expected an HttpError");
  return HttpError(0, "");
}

Scopes Only(Scope scope) {
  Scopes s;
  s.ingest = scope == Scope::kIngest;
  s.read = scope == Scope::kRead;
  s.admin = scope == Scope::kAdmin;
  return s;
}

}  // namespace

TEST_CASE("the router runs the handler registered for the method and path", "[router]") {
  FakeAuthorizer auth(Scopes::All());
  Router router(&auth);
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  router.Add("GET", "/api/v1/hosts", Scope::kRead, Named("hosts"));
  router.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));
  router.Add("DELETE", "/api/v1/hosts", Scope::kAdmin, Named("delete hosts"));

  CHECK(router.Dispatch(Request("GET", "/api/v1/logs")).body == "logs");
  CHECK(router.Dispatch(Request("GET", "/api/v1/hosts")).body == "hosts");
  CHECK(router.Dispatch(Request("POST", "/api/v1/push")).body == "push");
  CHECK(router.Dispatch(Request("DELETE", "/api/v1/hosts")).body == "delete hosts");
}

TEST_CASE("the handler's response is returned unchanged", "[router]") {
  Router router(nullptr);
  router.Add("GET", "/x", Scope::kNoScope, [](const HttpRequest&) {
    HttpResponse r = HttpResponse::Json("{}", 202);
    r.content_type = "text/plain";
    r.headers.emplace_back("x-test", "1");
    return r;
  });
  HttpResponse r = router.Dispatch(Request("GET", "/x"));
  CHECK(r.status == 202);
  CHECK(r.content_type == "text/plain");
  REQUIRE(r.headers.size() == 1);
  CHECK(r.headers[0].first == "x-test");
}

TEST_CASE("paths are matched exactly unless the route ends in '*'", "[router]") {
  Router router(nullptr);
  router.Add("GET", "/api/v1/logs", Scope::kNoScope, Named("logs"));
  router.Add("GET", "/static/*", Scope::kNoScope, Named("static"));

  CHECK(router.Dispatch(Request("GET", "/static/")).body == "static");
  CHECK(router.Dispatch(Request("GET", "/static/app.js")).body == "static");
  CHECK(router.Dispatch(Request("GET", "/static/css/a.css")).body == "static");
  CHECK(ErrorFrom([&] { router.Dispatch(Request("GET", "/static")); }).status() == 404);
  CHECK(ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/logs/")); }).status() == 404);
  CHECK(ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/log")); }).status() == 404);
  CHECK(ErrorFrom([&] { router.Dispatch(Request("GET", "/API/v1/logs")); }).status() == 404);
}

TEST_CASE("a '*' segment inside a route matches exactly one non-empty segment", "[router]") {
  Router router(nullptr);
  router.Add("GET", "/api/v1/labels", Scope::kNoScope, Named("labels"));
  router.Add("GET", "/api/v1/label/*/values", Scope::kNoScope, Named("values"));

  CHECK(router.Dispatch(Request("GET", "/api/v1/label/job/values")).body == "values");
  CHECK(router.Dispatch(Request("GET", "/api/v1/label/__name__/values")).body == "values");
  CHECK(router.Dispatch(Request("GET", "/api/v1/labels")).body == "labels");
  CHECK(router.RouteName(Request("GET", "/api/v1/label/host/values")) == "/api/v1/label/*/values");
  for (const char* path :
       {"/api/v1/label//values", "/api/v1/label/values", "/api/v1/label/a/b/values",
        "/api/v1/label/job/values/", "/api/v1/label/job/valuesx", "/api/v1/label/job"}) {
    INFO(path);
    CHECK(ErrorFrom([&] { router.Dispatch(Request("GET", path)); }).status() == 404);
  }
}

TEST_CASE("an unknown path is a 404 naming the path", "[router]") {
  FakeAuthorizer auth(Scopes::All());
  Router router(&auth);
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));

  HttpError e = ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/nope")); });
  CHECK(e.status() == 404);
  CHECK(std::string(e.what()) == "no such endpoint: /api/v1/nope");
  CHECK(auth.calls == 0);  // no credentials are needed to learn that a path does not exist
}

TEST_CASE("a known path with the wrong method is a 405 listing the allowed methods", "[router]") {
  FakeAuthorizer auth(Scopes::All());
  Router router(&auth);
  router.Add("GET", "/api/v1/hosts", Scope::kRead, Named("get"));
  router.Add("DELETE", "/api/v1/hosts", Scope::kAdmin, Named("delete"));
  router.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));

  HttpError e = ErrorFrom([&] { router.Dispatch(Request("PUT", "/api/v1/hosts")); });
  CHECK(e.status() == 405);
  CHECK(std::string(e.what()) == "method PUT not allowed on /api/v1/hosts (allowed: GET, DELETE)");

  HttpError get_push = ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/push")); });
  CHECK(get_push.status() == 405);
  CHECK(std::string(get_push.what()) == "method GET not allowed on /api/v1/push (allowed: POST)");
  CHECK(auth.calls == 0);
}

TEST_CASE("HEAD is answered by the GET route of the same path", "[router]") {
  Router router(nullptr);
  router.Add("GET", "/healthz", Scope::kNoScope, Named("health"));
  router.Add("POST", "/api/v1/push", Scope::kNoScope, Named("push"));

  std::string seen_method;
  router.Add("GET", "/seen", Scope::kNoScope, [&](const HttpRequest& r) {
    seen_method = r.method;
    return HttpResponse::Json("{}");
  });

  CHECK(router.Dispatch(Request("HEAD", "/healthz")).body == "health");
  (void)router.Dispatch(Request("HEAD", "/seen"));
  CHECK(seen_method == "HEAD");  // the handler can tell, the server drops the body
  // HEAD is only implied by GET: a POST-only route refuses it.
  HttpError e = ErrorFrom([&] { router.Dispatch(Request("HEAD", "/api/v1/push")); });
  CHECK(e.status() == 405);
}

TEST_CASE("a route that needs no scope never asks the authorizer", "[router][auth]") {
  FakeAuthorizer auth(Unauthenticated("missing bearer token"));
  Router router(&auth);
  router.Add("GET", "/healthz", Scope::kNoScope, Named("health"));

  CHECK(router.Dispatch(Request("GET", "/healthz")).body == "health");
  CHECK(auth.calls == 0);
}

TEST_CASE("an unauthenticated request gets the authorizer's 401 and the handler does not run",
          "[router][auth]") {
  FakeAuthorizer auth(Unauthenticated("missing bearer token: send 'Authorization: Bearer'"));
  Router router(&auth);
  bool ran = false;
  router.Add("GET", "/api/v1/logs", Scope::kRead, [&](const HttpRequest&) {
    ran = true;
    return HttpResponse::Json("{}");
  });

  HttpError e = ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/logs")); });
  CHECK(e.status() == 401);
  CHECK(std::string(e.what()) == "missing bearer token: send 'Authorization: Bearer'");
  CHECK(auth.calls == 1);
  CHECK(auth.last_path == "/api/v1/logs");
  CHECK_FALSE(ran);
}

TEST_CASE("other authorizer failures keep their own status", "[router][auth]") {
  FakeAuthorizer denied(PermissionDenied("token disabled"));
  Router router(&denied);
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  HttpError e = ErrorFrom([&] { router.Dispatch(Request("GET", "/api/v1/logs")); });
  CHECK(e.status() == 403);
  CHECK(std::string(e.what()) == "token disabled");

  FakeAuthorizer busy(Unavailable("database is locked"));
  Router busy_router(&busy);
  busy_router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  CHECK(ErrorFrom([&] { busy_router.Dispatch(Request("GET", "/api/v1/logs")); }).status() == 503);
}

TEST_CASE("a token without the route's scope gets a 403 naming the missing scope",
          "[router][auth]") {
  struct Case {
    Scope held;
    Scope required;
    const char* name;
  };
  const Case cases[] = {
      {Scope::kIngest, Scope::kRead, "read"},
      {Scope::kRead, Scope::kIngest, "ingest"},
      {Scope::kIngest, Scope::kAdmin, "admin"},
      {Scope::kRead, Scope::kAdmin, "admin"},
  };
  for (const Case& c : cases) {
    FakeAuthorizer auth(Only(c.held));
    Router router(&auth);
    bool ran = false;
    router.Add("POST", "/api/v1/thing", c.required, [&](const HttpRequest&) {
      ran = true;
      return HttpResponse::Json("{}");
    });
    HttpError e = ErrorFrom([&] { router.Dispatch(Request("POST", "/api/v1/thing")); });
    INFO("needs " << c.name);
    CHECK(e.status() == 403);
    CHECK(std::string(e.what()) ==
          std::string("this token lacks the '") + c.name + "' scope needed for /api/v1/thing");
    CHECK_FALSE(ran);
  }
}

TEST_CASE("a token with the route's scope reaches the handler", "[router][auth]") {
  FakeAuthorizer ingest(Only(Scope::kIngest));
  Router router(&ingest);
  router.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));
  CHECK(router.Dispatch(Request("POST", "/api/v1/push")).body == "push");

  Scopes both;
  both.ingest = true;
  both.read = true;
  FakeAuthorizer auth(both);
  Router router2(&auth);
  router2.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));
  router2.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  router2.Add("DELETE", "/api/v1/logs", Scope::kAdmin, Named("delete"));
  CHECK(router2.Dispatch(Request("POST", "/api/v1/push")).body == "push");
  CHECK(router2.Dispatch(Request("GET", "/api/v1/logs")).body == "logs");
  // ingest + read together still do not make admin.
  CHECK(ErrorFrom([&] { router2.Dispatch(Request("DELETE", "/api/v1/logs")); }).status() == 403);
}

TEST_CASE("the admin scope implies ingest and read", "[router][auth]") {
  FakeAuthorizer auth(Only(Scope::kAdmin));
  Router router(&auth);
  router.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  router.Add("DELETE", "/api/v1/logs", Scope::kAdmin, Named("delete"));

  CHECK(router.Dispatch(Request("POST", "/api/v1/push")).body == "push");
  CHECK(router.Dispatch(Request("GET", "/api/v1/logs")).body == "logs");
  CHECK(router.Dispatch(Request("DELETE", "/api/v1/logs")).body == "delete");
  CHECK(auth.calls == 3);
}

TEST_CASE("errors thrown by a handler pass through the router unchanged", "[router]") {
  Router router(nullptr);
  router.Add("POST", "/api/v1/push", Scope::kNoScope,
             [](const HttpRequest&) -> HttpResponse { throw HttpError(413, "too big"); });
  HttpError e = ErrorFrom([&] { router.Dispatch(Request("POST", "/api/v1/push")); });
  CHECK(e.status() == 413);
  CHECK(std::string(e.what()) == "too big");
}

TEST_CASE("route names are the registered path, or 'other' for unknown paths", "[router]") {
  Router router(nullptr);
  router.Add("POST", "/api/v1/push", Scope::kIngest, Named("push"));
  router.Add("GET", "/static/*", Scope::kNoScope, Named("static"));

  CHECK(router.RouteName(Request("POST", "/api/v1/push")) == "/api/v1/push");
  // The label depends on the path only, so a 405 is still counted under its endpoint.
  CHECK(router.RouteName(Request("GET", "/api/v1/push")) == "/api/v1/push");
  CHECK(router.RouteName(Request("GET", "/static/app.js")) == "/static/*");
  // Arbitrary paths must not become labels (unbounded metric cardinality).
  CHECK(router.RouteName(Request("GET", "/wp-admin/x.php")) == "other");
  // Every name RouteName can give, each once, for metrics to create their series up front.
  router.Add("GET", "/api/v1/push", Scope::kRead, Named("push info"));
  CHECK(router.RouteNames() == std::vector<std::string>{"/api/v1/push", "/static/*", "other"});
}

TEST_CASE("a token over its rate gets 429 with Retry-After, after authorization", "[router]") {
  FakeAuthorizer auth(Scopes::All());
  Router router(&auth);
  int64_t now = 0;
  RateLimiter limiter(/*rate=*/1, /*burst=*/2, [&] { return now; });
  router.SetRateLimiter(&limiter);
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  router.Add("GET", "/healthz", Scope::kNoScope, Named("health"));
  HttpRequest busy = Request("GET", "/api/v1/logs");
  busy.headers["authorization"] = "Bearer hw_busy";
  CHECK(router.Dispatch(busy).body == "logs");
  CHECK(router.Dispatch(busy).body == "logs");
  HttpError e = ErrorFrom([&] { router.Dispatch(busy); });
  CHECK(e.status() == 429);
  CHECK_THAT(e.what(), Catch::Contains("rate limit of 1 requests a second (http.rate_limit)"));
  REQUIRE(e.headers().size() == 1);
  CHECK(e.headers()[0] == std::make_pair(std::string("Retry-After"), std::string("1")));
  CHECK(std::string(e.what()).find("hw_busy") == std::string::npos);

  HttpRequest other = busy;
  other.headers["authorization"] = "Bearer hw_other";
  CHECK(router.Dispatch(other).body == "logs");
  // Public endpoints are not counted.
  HttpRequest health = Request("GET", "/healthz");
  health.headers["authorization"] = "Bearer hw_busy";
  CHECK(router.Dispatch(health).body == "health");
  now += 1000;
  CHECK(router.Dispatch(busy).body == "logs");
}

TEST_CASE("a refused token never reaches the rate limiter", "[router]") {
  FakeAuthorizer auth(Unauthenticated("unknown or revoked token"));
  Router router(&auth);
  RateLimiter limiter(/*rate=*/1, /*burst=*/1, [] { return int64_t{0}; });
  router.SetRateLimiter(&limiter);
  router.Add("GET", "/api/v1/logs", Scope::kRead, Named("logs"));
  HttpRequest r = Request("GET", "/api/v1/logs");
  r.headers["authorization"] = "Bearer hw_madeup";
  for (int i = 0; i < 3; ++i) CHECK(ErrorFrom([&] { router.Dispatch(r); }).status() == 401);
  CHECK_FALSE(limiter.Acquire(std::hash<std::string>{}("Bearer hw_madeup")));
}
