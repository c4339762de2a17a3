#include "server/modules/facturation/vat_rules.h"

#include <algorithm>
#include <map>

namespace parc::modules::facturation {

std::optional<std::string> vatRegimeProblem(const std::vector<DraftLine>& lines,
                                            const std::string& sellerVatId) {
  bool notSubject = false;
  std::optional<VatCategory> other;
  for (const auto& l : lines) {
    if (l.vatCategory == VatCategory::kNotSubject) {
      notSubject = true;
    } else if (!other) {
      other = l.vatCategory;
    }
  }
  if (notSubject && other)
    return std::string(
               "une même facture ne peut pas mêler des prestations non soumises à la "
               "TVA (catégorie O) et des prestations de catégorie ") +
           vatCode(*other) +
           " (EN 16931 BR-O-11/BR-O-12) ; donnez la même catégorie de TVA à tous les services "
           "facturés";
  if (notSubject && !sellerVatId.empty())
    return std::string(
        "des prestations non soumises à la TVA (catégorie O) ne peuvent pas être facturées avec "
        "le numéro de TVA de la commune (EN 16931 BR-O-02) ; retirez le numéro de TVA du profil "
        "ou choisissez la catégorie E (exonérée) pour ces services");
  if (other && sellerVatId.empty())
    return std::string("les prestations de catégorie de TVA ") + vatCode(*other) +
           " exigent le numéro de TVA de la commune dans son profil (EN 16931 "
           "BR-E-02/BR-S-02/BR-Z-02) ; renseignez vat_id, ou passez les services en "
           "catégorie O (non soumis)";
  return std::nullopt;
}

std::optional<VatMention> vatMention(VatCategory category) {
  switch (category) {
    case VatCategory::kNotSubject:
      return VatMention{
          "TVA non applicable, article 256 B du CGI : service public administratif hors du "
          "champ de la TVA",
          "VATEX-EU-O"};
    case VatCategory::kExempt:
      return VatMention{
          "Exonération de TVA : article 261 du CGI (article 132 de la directive "
          "2006/112/CE)",
          "VATEX-EU-132"};
    case VatCategory::kStandard:
    case VatCategory::kZero: break;
  }
  return std::nullopt;
}

std::optional<std::string> vatStatement(const std::vector<VatLine>& vat) {
  std::set<VatCategory> seen;
  std::string text;
  for (const auto& v : vat) {
    auto mention = vatMention(v.category);
    if (!mention || !seen.insert(v.category).second) continue;
    text += (text.empty() ? "" : " ; ") + mention->reason;
  }
  if (text.empty()) return std::nullopt;
  return text + ".";
}

void capCreditedVat(Totals& note, const std::vector<VatLine>& invoiced,
                    const std::vector<VatLine>& alreadyCredited,
                    const std::set<VatGroup>& closing) {
  std::map<VatGroup, Cents> left;
  for (const auto& v : invoiced) left[{v.category, v.rate}] += v.tax;
  for (const auto& v : alreadyCredited) left[{v.category, v.rate}] -= v.tax;
  note.tax = 0;
  for (auto& v : note.vat) {
    const VatGroup g{v.category, v.rate};
    const Cents rest = std::max<Cents>(left[g], 0);
    v.tax = closing.count(g) ? rest : std::min(v.tax, rest);
    note.tax += v.tax;
  }
  note.total = note.lines + note.tax;
}

Json vatToJson(const std::vector<VatLine>& vat) {
  Json out = Json::array();
  for (const auto& v : vat)
    out.push_back(
        {{"category", vatCode(v.category)}, {"rate", v.rate}, {"base", v.base}, {"tax", v.tax}});
  return out;
}

std::vector<VatLine> vatFromJson(const Json& j) {
  std::vector<VatLine> out;
  for (const auto& v : j) {
    VatLine l;
    l.category = vatFromCode(v.at("category").get<std::string>()).value_or(VatCategory::kExempt);
    l.rate = v.at("rate").get<RateE2>();
    l.base = v.at("base").get<Cents>();
    l.tax = v.at("tax").get<Cents>();
    out.push_back(l);
  }
  return out;
}

}  // namespace parc::modules::facturation
