// GLPI tickets through GLPI's REST API (apirest.php, GLPI 9.5–10): a session per
// notification (initSession with the App-Token and the technician's user_token), a
// ticket when an alert fires, linked to the host's computer when its GLPI id is known,
// a follow-up on each later change, a solution when it resolves; killSession after.
// The ticket id is kept on the alert (the channel's ref) between events, and kept even
// when a later step of the same send fails (the dispatcher stores the ref then too): a
// retry links the ticket it already opened instead of opening a second one.
//
// The host's Computer in GLPI is found once per (channel, host) with GLPI's search API
// (GET search/Computer, criteria on the UUID, then the serial number, then the name,
// each an exact match that must name one computer) and remembered in the channel's host
// ref, so later tickets reuse it without searching. No match: the ticket is opened all
// the same, unlinked, and says why; the search is tried again at the next ticket (the
// PC may have been added to GLPI meanwhile).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "common/error.h"
#include "common/text/percent_encoding.h"
#include "server/alerts/notifiers/notifier.h"
#include "server/alerts/notifiers/outgoing.h"

namespace parc::server::alerts::notifiers {

namespace {

// GLPI's search option ids for Computer (Computer::rawSearchOptions, GLPI 9.5–10).
constexpr int kFieldName = 1;
constexpr int kFieldId = 2;
constexpr int kFieldSerial = 5;
constexpr int kFieldUuid = 47;

/// GET search/Computer with one exact-match criterion ("contains" anchored by ^ and $,
/// as GLPI's search engine documents), asking for the id column only.
std::string computerSearchPath(int field, const std::string& value) {
  std::string c = "criteria[0]";
  return "/search/Computer?" + percentEncode(c + "[field]") + "=" + std::to_string(field) + "&" +
         percentEncode(c + "[searchtype]") + "=contains&" + percentEncode(c + "[value]") + "=" +
         percentEncode("^" + value + "$") + "&" + percentEncode("forcedisplay[0]") + "=" +
         std::to_string(kFieldId) + "&range=0-9";
}

/// The ids of the computers in a search answer ({"totalcount": n, "data": [{"2": id}]}).
std::vector<std::int64_t> computerIds(const Json& answer) {
  std::vector<std::int64_t> ids;
  auto data = answer.find("data");
  if (data == answer.end() || !data->is_array()) return ids;
  const std::string key = std::to_string(kFieldId);
  for (const Json& row : *data) {
    if (!row.is_object() || !row.contains(key)) continue;
    const Json& v = row[key];
    if (v.is_number_integer()) {
      ids.push_back(v.get<std::int64_t>());
    } else if (v.is_string()) {
      try {
        ids.push_back(std::stoll(v.get<std::string>()));
      } catch (const std::exception&) {
        // Not an id: GLPI always answers numbers here.
      }
    }
  }
  return ids;
}

/// Which computer a ticket goes to, or why none.
struct ComputerLookup {
  std::optional<std::int64_t> id;
  std::string reason;  // French, for the ticket's body, when there is no id
};

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
      link(n, h, call, n.ref["ticket_id"].get<std::int64_t>(), findComputer(n, h, call).id);
      if (n.event == "firing") return;  // the ticket itself tells the firing
    }
    auto ticket = n.ref.find("ticket_id");
    if (ticket == n.ref.end()) {
      if (n.event != "firing") return;  // nothing was ever opened for it
      // GLPI urgency: 5 very high … 1 very low. Type 1 = incident.
      int urgency = n.alert.severity == Severity::kCritical  ? 5
                    : n.alert.severity == Severity::kWarning ? 3
                                                             : 2;
      ComputerLookup computer = findComputer(n, h, call);
      if (!computer.id) {
        body += "\n\nTicket non lié à un ordinateur GLPI : " + computer.reason + ".";
        spdlog::info("GLPI ticket for host {} opened without a computer: {}", n.host.hostId,
                     computer.reason);
      }
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
      link(n, h, call, id, computer.id);
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

  /// Links the ticket to the host's GLPI computer (when found), then clears link_pending.
  template <typename Call>
  static void link(Notification& n, const std::map<std::string, std::string>& h, Call& call,
                   std::int64_t ticketId, std::optional<std::int64_t> computerId) {
    if (computerId) {
      call("POST", "/Item_Ticket", h,
           Json{{"input",
                 {{"itemtype", "Computer"}, {"items_id", *computerId}, {"tickets_id", ticketId}}}});
    }
    n.ref.erase("link_pending");
  }

  /// The host's Computer id: given beforehand, remembered for this channel, or searched
  /// (and then remembered in n.hostRef, which the dispatcher stores).
  template <typename Call>
  static ComputerLookup findComputer(Notification& n, const std::map<std::string, std::string>& h,
                                     Call& call) {
    if (n.host.glpiId) {
      try {
        return {std::stoll(*n.host.glpiId), ""};
      } catch (const std::exception&) {
        // Not a number: searched below like an unknown one.
      }
    }
    if (auto known = n.hostRef.find("computer_id");
        known != n.hostRef.end() && known->is_number_integer()) {
      return {known->get<std::int64_t>(), ""};
    }
    const std::pair<int, std::string> criteria[] = {
        {kFieldUuid, n.host.uuid}, {kFieldSerial, n.host.serial}, {kFieldName, n.host.name}};
    const char* labels[] = {"UUID", "numéro de série", "nom"};
    std::vector<std::string> misses;
    for (std::size_t i = 0; i < std::size(criteria); ++i) {
      const auto& [field, value] = criteria[i];
      if (value.empty()) continue;
      Json answer = call("GET", computerSearchPath(field, value), h, nullptr);
      std::vector<std::int64_t> ids = computerIds(answer);
      // totalcount: all the matches, where data holds only the first page of them.
      std::size_t total = ids.size();
      if (auto count = answer.find("totalcount");
          count != answer.end() && count->is_number_unsigned()) {
        total = std::max<std::size_t>(total, count->get<std::size_t>());
      }
      if (total == 1 && ids.size() == 1) {
        n.hostRef["computer_id"] = ids.front();
        return {ids.front(), ""};
      }
      misses.push_back(std::string(labels[i]) + " « " + value + " » : " +
                       (total == 0 ? "aucun ordinateur" : std::to_string(total) + " ordinateurs"));
    }
    if (misses.empty()) return {std::nullopt, "ni UUID, ni numéro de série, ni nom connus"};
    std::string reason;
    for (const auto& m : misses) reason += (reason.empty() ? "" : " ; ") + m;
    return {std::nullopt, reason};
  }

  OutgoingPolicy policy_;
};

}  // namespace

NotifierPtr makeGlpi(OutgoingPolicy policy) {
  return std::make_unique<Glpi>(std::move(policy));
}

}  // namespace parc::server::alerts::notifiers
