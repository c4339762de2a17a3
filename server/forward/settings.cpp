#include "server/forward/settings.h"

#include <algorithm>
#include <charconv>
#include <regex>

#include "common/error.h"
#include "server/forward/settings_toml.h"

namespace parc::server::forward {

namespace {

Error bad(const std::string& what) {
  return Error(ErrorKind::kBadRequest, what);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Seconds as an integer or a decimal ("0.2" in tests), into milliseconds.
std::optional<std::chrono::milliseconds> seconds(const toml::table& t, const char* key,
                                                 const std::string& where) {
  const toml::node* node = t.get(key);
  if (!node) return std::nullopt;
  double v = 0;
  if (auto i = node->value_exact<std::int64_t>()) {
    v = static_cast<double>(*i);
  } else if (auto d = node->value_exact<double>()) {
    v = *d;
  } else {
    throw bad(where + ": '" + key + "' must be a number of seconds");
  }
  if (!(v > 0) || v > 7 * 24 * 3600.0) throw bad(where + ": '" + key + "' out of range");
  return std::chrono::milliseconds(static_cast<std::int64_t>(v * 1000));
}

std::string text(const toml::table& t, const char* key, const std::string& where) {
  const toml::node* node = t.get(key);
  if (!node) return {};
  if (auto v = node->value_exact<std::string>()) return *v;
  throw bad(where + ": '" + key + "' must be a string");
}

bool flag(const toml::table& t, const char* key, bool fallback, const std::string& where) {
  const toml::node* node = t.get(key);
  if (!node) return fallback;
  if (auto v = node->value_exact<bool>()) return *v;
  throw bad(where + ": '" + key + "' must be true or false");
}

const std::vector<std::string> kKnownKeys = {
    "tenant_id",         "tenant_insee",      "url",
    "ca_file",           "enabled",           "compress",
    "retry_min_seconds", "retry_max_seconds", "timeout_seconds"};

GlpiTarget readTarget(const toml::table& t, const std::string& where) {
  for (const auto& [key, value] : t) {
    std::string k(key.str());
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), k) == kKnownKeys.end())
      throw bad(where + ": unknown key '" + k + "'");
  }
  GlpiTarget g;
  if (const toml::node* id = t.get("tenant_id")) {
    auto v = id->value_exact<std::int64_t>();
    if (!v || *v < 1) throw bad(where + ": 'tenant_id' must be a positive integer");
    g.tenantId = *v;
  }
  g.tenantInsee = text(t, "tenant_insee", where);
  // As the tenants API checks them: 5 digits, or Corsica's 2A/2B and 3 digits.
  static const std::regex kInsee("^(\\d{5}|2[AB]\\d{3})$");
  if (!g.tenantInsee.empty() && !std::regex_match(g.tenantInsee, kInsee))
    throw bad(where + ": 'tenant_insee' must be a 5-character INSEE code such as \"12202\"");
  if (g.tenantId.has_value() == !g.tenantInsee.empty())
    throw bad(where + ": give exactly one of 'tenant_id' and 'tenant_insee'");
  g.url = text(t, "url", where);
  if (g.url.empty()) throw bad(where + ": 'url' is required (the GLPI server's address)");
  try {
    g.endpoint = parseGlpiUrl(g.url);
  } catch (const Error& e) {
    throw bad(where + ": " + e.what());
  }
  g.caFile = text(t, "ca_file", where);
  if (!g.caFile.empty() && !g.endpoint.tls)
    throw bad(where + ": 'ca_file' only applies to an https:// URL");
  g.enabled = flag(t, "enabled", true, where);
  g.compress = flag(t, "compress", true, where);
  if (auto v = seconds(t, "retry_min_seconds", where)) g.retryMin = *v;
  if (auto v = seconds(t, "retry_max_seconds", where)) g.retryMax = *v;
  if (g.retryMax < g.retryMin)
    throw bad(where + ": 'retry_max_seconds' must not be below 'retry_min_seconds'");
  if (auto v = seconds(t, "timeout_seconds", where)) {
    g.timeout = std::chrono::duration_cast<std::chrono::seconds>(*v);
    if (g.timeout.count() < 1) g.timeout = std::chrono::seconds(1);
  }
  return g;
}

}  // namespace

std::string GlpiUrl::toString() const {
  bool v6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "http://") + (v6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port) + path;
}

GlpiUrl parseGlpiUrl(const std::string& url) {
  GlpiUrl u;
  std::string l = lower(url);
  std::string rest;
  if (l.rfind("https://", 0) == 0) {
    u.tls = true;
    u.port = 443;
    rest = url.substr(8);
  } else if (l.rfind("http://", 0) == 0) {
    u.tls = false;
    u.port = 80;
    rest = url.substr(7);
  } else {
    throw bad("GLPI URL must start with http:// or https://: " + url);
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '#' || c == '\x7f')
      throw bad("GLPI URL must not contain spaces, control characters or '#': " + url);
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.find('@') != std::string::npos)
    throw bad("GLPI URL must not carry credentials: " + url);
  std::string portText;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw bad("bad GLPI URL: " + url);
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw bad("bad GLPI URL: " + url);
      portText = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) portText = authority.substr(colon + 1);
  }
  if (u.host.empty()) throw bad("GLPI URL without a host: " + url);
  if (!portText.empty()) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), v);
    if (ec != std::errc() || p != portText.data() + portText.size() || v == 0 || v > 65535)
      throw bad("bad port in GLPI URL: " + url);
    u.port = static_cast<std::uint16_t>(v);
  }
  // A URL ending in '/' is GLPI's root: its native inventory endpoint is front/inventory.php.
  // Anything else names the endpoint itself (GLPI behind a plugin path, a proxy).
  if (path.find('?') == std::string::npos && path.back() == '/') path += "front/inventory.php";
  u.path = path;
  return u;
}

std::string GlpiTarget::who() const {
  return tenantId ? "tenant " + std::to_string(*tenantId) : "INSEE " + tenantInsee;
}

void loadForwardSettings(const toml::table& config, ForwardSettings& settings) {
  if (const toml::node* queue = config.get("glpi_forward_queue")) {
    const toml::table* q = queue->as_table();
    if (!q) throw bad("[glpi_forward_queue] must be a table");
    if (const toml::node* mb = q->get("max_megabytes")) {
      auto v = mb->value_exact<std::int64_t>();
      if (!v || *v < 1 || *v > 1024 * 1024)
        throw bad("[glpi_forward_queue] max_megabytes must be 1 to 1048576");
      settings.maxQueueBytes = static_cast<std::size_t>(*v) * 1024 * 1024;
    }
    if (const toml::node* th = q->get("sender_threads")) {
      auto v = th->value_exact<std::int64_t>();
      if (!v || *v < 1 || *v > 16) throw bad("[glpi_forward_queue] sender_threads must be 1 to 16");
      settings.senderThreads = static_cast<int>(*v);
    }
  }
  const toml::node* node = config.get("glpi_forward");
  if (!node) return;
  const toml::array* blocks = node->as_array();
  if (!blocks) throw bad("glpi_forward must be written [[glpi_forward]] (one block per tenant)");
  for (size_t i = 0; i < blocks->size(); ++i) {
    std::string where = "[[glpi_forward]] #" + std::to_string(i + 1);
    const toml::table* t = (*blocks)[i].as_table();
    if (!t) throw bad(where + " must be a table");
    GlpiTarget g = readTarget(*t, where);
    for (const auto& other : settings.targets) {
      if ((g.tenantId && other.tenantId == g.tenantId) ||
          (!g.tenantInsee.empty() && other.tenantInsee == g.tenantInsee))
        throw bad(where + ": " + g.who() + " already has a [[glpi_forward]] block");
    }
    settings.targets.push_back(std::move(g));
  }
}

}  // namespace parc::server::forward
