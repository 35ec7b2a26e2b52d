// The web dashboard's static files (dashboard/, embedded at build time by
// cmake/EmbedFiles.cmake): GET / is dashboard/index.html, GET /ui/<path> is dashboard/<path>.
// Every answer carries an ETag (the file's SHA-256) and Cache-Control: no-cache, so browsers
// revalidate and get a bodyless 304 until the collector is upgraded; nothing is ever stale.
// Text files go gzip-compressed to clients that accept it (compressed once, then kept).
#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "collector/http/embedded_files.h"
#include "collector/http/handlers.h"
#include "common/gzip.h"

namespace hivewatch {
namespace {

// Only what the collector itself loads: scripts, styles and fonts from its own origin, API calls
// to its own origin. Inline scripts and styles are refused, which also keeps injected log text
// inert.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// True when an If-None-Match header value lists `etag` (or is "*").
bool EtagMatches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t comma = if_none_match.find(',', pos);
    std::string item =
        if_none_match.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t first = item.find_first_not_of(' ');
    size_t last = item.find_last_not_of(' ');
    if (first != std::string::npos) {
      item = item.substr(first, last - first + 1);
      if (item.rfind("W/", 0) == 0) item = item.substr(2);  // weak comparison
      if (item == etag) return true;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

// True when the Accept-Encoding header lists gzip (or *) with a non-zero quality.
bool AcceptsGzip(const std::string& accept_encoding) {
  size_t pos = 0;
  while (pos < accept_encoding.size()) {
    size_t comma = accept_encoding.find(',', pos);
    std::string item;
    for (size_t i = pos; i < std::min(comma, accept_encoding.size()); ++i) {
      char c = accept_encoding[i];
      if (c != ' ' && c != '\t')
        item += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const size_t semicolon = item.find(';');
    const std::string coding = item.substr(0, semicolon);
    double quality = 1;
    if (semicolon != std::string::npos) {
      const size_t q = item.find("q=", semicolon);
      if (q != std::string::npos) quality = std::strtod(item.c_str() + q + 2, nullptr);
    }
    if ((coding == "gzip" || coding == "x-gzip" || coding == "*") && quality > 0) return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

bool Compressible(std::string_view content_type) {
  return content_type.rfind("text/", 0) == 0 || content_type.rfind("image/svg", 0) == 0 ||
         content_type == "application/json";
}

// The gzip form of an embedded file, made on first use and kept (the files never change).
const std::string& Gzipped(const std::string& path, std::string_view content) {
  static std::mutex mu;
  static std::map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(path);
  if (it == cache.end()) it = cache.emplace(path, Gzip(content, 9)).first;
  return it->second;
}

HttpResponse ServeFile(const HttpRequest& request, const std::string& embedded_path) {
  std::optional<EmbeddedFile> file = FindEmbeddedFile(embedded_path);
  if (!file) throw HttpError(404, "no such file: " + request.path);
  const std::string etag = "\"" + std::string(file->sha256.substr(0, 32)) + "\"";
  HttpResponse response;
  response.content_type = ContentTypeForPath(embedded_path);
  // The security headers go on every file (a browser applies CSP from documents only, but a
  // script or SVG opened on its own is a document too).
  response.headers = {{"ETag", etag},
                      {"Cache-Control", "no-cache"},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Content-Security-Policy", kContentSecurityPolicy},
                      {"X-Frame-Options", "DENY"},
                      {"Referrer-Policy", "no-referrer"}};
  if (EtagMatches(request.Header("if-none-match"), etag)) {
    response.status = 304;
    return response;
  }
  if (Compressible(response.content_type)) {
    response.headers.emplace_back("Vary", "Accept-Encoding");
    if (AcceptsGzip(request.Header("accept-encoding"))) {
      response.headers.emplace_back("Content-Encoding", "gzip");
      response.body = Gzipped(embedded_path, file->content);
      return response;
    }
  }
  response.body = std::string(file->content);
  return response;
}

}  // namespace

std::string ContentTypeForPath(std::string_view path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".yaml", "application/yaml"},
  };
  for (const auto& [suffix, type] : kTypes) {
    if (EndsWith(path, suffix)) return type;
  }
  return "application/octet-stream";
}

HttpResponse HandleDashboard(const HttpRequest& request, const HandlerContext&) {
  if (request.path == "/") return ServeFile(request, "dashboard/index.html");
  constexpr std::string_view kPrefix = "/ui/";
  std::string_view path = request.path;
  if (path.substr(0, kPrefix.size()) != kPrefix) {
    throw HttpError(404, "no such endpoint: " + request.path);
  }
  const std::string file(path.substr(kPrefix.size()));
  // Files come from the embedded table, never the file system, so "../" cannot leave
  // dashboard/; refuse such names anyway rather than depend on that (the path is decoded, so
  // %2e%2e and %2f arrive here as "..", "/").
  if (("/" + file + "/").find("/../") != std::string::npos ||
      file.find_first_of(std::string("\\\0", 2)) != std::string::npos) {
    throw HttpError(404, "no such file: " + request.path);
  }
  return ServeFile(request, "dashboard/" + file);
}

}  // namespace hivewatch
