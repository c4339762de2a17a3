#include "server/modules/facturation/module.h"

namespace parc::modules::facturation {

Module module() {
  Module m;
  m.name = "facturation";
  m.title = "Facturation des familles";
  m.navLabel = "Facturation";
  m.roles = {
      {"secretaire", "Secrétaire de mairie (familles, présences, aperçu)"},
      {"regisseur", "Régisseur (encaissements, prélèvements)"},
      {"ordonnateur", "Ordonnateur (émission des factures et des avoirs)"},
  };
  m.migrations = migrations();
  m.routes = routes;
  return m;
}

}  // namespace parc::modules::facturation
