// The test message a technician sends from the channels page: French, about no alert,
// saying who asked and when, so that whoever receives it knows it needs no action.
#include <ctime>

#include "server/alerts/notifiers/notifier.h"

namespace parc::server::alerts::notifiers {

TestMessage testMessage(const Channel& channel, const std::string& requestedBy,
                        const std::string& consoleUrl, Time now) {
  std::time_t tt = now;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char when[64];
  std::strftime(when, sizeof when, "%d/%m/%Y à %H:%M UTC", &tm);
  TestMessage m;
  m.subject = "Parc : notification de test";
  m.requestedBy = requestedBy;
  m.consoleUrl = consoleUrl;
  m.body =
      "Bonjour,\n\n"
      "Ceci est une notification de test du canal « " +
      channel.name + " », envoyée le " + when + " à la demande de " + requestedBy +
      ".\n\n"
      "Si vous la recevez, les alertes de Parc vous parviendront par ce canal. "
      "Aucune action n'est nécessaire.\n\n"
      "Console : " +
      consoleUrl + "\n\n-- \nParc, supervision du parc informatique\n";
  return m;
}

}  // namespace parc::server::alerts::notifiers
