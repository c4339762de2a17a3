// inventory_now: the service collects and queues an inventory at once.
#include "agent/remote/actions/actions.h"
#include "common/error.h"

namespace parc::agent::remote {

Json inventoryNow(const ActionEnv& env, const Json&) {
  if (!env.inventoryNow) throw Error(ErrorKind::kUnavailable, "inventory not available");
  env.inventoryNow();
  return Json{{"steps", Json::array()}, {"output", "inventaire demandé"}, {"queued", true}};
}

}  // namespace parc::agent::remote
