// renew_dhcp: networkctl when systemd-networkd manages the PC, nmcli for NetworkManager,
// dhclient otherwise.
#include "agent/remote/actions/actions.h"
#include "common/error.h"

namespace parc::agent::remote {

Json renewDhcp(const ActionEnv& env, const Json& params) {
  Steps steps(env);
  std::string iface = params.value("interface", "");
  if (env.runner.find("networkctl")) {
    if (iface.empty())
      throw Error(ErrorKind::kBadRequest, "renew_dhcp: name the interface (networkctl renew)");
    steps.must("networkctl", {"renew", "--", iface});
  } else if (env.runner.find("dhclient")) {
    std::vector<std::string> release = {"-r"}, renew = {};
    if (!iface.empty()) {
      release.push_back(iface);
      renew.push_back(iface);
    }
    steps.tryRun("dhclient", release);
    steps.must("dhclient", renew, std::chrono::seconds(60));
  } else {
    throw Error(ErrorKind::kNotFound, "renew_dhcp: neither networkctl nor dhclient is installed");
  }
  return steps.result(Json{{"interface", iface}});
}

}  // namespace parc::agent::remote
