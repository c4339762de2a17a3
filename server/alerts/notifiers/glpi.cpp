// GLPI tickets through GLPI's REST API (apirest.php, GLPI 9.5–10): a session per
// notification (initSession with the App-Token and the technician's user_token), a
// ticket when an alert fires, linked to the host's computer when its GLPI id is known,
// a follow-up on each later change, a solution when it resolves; killSession after.
// The ticket id is kept on the alert (the channel's ref) between events, and kept even
// when a later step of the same send fails (the dispatcher stores the ref then too): a
// retry links the ticket it already opened instead of opening a second one.
#include "common/error.h"
#include "server/alerts/notifiers/notifier.h"
#include "server/alerts/notifiers/outgoing.h"

namespace parc::server::alerts::notifiers {

namespace {

class Glpi : public Notifier {
 public:
  explicit Glpi(OutgoingPolicy policy) : policy_(std::move(policy)) {}
  std::string_view kind() const override { return "glpi"; }

  void validate(const Json& s) const override {
    for (const char* key : {"url", "app_token", "user_token"}) {
      if (!s.contains(key) || !s[key].is_string() || s[key].get<std::string>().empty()) {
        throw Error(ErrorKind::kBadRequest, std::string("GLPI channel needs \"") + key + "\"");
      }
    }
    HttpsUrl u = parseHttpsUrl(s["url"].get<std::string>());
    checkOutgoingAtValidation(u.endpoint, policy_);
  }

  // A test opens no ticket (the support desk would have to close it): it opens and
  // closes a session, which proves the URL, the certificate and both tokens.
  void sendTest(const Channel& channel, const TestMessage&) override {
    Notification none;
    none.event = "test";
    send(channel, none);
  }

  void send(const Channel& channel, Notification& n) override {
    const Json& s = channel.settings;
    std::string base = s.value("url", "");
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string ca = s.value("ca_pem", "");
    std::string app = s.value("app_token", "");

    auto call = [&](const std::string& method, const std::string& path,
                    const std::map<std::string, std::string>& headers, const Json& body) {
      auto r = httpsRequest(policy_, method, base + path, headers,
                            body.is_null() ? std::string() : body.dump(), ca);
      if (r.status < 200 || r.status >= 300) {
        throw Error(ErrorKind::kUnavailable, "GLPI " + method + " " + path + " answered HTTP " +
                                                 std::to_string(r.status) + ": " +
                                                 r.body.substr(0, 200));
      }
      try {
        return r.body.empty() ? Json::object() : parseJson(r.body);
      } catch (const Error&) {
        throw Error(ErrorKind::kUnavailable, "GLPI " + path + " answered with invalid JSON");
      }
    };

    Json session =
        call("GET", "/initSession",
             {{"app-token", app}, {"authorization", "user_token " + s.value("user_token", "")}},
             nullptr);
    if (!session.contains("session_token") || !session["session_token"].is_string()) {
      throw Error(ErrorKind::kUnavailable, "GLPI initSession gave no session_token");
    }
    std::map<std::string, std::string> h{{"app-token", app},
                                         {"session-token", session["session_token"]}};
    std::exception_ptr failure;
    try {
      deliver(n, s, h, call);
    } catch (...) {
      failure = std::current_exception();
    }
    try {
      call("GET", "/killSession", h, nullptr);
    } catch (const Error&) {
      // The session expires by itself; the ticket work above is what mattered.
    }
    if (failure) std::rethrow_exception(failure);
  }

 private:
  template <typename Call>
  void deliver(Notification& n, const Json& s, const std::map<std::string, std::string>& h,
               Call& call) {
    if (n.event == "test") return;  // the session alone was the test
    std::string body = frenchBody(n);
    if (n.ref.contains("ticket_id") && n.ref.value("link_pending", false)) {
      // A previous attempt opened the ticket, then failed to link it.
      link(n, h, call, n.ref["ticket_id"].get<std::int64_t>());
      if (n.event == "firing") return;  // the ticket itself tells the firing
    }
    auto ticket = n.ref.find("ticket_id");
    if (ticket == n.ref.end()) {
      if (n.event != "firing") return;  // nothing was ever opened for it
      // GLPI urgency: 5 very high … 1 very low. Type 1 = incident.
      int urgency = n.alert.severity == Severity::kCritical  ? 5
                    : n.alert.severity == Severity::kWarning ? 3
                                                             : 2;
      Json input{{"name", frenchSubject(n)}, {"content", body}, {"type", 1}, {"urgency", urgency}};
      if (s.contains("entities_id")) input["entities_id"] = s["entities_id"];
      if (s.contains("itilcategories_id")) input["itilcategories_id"] = s["itilcategories_id"];
      Json created = call("POST", "/Ticket", h, Json{{"input", input}});
      if (!created.contains("id") || !created["id"].is_number_integer()) {
        throw Error(ErrorKind::kUnavailable, "GLPI did not return the new ticket's id");
      }
      std::int64_t id = created["id"];
      // Remembered before the next call: if linking fails, the retry must not open a
      // second ticket (the dispatcher keeps the ref of a failed send).
      n.ref["ticket_id"] = id;
      n.ref["link_pending"] = true;
      link(n, h, call, id);
      return;
    }
    std::int64_t id = *ticket;
    if (n.event == "resolved") {
      call("POST", "/ITILSolution", h,
           Json{{"input", {{"itemtype", "Ticket"}, {"items_id", id}, {"content", body}}}});
    } else {
      call("POST", "/ITILFollowup", h,
           Json{{"input", {{"itemtype", "Ticket"}, {"items_id", id}, {"content", body}}}});
    }
  }

  /// Links the ticket to the host's GLPI computer (when known), then clears link_pending.
  template <typename Call>
  static void link(Notification& n, const std::map<std::string, std::string>& h, Call& call,
                   std::int64_t ticketId) {
    if (n.host.glpiId) {
      call("POST", "/Item_Ticket", h,
           Json{{"input",
                 {{"itemtype", "Computer"},
                  {"items_id", *n.host.glpiId},
                  {"tickets_id", ticketId}}}});
    }
    n.ref.erase("link_pending");
  }

  OutgoingPolicy policy_;
};

}  // namespace

NotifierPtr makeGlpi(OutgoingPolicy policy) {
  return std::make_unique<Glpi>(std::move(policy));
}

}  // namespace parc::server::alerts::notifiers
