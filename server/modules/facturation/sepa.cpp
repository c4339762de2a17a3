#include "server/modules/facturation/sepa.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <cctype>
#include <cmath>
#include <map>
#include <memory>

#include "common/error.h"

namespace parc::modules::facturation {

namespace {

constexpr const char* kNs = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02";

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string agent(const std::string& bic) {
  if (bic.empty()) return "<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>";
  return "<FinInstnId><BIC>" + esc(bic) + "</BIC></FinInstnId>";
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxFree {
  void operator()(xmlXPathContext* c) const { xmlXPathFreeContext(c); }
};
struct ObjFree {
  void operator()(xmlXPathObject* o) const { xmlXPathFreeObject(o); }
};

// One Unicode code point from UTF-8 at `i` (advanced past it); U+FFFD when malformed.
char32_t nextCodePoint(const std::string& s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i++);
  if (c < 0x80) return c;
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (extra < 0) return 0xFFFD;
  char32_t cp = c & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (byte(i) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (byte(i++) & 0x3F);
  }
  return cp;
}

// The Latin letters of French and neighbouring languages without their diacritics.
const char* transliterate(char32_t cp) {
  static const std::map<char32_t, const char*> kMap = [] {
    std::map<char32_t, const char*> m;
    auto add = [&](const char* letters, const char* ascii) {
      size_t i = 0;
      for (const std::string s = letters; i < s.size();) m[nextCodePoint(s, i)] = ascii;
    };
    add("ÀÁÂÃÄÅĀĂĄ", "A");
    add("àáâãäåāăą", "a");
    add("ÇĆĈĊČ", "C");
    add("çćĉċč", "c");
    add("ĎĐ", "D");
    add("ďđ", "d");
    add("ÈÉÊËĒĔĖĘĚ", "E");
    add("èéêëēĕėęě", "e");
    add("ĜĞĠĢ", "G");
    add("ĝğġģ", "g");
    add("ÌÍÎÏĨĪĬĮİ", "I");
    add("ìíîïĩīĭįı", "i");
    add("ĹĻĽĿŁ", "L");
    add("ĺļľŀł", "l");
    add("ÑŃŅŇ", "N");
    add("ñńņň", "n");
    add("ÒÓÔÕÖØŌŎŐ", "O");
    add("òóôõöøōŏő", "o");
    add("ŔŖŘ", "R");
    add("ŕŗř", "r");
    add("ŚŜŞŠ", "S");
    add("śŝşš", "s");
    add("ŢŤ", "T");
    add("ţť", "t");
    add("ÙÚÛÜŨŪŬŮŰŲ", "U");
    add("ùúûüũūŭůűų", "u");
    add("ÝŸŶ", "Y");
    add("ýÿŷ", "y");
    add("ŹŻŽ", "Z");
    add("źżž", "z");
    add("Æ", "AE");
    add("æ", "ae");
    add("Œ", "OE");
    add("œ", "oe");
    add("ß", "ss");
    add("’‘", "'");
    add("–—", "-");
    return m;
  }();
  auto it = kMap.find(cp);
  return it == kMap.end() ? " " : it->second;
}

}  // namespace

// SEPA texts: the EPC's Latin subset (letters, digits and / - ? : ( ) . , ' + space).
std::string sepaText(const std::string& s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const char32_t cp = nextCodePoint(s, i);
    std::string piece;
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      const bool allowed = std::isalnum(static_cast<unsigned char>(c)) ||
                           std::string("/-?:().,'+ ").find(c) != std::string::npos;
      piece = allowed ? std::string(1, c) : " ";
    } else {
      piece = transliterate(cp);
    }
    if (out.size() + piece.size() > max) break;
    out += piece;
  }
  return out;
}

namespace {

std::string paymentInformation(const DirectDebitBatch& b, const std::string& sequence,
                               const std::vector<const DirectDebit*>& debits) {
  Cents sum = 0;
  for (const auto* d : debits) sum += d->amount;
  std::string x =
      "<PmtInf><PmtInfId>" + esc(b.messageId) + "-" + sequence +
      "</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>" + std::to_string(debits.size()) +
      "</NbOfTxs><CtrlSum>" + formatCents(sum) +
      "</CtrlSum><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd>"
      "</LclInstrm><SeqTp>" +
      sequence + "</SeqTp></PmtTpInf><ReqdColltnDt>" + esc(b.collectionDate) +
      "</ReqdColltnDt><Cdtr><Nm>" + esc(sepaText(b.creditorName, 70)) +
      "</Nm></Cdtr><CdtrAcct><Id><IBAN>" + esc(b.creditorIban) +
      "</IBAN></Id></CdtrAcct><CdtrAgt>" + agent(b.creditorBic) +
      "</CdtrAgt><ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>" + esc(b.creditorId) +
      "</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>\n";
  for (const auto* d : debits) {
    x += "<DrctDbtTxInf><PmtId><EndToEndId>" + esc(d->endToEndId) +
         "</EndToEndId></PmtId><InstdAmt Ccy=\"EUR\">" + formatCents(d->amount) +
         "</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>" + esc(d->mandateReference) +
         "</MndtId><DtOfSgntr>" + esc(d->mandateDate) +
         "</DtOfSgntr></MndtRltdInf></DrctDbtTx><DbtrAgt>" + agent(d->debtorBic) +
         "</DbtrAgt><Dbtr><Nm>" + esc(sepaText(d->debtorName, 70)) +
         "</Nm></Dbtr><DbtrAcct><Id><IBAN>" + esc(d->debtorIban) +
         "</IBAN></Id></DbtrAcct><RmtInf><Ustrd>" + esc(sepaText(d->remittance, 140)) +
         "</Ustrd></RmtInf></DrctDbtTxInf>\n";
  }
  return x + "</PmtInf>\n";
}

}  // namespace

std::string writePain008(const DirectDebitBatch& b) {
  if (b.debits.empty()) throw Error(ErrorKind::kBadRequest, "no direct debit to collect");
  if (b.creditorIban.empty() || b.creditorId.empty() || b.creditorName.empty())
    throw Error(ErrorKind::kBadRequest,
                "the tenant profile needs the town hall's IBAN and SEPA creditor identifier");
  Cents sum = 0;
  std::map<std::string, std::vector<const DirectDebit*>> bySequence;
  for (const auto& d : b.debits) {
    if (d.sequenceType != "FRST" && d.sequenceType != "RCUR")
      throw Error(ErrorKind::kBadRequest, "sequence type must be FRST or RCUR");
    sum += d.amount;
    bySequence[d.sequenceType].push_back(&d);
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"" +
                  std::string(kNs) + "\">\n<CstmrDrctDbtInitn>\n";
  x += "<GrpHdr><MsgId>" + esc(b.messageId) + "</MsgId><CreDtTm>" + esc(b.createdAt) +
       "</CreDtTm><NbOfTxs>" + std::to_string(b.debits.size()) + "</NbOfTxs><CtrlSum>" +
       formatCents(sum) + "</CtrlSum><InitgPty><Nm>" + esc(sepaText(b.creditorName, 70)) +
       "</Nm></InitgPty></GrpHdr>\n";
  for (const auto& [sequence, debits] : bySequence)  // FRST sorts before RCUR
    x += paymentInformation(b, sequence, debits);
  x += "</CstmrDrctDbtInitn>\n</Document>\n";
  return x;
}

std::vector<std::string> checkPain008(const std::string& xml) {
  std::vector<std::string> problems;
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "pain.008.xml", "UTF-8",
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) return {"not well-formed XML"};
  std::unique_ptr<xmlXPathContext, CtxFree> ctx(xmlXPathNewContext(doc.get()));
  xmlXPathRegisterNs(ctx.get(), BAD_CAST "p", BAD_CAST kNs);
  auto eval = [&](const std::string& path) {
    return std::unique_ptr<xmlXPathObject, ObjFree>(
        xmlXPathEvalExpression(BAD_CAST path.c_str(), ctx.get()));
  };
  auto count = [&](const std::string& path) {
    auto o = eval(path);
    return o && o->nodesetval ? o->nodesetval->nodeNr : 0;
  };
  auto number = [&](const std::string& path) {
    auto o = eval("number(" + path + ")");
    return o ? o->floatval : 0.0;
  };
  const std::string root = "/p:Document/p:CstmrDrctDbtInitn";
  for (const char* required :
       {"/p:GrpHdr/p:MsgId", "/p:GrpHdr/p:CreDtTm", "/p:GrpHdr/p:NbOfTxs", "/p:GrpHdr/p:InitgPty"})
    if (count(root + required) != 1) problems.push_back(std::string("missing ") + required);
  const int blocks = count(root + "/p:PmtInf");
  if (blocks == 0) problems.push_back("no PmtInf");
  for (const char* required : {"p:PmtInfId", "p:PmtMtd[.='DD']",
                               "p:PmtTpInf/p:SeqTp[.='FRST' or .='RCUR' or .='OOFF' or .='FNAL']",
                               "p:ReqdColltnDt", "p:Cdtr/p:Nm", "p:CdtrAcct/p:Id/p:IBAN",
                               "p:CdtrAgt/p:FinInstnId", "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id"})
    if (count(root + "/p:PmtInf/" + required) != blocks)
      problems.push_back(std::string("a PmtInf lacks ") + required);
  for (int i = 1; i <= blocks; ++i) {
    const std::string block = root + "/p:PmtInf[" + std::to_string(i) + "]";
    if (count(block + "/p:NbOfTxs") == 1 &&
        static_cast<int>(number(block + "/p:NbOfTxs")) != count(block + "/p:DrctDbtTxInf"))
      problems.push_back("PmtInf/NbOfTxs differs from its transactions");
    double blockSum = number("sum(" + block + "/p:DrctDbtTxInf/p:InstdAmt)");
    if (count(block + "/p:CtrlSum") == 1 &&
        std::llround(blockSum * 100) != std::llround(number(block + "/p:CtrlSum") * 100))
      problems.push_back("PmtInf/CtrlSum differs from the sum of its amounts");
  }
  int txs = count(root + "/p:PmtInf/p:DrctDbtTxInf");
  if (txs == 0) problems.push_back("no DrctDbtTxInf");
  for (const char* each :
       {"p:PmtId/p:EndToEndId", "p:InstdAmt[@Ccy='EUR']", "p:DrctDbtTx/p:MndtRltdInf/p:MndtId",
        "p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", "p:DbtrAgt/p:FinInstnId", "p:Dbtr/p:Nm",
        "p:DbtrAcct/p:Id/p:IBAN"})
    if (count(root + "/p:PmtInf/p:DrctDbtTxInf/" + each) != txs)
      problems.push_back(std::string("a transaction lacks ") + each);
  if (static_cast<int>(number(root + "/p:GrpHdr/p:NbOfTxs")) != txs)
    problems.push_back("GrpHdr/NbOfTxs differs from the transactions");
  double sum = number("sum(" + root + "/p:PmtInf/p:DrctDbtTxInf/p:InstdAmt)");
  double ctrl = number(root + "/p:GrpHdr/p:CtrlSum");
  if (std::llround(sum * 100) != std::llround(ctrl * 100))
    problems.push_back("GrpHdr/CtrlSum differs from the sum of the amounts");
  return problems;
}

const std::vector<RejectReason>& rejectReasons() {
  static const std::vector<RejectReason> kReasons = {
      {"AM04", "Provision insuffisante", true},
      {"MS03", "Raison non communiquée par la banque", true},
      {"FF01", "Format de l'opération invalide", true},
      {"AC01", "IBAN du débiteur incorrect", false},
      {"AC04", "Compte clôturé", false},
      {"AC06", "Compte bloqué", false},
      {"AG01", "Opération interdite sur ce compte", false},
      {"AG02", "Code opération incorrect", false},
      {"AM05", "Opération en double", false},
      {"BE05", "Créancier non reconnu", false},
      {"MD01", "Pas de mandat valide", false},
      {"MD02", "Données du mandat manquantes ou incorrectes", false},
      {"MD07", "Débiteur décédé", false},
      {"MS02", "Refus du débiteur", false},
      {"RC01", "BIC incorrect", false},
      {"RR01", "Raison réglementaire : identification du débiteur", false},
      {"SL01", "Service spécifique de la banque du débiteur", false},
  };
  return kReasons;
}

const RejectReason* rejectReason(const std::string& code) {
  for (const auto& r : rejectReasons())
    if (code == r.code) return &r;
  return nullptr;
}

std::string sequenceType(const std::vector<DirectDebitRecord>& history, Id familyId,
                         const std::string& mandateReference) {
  for (const auto& d : history)
    if (d.familyId == familyId && d.mandateReference == mandateReference && d.live()) return "RCUR";
  return "FRST";
}

DirectDebitBatch directDebitBatch(FacturationStore& store, const TenantProfile& creditor,
                                  const std::string& month, const std::string& collectionDate,
                                  const std::string& createdAt, const std::string& messageId) {
  DirectDebitBatch b;
  b.messageId = messageId;
  b.createdAt = createdAt;
  b.collectionDate = collectionDate;
  b.creditorName = creditor.legalName;
  b.creditorIban = creditor.iban;
  b.creditorBic = creditor.bic;
  b.creditorId = creditor.sepaCreditorId;
  std::map<Id, Family> families;
  for (auto& f : store.families()) families[f.id] = f;
  const auto history = store.debitHistory();
  std::map<Id, std::vector<const DirectDebitRecord*>> byInvoice;
  for (const auto& d : history) byInvoice[d.invoiceId].push_back(&d);
  // The month's invoices, and earlier ones whose last presentation was rejected: a file
  // never reads the tenant's whole invoice history (ordered by id, as before).
  std::map<Id, Invoice> candidates;
  for (auto& inv : store.invoices(month, std::nullopt)) candidates.emplace(inv.id, std::move(inv));
  for (const auto& [id, earlier] : byInvoice) {
    if (earlier.back()->live() || candidates.count(id)) continue;
    if (auto inv = store.invoice(id)) candidates.emplace(id, std::move(*inv));
  }
  for (const auto& [id, inv] : candidates) {
    if (inv.typeCode != "380") continue;
    const auto& earlier = byInvoice[inv.id];
    if (earlier.empty() ? inv.month != month : earlier.back()->live()) continue;
    if (!earlier.empty()) {  // rejected: again only when the reason allows it
      const RejectReason* why = rejectReason(earlier.back()->reasonCode);
      if (!why || !why->representable) continue;
    }
    const Family& f = families.at(inv.familyId);
    if (f.mandateReference.empty() || f.iban.empty()) continue;
    Cents due = store.due(inv).due();
    if (due <= 0) continue;
    DirectDebit d{inv.id,
                  inv.number,
                  sequenceType(history, f.id, f.mandateReference),
                  due,
                  f.mandateReference,
                  f.mandateDate,
                  f.payerName,
                  f.iban,
                  f.bic,
                  "Facture " + inv.number + " " + monthLabel(inv.month)};
    if (!earlier.empty()) d.endToEndId += "-" + std::to_string(earlier.size() + 1);
    b.debits.push_back(std::move(d));
  }
  return b;
}

}  // namespace parc::modules::facturation
