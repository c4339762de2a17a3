#include "server/console/console_assets.h"

#include "server/console/embedded_assets.h"

namespace parc::server::console {

namespace {

// No inline script or style anywhere: everything comes from our own files, so an
// agent-supplied string that slipped into the page as HTML still could not run.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

bool etagMatches(const std::string& ifNoneMatch, const std::string& etag) {
  if (ifNoneMatch.empty()) return false;
  if (ifNoneMatch == "*") return true;
  // A comma-separated list; weak validators ("W/…") compare equal for GET.
  size_t pos = 0;
  while (pos < ifNoneMatch.size()) {
    size_t comma = ifNoneMatch.find(',', pos);
    if (comma == std::string::npos) comma = ifNoneMatch.size();
    std::string item = ifNoneMatch.substr(pos, comma - pos);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos) {
      item = item.substr(first, last - first + 1);
      if (item.rfind("W/", 0) == 0) item = item.substr(2);
      if (item == etag) return true;
    }
    pos = comma + 1;
  }
  return false;
}

net::Response serve(const EmbeddedAsset& asset, const api::Context& ctx) {
  net::Response res;
  std::string etag = "\"" + std::string(asset.sha256.substr(0, 32)) + "\"";
  res.headers["etag"] = etag;
  // Revalidate every time: file names carry no hash, and a 304 costs a few bytes.
  res.headers["cache-control"] = "no-cache";
  res.headers["content-security-policy"] = kContentSecurityPolicy;
  res.headers["cross-origin-opener-policy"] = "same-origin";
  res.headers["permissions-policy"] = "camera=(), microphone=(), geolocation=()";
  if (etagMatches(ctx.request.header("if-none-match"), etag)) {
    res.status = 304;
    return res;
  }
  res.status = 200;
  res.headers["content-type"] = contentTypeFor(asset.path);
  res.body = std::string(asset.body);
  return res;
}

}  // namespace

std::string contentTypeFor(std::string_view path) {
  auto dot = path.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot);
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json") return "application/json";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void addConsoleAssets(api::Router& router) {
  for (const auto& asset : embeddedAssets()) {
    const EmbeddedAsset* a = &asset;  // the table is static: the pointer outlives the router
    router.add("GET", std::string(asset.path), auth::Permission::kPublic,
               [a](api::Context& ctx) { return serve(*a, ctx); });
    if (asset.path == "/index.html") {
      router.add("GET", "/", auth::Permission::kPublic,
                 [a](api::Context& ctx) { return serve(*a, ctx); });
    }
  }
}

}  // namespace parc::server::console
