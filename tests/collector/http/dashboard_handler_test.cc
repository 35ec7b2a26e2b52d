// HandleDashboard: the embedded dashboard files, their types and cache validation.
#include <catch2/catch.hpp>

#include "collector/http/embedded_files.h"
#include "collector/http/handlers.h"
#include "common/gzip.h"

using namespace hivewatch;

namespace {

HttpRequest Get(const std::string& path, const std::string& if_none_match = "") {
  HttpRequest r;
  r.method = "GET";
  r.target = r.path = path;
  if (!if_none_match.empty()) r.headers["if-none-match"] = if_none_match;
  return r;
}

std::string Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace

TEST_CASE("/ serves the dashboard's index page with a restrictive CSP", "[dashboard]") {
  HandlerContext ctx;
  HttpResponse r = HandleDashboard(Get("/"), ctx);
  CHECK(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body == std::string(FindEmbeddedFile("dashboard/index.html")->content));
  CHECK_THAT(r.body, Catch::Contains("<html"));
  CHECK_THAT(Header(r, "Content-Security-Policy"), Catch::Contains("default-src 'self'"));
  CHECK(Header(r, "Cache-Control") == "no-cache");
  CHECK(Header(r, "X-Content-Type-Options") == "nosniff");
  CHECK(Header(r, "ETag").size() == 34);  // 32 hex digits in quotes
}

TEST_CASE("/ui/ files come with their content type", "[dashboard]") {
  HandlerContext ctx;
  HttpResponse js = HandleDashboard(Get("/ui/js/app.js"), ctx);
  CHECK(js.status == 200);
  CHECK(js.content_type == "text/javascript; charset=utf-8");
  CHECK_FALSE(js.body.empty());
  HttpResponse css = HandleDashboard(Get("/ui/css/app.css"), ctx);
  CHECK(css.content_type == "text/css; charset=utf-8");
  HttpResponse icon = HandleDashboard(Get("/ui/favicon.svg"), ctx);
  CHECK(icon.content_type == "image/svg+xml");
  CHECK(Header(js, "ETag") != Header(css, "ETag"));
}

TEST_CASE("a request with the current ETag gets 304 without a body", "[dashboard]") {
  HandlerContext ctx;
  const std::string etag = Header(HandleDashboard(Get("/ui/js/app.js"), ctx), "ETag");
  for (const std::string& header : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    INFO(header);
    HttpResponse r = HandleDashboard(Get("/ui/js/app.js", header), ctx);
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(Header(r, "ETag") == etag);
  }
  CHECK(HandleDashboard(Get("/ui/js/app.js", "\"stale\""), ctx).status == 200);
}

TEST_CASE("unknown dashboard files are 404 naming the path", "[dashboard]") {
  HandlerContext ctx;
  for (const char* path : {"/ui/nope.js", "/ui/", "/ui/../docs/openapi.yaml", "/ui/js"}) {
    INFO(path);
    try {
      (void)HandleDashboard(Get(path), ctx);
      FAIL("expected 404");
    } catch (const HttpError& e) {
      CHECK(e.status() == 404);
      CHECK(std::string(e.what()) == std::string("no such file: ") + path);
    }
  }
}

TEST_CASE("content types follow the file extension", "[dashboard]") {
  CHECK(ContentTypeForPath("a/index.html") == "text/html; charset=utf-8");
  CHECK(ContentTypeForPath("x.mjs") == "text/javascript; charset=utf-8");
  CHECK(ContentTypeForPath("x.png") == "image/png");
  CHECK(ContentTypeForPath("x.woff2") == "font/woff2");
  CHECK(ContentTypeForPath("x.bin") == "application/octet-stream");
  CHECK(ContentTypeForPath("html") == "application/octet-stream");
}

TEST_CASE("text files go gzip-compressed to clients that accept it", "[dashboard]") {
  HandlerContext ctx;
  const std::string plain = std::string(FindEmbeddedFile("dashboard/js/app.js")->content);
  for (const char* accept : {"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8"}) {
    INFO(accept);
    HttpRequest r = Get("/ui/js/app.js");
    r.headers["accept-encoding"] = accept;
    HttpResponse js = HandleDashboard(r, ctx);
    CHECK(Header(js, "Content-Encoding") == "gzip");
    CHECK(Header(js, "Vary") == "Accept-Encoding");
    CHECK(js.body.size() < plain.size());
    auto inflated = Gunzip(js.body, 1 << 24);
    REQUIRE(inflated.ok());
    CHECK(*inflated == plain);
  }
  for (const char* accept : {"", "br", "gzip;q=0", "identity"}) {
    INFO(accept);
    HttpRequest r = Get("/ui/js/app.js");
    r.headers["accept-encoding"] = accept;
    HttpResponse js = HandleDashboard(r, ctx);
    CHECK(Header(js, "Content-Encoding").empty());
    CHECK(js.body == plain);
  }
}

TEST_CASE("dashboard files carry the security headers, scripts included", "[dashboard]") {
  HandlerContext ctx;
  for (const std::string path : {"/", "/ui/js/app.js", "/ui/css/app.css"}) {
    INFO(path);
    HttpResponse r = HandleDashboard(Get(path), ctx);
    const std::string csp = Header(r, "Content-Security-Policy");
    CHECK_THAT(csp,
               Catch::Contains("script-src 'self'") && Catch::Contains("frame-ancestors 'none'"));
    CHECK(csp.find("'unsafe-inline'") == std::string::npos);
    CHECK(Header(r, "X-Frame-Options") == "DENY");
    CHECK(Header(r, "Referrer-Policy") == "no-referrer");
    CHECK(Header(r, "X-Content-Type-Options") == "nosniff");
  }
}

TEST_CASE("dot-dot segments, backslashes and NULs in /ui/ paths are 404", "[dashboard]") {
  HandlerContext ctx;
  // Paths as the server hands them over: already percent-decoded.
  for (const std::string& path : std::vector<std::string>{
           "/ui/../docs/openapi.yaml", "/ui/../../etc/passwd", "/ui/js/../../docs/openapi.yaml",
           "/ui/..", "/ui/js/..", "/ui/..\\..\\etc\\passwd", std::string("/ui/index.html\0.js", 19),
           "/ui/js/../index.html"}) {
    INFO(path);
    try {
      HandleDashboard(Get(path), ctx);
      FAIL("served " << path);
    } catch (const HttpError& e) {
      CHECK(e.status() == 404);
    }
  }
  CHECK(HandleDashboard(Get("/ui/index.html"), ctx).status == 200);
}
