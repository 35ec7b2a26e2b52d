#include "collector/auth/bearer_authorizer.h"

#include <strings.h>

namespace hivewatch {

Result<Scopes> BearerAuthorizer::Authorize(const HttpRequest& request) {
  if (disabled_) return Scopes::All();
  const std::string& header = request.Header("authorization");
  if (header.empty()) {
    return Unauthenticated("missing bearer token: send 'Authorization: Bearer <token>' "
                           "(create one with: hivewatch-collector token create)");
  }
  constexpr std::string_view kPrefix = "Bearer ";
  if (header.size() <= kPrefix.size() ||
      strncasecmp(header.c_str(), kPrefix.data(), kPrefix.size()) != 0) {
    return Unauthenticated("the Authorization header must be 'Bearer <token>'");
  }
  Result<TokenInfo> info = tokens_->Verify(std::string_view(header).substr(kPrefix.size()));
  if (!info.ok()) return info.status();
  return info->scopes;
}

}  // namespace hivewatch
