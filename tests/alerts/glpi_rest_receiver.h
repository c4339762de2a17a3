#pragma once
// A GLPI REST API (apirest.php) on 127.0.0.1 over HTTPS (the test PKI's certificate),
// with a Computer fixture, checking each request as GLPI documents it (apirest.md):
// App-Token "app-123" everywhere, Session-Token after initSession, {"input": …} bodies,
// and "Search items" (GET search/Computer) with criteria[0][field|searchtype|value] on
// Computer's search options (1 name, 5 serial, 47 UUID; "contains" anchored by ^ and $)
// and forcedisplay[0]=2 (the id); answers like GLPI: totalcount, count and rows keyed by
// search option. Tickets, Item_Ticket links (to a fixture computer only), follow-ups and
// solutions (to an opened ticket only) are recorded; anything else is a problem.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/json/json.h"
#include "common/net/server.h"
#include "tests/common/https_receiver.h"

namespace parc::testing {

class GlpiRestReceiver {
 public:
  struct Computer {
    std::int64_t id;
    std::string name, serial, uuid;
  };

  explicit GlpiRestReceiver(std::vector<Computer> computers) : computers_(std::move(computers)) {}
  GlpiRestReceiver(const GlpiRestReceiver&) = delete;
  GlpiRestReceiver& operator=(const GlpiRestReceiver&) = delete;

  std::string url() const { return http_.url("/apirest.php"); }
  std::vector<std::string> calls() {
    std::lock_guard lock(m_);
    return calls_;
  }
  std::vector<std::string> problems() {
    std::lock_guard lock(m_);
    return problems_;
  }
  std::vector<Json> tickets() {
    std::lock_guard lock(m_);
    return tickets_;
  }
  std::vector<Json> links() {
    std::lock_guard lock(m_);
    return links_;
  }
  /// "ITILFollowup" or "ITILSolution" inputs, in order.
  std::vector<std::pair<std::string, Json>> updates() {
    std::lock_guard lock(m_);
    return updates_;
  }

 private:
  static net::Response json(int status, const Json& body) {
    net::Response r;
    r.status = status;
    r.headers["content-type"] = "application/json";
    r.body = body.dump();
    return r;
  }

  net::Response handle(const net::Request& r) {
    std::lock_guard lock(m_);
    std::string path = r.path();
    calls_.push_back(r.method + " " + path);
    if (r.header("app-token") != "app-123") problems_.push_back("no App-Token on " + path);
    if (path == "/apirest.php/initSession") {
      if (r.method != "GET" || r.header("authorization") != "user_token tech-456") {
        problems_.push_back("bad initSession");
        return json(401, Json::array({"ERROR_LOGIN_PARAMETERS_MISSING", ""}));
      }
      return json(200, {{"session_token", "sess-789"}});
    }
    if (r.header("session-token") != "sess-789") {
      problems_.push_back("no Session-Token on " + path);
      return json(401, Json::array({"ERROR_SESSION_TOKEN_INVALID", ""}));
    }
    if (path == "/apirest.php/killSession") return json(200, Json::object());
    if (path == "/apirest.php/search/Computer") return search(r);
    Json in;
    try {
      in = parseJson(r.body).value("input", Json());
    } catch (const std::exception&) {
      in = nullptr;
    }
    if (!in.is_object() || r.method != "POST") {
      problems_.push_back("no input on " + r.method + " " + path);
      return json(400, Json::array({"ERROR_BAD_ARRAY", ""}));
    }
    if (path == "/apirest.php/Ticket") {
      if (!in.contains("name") || !in.contains("content") || in.value("type", 0) != 1) {
        problems_.push_back("bad Ticket " + in.dump());
      }
      tickets_.push_back(in);
      return json(201, {{"id", 300 + std::int64_t(tickets_.size())}, {"message", ""}});
    }
    if (path == "/apirest.php/Item_Ticket") {
      bool known = false;
      for (const auto& c : computers_) known = known || in.value("items_id", Json()) == c.id;
      if (in.value("itemtype", "") != "Computer" || !known ||
          !isTicket(in.value("tickets_id", 0))) {
        problems_.push_back("bad Item_Ticket " + in.dump());
        return json(400, Json::array({"ERROR_GLPI_ADD", ""}));
      }
      links_.push_back(in);
      return json(201, {{"id", std::int64_t(links_.size())}});
    }
    if (path == "/apirest.php/ITILFollowup" || path == "/apirest.php/ITILSolution") {
      if (in.value("itemtype", "") != "Ticket" || !isTicket(in.value("items_id", 0)) ||
          !in.contains("content")) {
        problems_.push_back("bad " + path + " " + in.dump());
        return json(400, Json::array({"ERROR_GLPI_ADD", ""}));
      }
      updates_.emplace_back(path.substr(path.rfind('/') + 1), in);
      return json(201, {{"id", std::int64_t(updates_.size())}});
    }
    problems_.push_back("unexpected " + r.method + " " + path);
    return json(400, Json::array({"ERROR", ""}));
  }

  bool isTicket(std::int64_t id) const {
    return id > 300 && id <= 300 + std::int64_t(tickets_.size());
  }

  net::Response search(const net::Request& r) {
    std::string field = r.query("criteria[0][field]");
    std::string type = r.query("criteria[0][searchtype]");
    std::string value = r.query("criteria[0][value]");
    if (r.method != "GET" || r.query("forcedisplay[0]") != "2" || type != "contains" ||
        value.size() < 2 || value.front() != '^' || value.back() != '$' ||
        (field != "1" && field != "5" && field != "47")) {
      problems_.push_back("bad search " + r.target);
      return json(400, Json::array({"ERROR_BAD_ARRAY", ""}));
    }
    std::string wanted = value.substr(1, value.size() - 2);
    Json data = Json::array();
    for (const auto& c : computers_) {
      const std::string& v = field == "1" ? c.name : field == "5" ? c.serial : c.uuid;
      if (!v.empty() && v == wanted) data.push_back({{"1", c.name}, {"2", c.id}});
    }
    Json answer{
        {"totalcount", data.size()}, {"count", data.size()}, {"sort", {1}}, {"order", {"ASC"}}};
    if (!data.empty()) {
      answer["data"] = data;
      answer["content-range"] =
          "0-" + std::to_string(data.size() - 1) + "/" + std::to_string(data.size());
    }
    return json(200, answer);
  }

  std::vector<Computer> computers_;
  std::mutex m_;
  std::vector<std::string> calls_, problems_;
  std::vector<Json> tickets_, links_;
  std::vector<std::pair<std::string, Json>> updates_;
  // Last: it answers through handle(), so it starts after and stops before the rest.
  HttpsReceiver http_{[this](const net::Request& r) { return handle(r); }};
};

}  // namespace parc::testing
