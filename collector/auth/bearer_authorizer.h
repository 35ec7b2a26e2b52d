// BearerAuthorizer: checks "Authorization: Bearer <token>" against the token registry.
// With auth disabled (--no-auth) every request gets every scope. Thread-safe.
#pragma once

#include "collector/auth/token_store.h"
#include "collector/http/router.h"

namespace hivewatch {

class BearerAuthorizer : public Authorizer {
 public:
  // `tokens` may be null only when `disabled` is true.
  BearerAuthorizer(TokenRegistry* tokens, bool disabled) : tokens_(tokens), disabled_(disabled) {}
  Result<Scopes> Authorize(const HttpRequest& request) override;

 private:
  TokenRegistry* tokens_;
  bool disabled_;
};

}  // namespace hivewatch
