// renew_dhcp: through whichever network manager actually runs on this PC — not merely the
// one whose program is installed (Debian's systemd package ships networkctl everywhere,
// while a desktop PC's interfaces belong to NetworkManager). NetworkManager: `nmcli
// device connect IFACE` (re-activates the device, hence a new DHCP exchange), for the
// named interface or every connected Ethernet/Wi-Fi one; systemd-networkd: `networkctl
// renew IFACE`; neither running: dhclient.
#include <sstream>

#include "agent/remote/actions/actions.h"
#include "common/error.h"

namespace parc::agent::remote {

namespace {

bool unitActive(const ActionEnv& env, Steps& steps, const std::string& unit) {
  if (!env.runner.find("systemctl")) return false;
  return steps.tryRun("systemctl", {"is-active", "--quiet", unit}, std::chrono::seconds(10))
      .succeeded();
}

// Connected Ethernet and Wi-Fi devices, from `nmcli -t -f DEVICE,TYPE,STATE device`.
std::vector<std::string> connectedDevices(Steps& steps) {
  const RunOutcome& o = steps.must("nmcli", {"-t", "-f", "DEVICE,TYPE,STATE", "device"});
  std::vector<std::string> out;
  std::istringstream in(o.out);
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':'), b = line.find(':', a == std::string::npos ? a : a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string type = line.substr(a + 1, b - a - 1), state = line.substr(b + 1);
    if ((type == "ethernet" || type == "wifi") && state == "connected")
      out.push_back(line.substr(0, a));
  }
  return out;
}

Json withNetworkManager(const ActionEnv& env, Steps& steps, const std::string& iface) {
  if (!env.runner.find("nmcli"))
    throw Error(ErrorKind::kNotFound, "renew_dhcp: NetworkManager runs but nmcli is not installed");
  std::vector<std::string> devices =
      iface.empty() ? connectedDevices(steps) : std::vector<std::string>{iface};
  if (devices.empty())
    throw Error(ErrorKind::kNotFound, "renew_dhcp: no connected Ethernet or Wi-Fi interface");
  for (const auto& d : devices) steps.must("nmcli", {"device", "connect", d});
  return steps.result(Json{{"interface", iface}, {"manager", "NetworkManager"}});
}

}  // namespace

Json renewDhcp(const ActionEnv& env, const Json& params) {
  Steps steps(env);
  std::string iface = params.value("interface", "");
  if (unitActive(env, steps, "NetworkManager.service"))
    return withNetworkManager(env, steps, iface);
  if (unitActive(env, steps, "systemd-networkd.service") && env.runner.find("networkctl")) {
    if (iface.empty())
      throw Error(ErrorKind::kBadRequest, "renew_dhcp: name the interface (networkctl renew)");
    steps.must("networkctl", {"renew", "--", iface});
    return steps.result(Json{{"interface", iface}, {"manager", "systemd-networkd"}});
  }
  if (!env.runner.find("dhclient"))
    throw Error(ErrorKind::kNotFound,
                "renew_dhcp: neither NetworkManager nor systemd-networkd runs, and dhclient is "
                "not installed");
  std::vector<std::string> release = {"-r"}, renew = {};
  if (!iface.empty()) {
    release.push_back(iface);
    renew.push_back(iface);
  }
  steps.tryRun("dhclient", release);
  steps.must("dhclient", renew, std::chrono::seconds(60));
  return steps.result(Json{{"interface", iface}, {"manager", "dhclient"}});
}

}  // namespace parc::agent::remote
