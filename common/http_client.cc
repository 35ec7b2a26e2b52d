#include "common/http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace hivewatch {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The URL without its query string, for error messages: short, and query parameters may be
// private.
std::string UrlForMessage(const std::string& url) { return url.substr(0, url.find_first_of("?#")); }

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * n);
  // A new status line starts a new response (after 100 Continue or a redirect): keep only the
  // headers of the final one.
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    headers->clear();
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;  // the blank line that ends the block
  std::string name = ToLower(std::string(Trim(line.substr(0, colon))));
  std::string value(Trim(line.substr(colon + 1)));
  auto [it, inserted] = headers->emplace(name, value);
  if (!inserted) it->second += ", " + value;
  return size * n;
}

// Why a transfer failed, in words a user can act on ("Connection refused").
std::string DescribeFailure(CURL* curl, CURLcode code, const char* errbuf) {
  if (code == CURLE_COULDNT_CONNECT) {
    long os_errno = 0;
    if (curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
      return std::strerror(static_cast<int>(os_errno));
    }
  }
  return errbuf[0] ? errbuf : curl_easy_strerror(code);
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  CURL* curl = nullptr;
  // Lives as long as the handle, which keeps a pointer to it between requests.
  char errbuf[CURL_ERROR_SIZE] = {};
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->options = options;
  impl_->curl = curl_easy_init();
  if (impl_->curl == nullptr) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  if (impl_ && impl_->curl) curl_easy_cleanup(impl_->curl);
}

Result<HttpResponse> HttpClient::Get(const std::string& url, const Headers& headers) {
  return Request("GET", url, {}, headers);
}

Result<HttpResponse> HttpClient::Post(const std::string& url, std::string_view body,
                                      const Headers& headers) {
  return Request("POST", url, body, headers);
}

Result<HttpResponse> HttpClient::Request(const std::string& method, const std::string& url,
                                         std::string_view body, const Headers& headers) {
  CURL* curl = impl_->curl;
  // Reset clears options left by the previous request but keeps the live connection.
  curl_easy_reset(curl);

  HttpResponse response;
  char* errbuf = impl_->errbuf;
  errbuf[0] = '\0';

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, impl_->options.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, impl_->options.timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
  // Verification is curl's default; set it anyway so no build or environment can turn it off.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!impl_->options.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, impl_->options.ca_file.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  }

  curl_slist* header_list = nullptr;
  bool has_expect = false;
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    std::string lower = ToLower(name);
    has_expect = has_expect || lower == "expect";
    has_content_type = has_content_type || lower == "content-type";
    // "Name;" is curl's spelling of a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    header_list = curl_slist_append(header_list, line.c_str());
  }
  // Servers that do not answer "100 Continue" would otherwise stall large bodies for a second.
  if (!has_expect) header_list = curl_slist_append(header_list, "Expect:");
  // curl would otherwise label any body as a form; without a type from the caller, send none.
  if (!has_content_type && method != "GET" && method != "HEAD") {
    header_list = curl_slist_append(header_list, "Content-Type:");
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);

  CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(header_list);

  if (code != CURLE_OK) {
    std::string why = DescribeFailure(curl, code, errbuf);
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
      return InvalidArgument("invalid URL '" + UrlForMessage(url) + "': " + why);
    }
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
      why += impl_->options.ca_file.empty()
                 ? " (the certificate is not signed by a CA in the system's trust store; "
                   "give the CA's certificate with ca_file / --ca-file)"
                 : " (with CA file " + impl_->options.ca_file + ")";
    }
    return Unavailable("cannot reach " + UrlForMessage(url) + ": " + why);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    // RFC 3986 unreserved characters pass through; everything else is %XX.
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (unreserved || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

}  // namespace hivewatch
