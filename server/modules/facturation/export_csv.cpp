#include "server/modules/facturation/export_csv.h"

namespace parc::modules::facturation {

namespace {

std::string field(const std::string& s) {
  if (s.find_first_of(";\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string revenueTitlesCsv(const std::vector<Invoice>& documents) {
  std::string out =
      "numero;type;date_emission;date_echeance;exercice;periode;redevable;adresse;code_postal;"
      "ville;objet;montant_ht;montant_tva;montant_ttc;piece_origine\r\n";
  for (const auto& d : documents) {
    const bool credit = d.typeCode == "381";
    // A credit note reduces the revenue: its amounts are exported negative.
    auto amount = [&](Cents c) { return formatCents(credit ? -c : c); };
    std::string address = text(d.payer, "address_line1");
    if (!text(d.payer, "address_line2").empty()) address += ", " + text(d.payer, "address_line2");
    std::string object = (credit ? "Avoir " : "Facture ") +
                         std::string("cantine et périscolaire ") + monthLabel(d.month);
    out += field(d.number) + ";" + (credit ? "avoir" : "titre") + ";" + d.issueDate + ";" +
           (credit ? "" : d.dueDate) + ";" + d.issueDate.substr(0, 4) + ";" + d.month + ";" +
           field(text(d.payer, "name")) + ";" + field(address) + ";" +
           field(text(d.payer, "postcode")) + ";" + field(text(d.payer, "city")) + ";" +
           field(object) + ";" + amount(d.totalLines) + ";" + amount(d.totalTax) + ";" +
           amount(d.total) + ";" + field(d.precedingNumber) + "\r\n";
  }
  return out;
}

}  // namespace parc::modules::facturation
