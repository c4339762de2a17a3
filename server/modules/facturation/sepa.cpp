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

// SEPA names: at most 70 characters of the Latin subset; others become spaces.
std::string sepaText(const std::string& s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < max; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // a multibyte UTF-8 character: one letter without its accent
      while (i + 1 < s.size() && (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80) ++i;
      out += 'e';
      continue;
    }
    out += std::isalnum(c) ||
                   std::string("/-?:().,'+ ").find(static_cast<char>(c)) != std::string::npos
               ? static_cast<char>(c)
               : ' ';
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

}  // namespace

std::string writePain008(const DirectDebitBatch& b) {
  if (b.debits.empty()) throw Error(ErrorKind::kBadRequest, "no direct debit to collect");
  if (b.creditorIban.empty() || b.creditorId.empty() || b.creditorName.empty())
    throw Error(ErrorKind::kBadRequest,
                "the tenant profile needs the town hall's IBAN and SEPA creditor identifier");
  Cents sum = 0;
  for (const auto& d : b.debits) sum += d.amount;
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"" +
                  std::string(kNs) + "\">\n<CstmrDrctDbtInitn>\n";
  x += "<GrpHdr><MsgId>" + esc(b.messageId) + "</MsgId><CreDtTm>" + esc(b.createdAt) +
       "</CreDtTm><NbOfTxs>" + std::to_string(b.debits.size()) + "</NbOfTxs><CtrlSum>" +
       formatCents(sum) + "</CtrlSum><InitgPty><Nm>" + esc(sepaText(b.creditorName, 70)) +
       "</Nm></InitgPty></GrpHdr>\n";
  x += "<PmtInf><PmtInfId>" + esc(b.messageId) + "-1</PmtInfId><PmtMtd>DD</PmtMtd><NbOfTxs>" +
       std::to_string(b.debits.size()) + "</NbOfTxs><CtrlSum>" + formatCents(sum) +
       "</CtrlSum><PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl><LclInstrm><Cd>CORE</Cd></LclInstrm>"
       "<SeqTp>" +
       esc(b.sequenceType) + "</SeqTp></PmtTpInf><ReqdColltnDt>" + esc(b.collectionDate) +
       "</ReqdColltnDt><Cdtr><Nm>" + esc(sepaText(b.creditorName, 70)) +
       "</Nm></Cdtr><CdtrAcct><Id><IBAN>" + esc(b.creditorIban) +
       "</IBAN></Id></CdtrAcct><CdtrAgt>" + agent(b.creditorBic) +
       "</CdtrAgt><ChrgBr>SLEV</ChrgBr><CdtrSchmeId><Id><PrvtId><Othr><Id>" + esc(b.creditorId) +
       "</Id><SchmeNm><Prtry>SEPA</Prtry></SchmeNm></Othr></PrvtId></Id></CdtrSchmeId>\n";
  for (const auto& d : b.debits) {
    x += "<DrctDbtTxInf><PmtId><EndToEndId>" + esc(d.endToEndId) +
         "</EndToEndId></PmtId><InstdAmt Ccy=\"EUR\">" + formatCents(d.amount) +
         "</InstdAmt><DrctDbtTx><MndtRltdInf><MndtId>" + esc(d.mandateReference) +
         "</MndtId><DtOfSgntr>" + esc(d.mandateDate) +
         "</DtOfSgntr></MndtRltdInf></DrctDbtTx><DbtrAgt>" + agent(d.debtorBic) +
         "</DbtrAgt><Dbtr><Nm>" + esc(sepaText(d.debtorName, 70)) +
         "</Nm></Dbtr><DbtrAcct><Id><IBAN>" + esc(d.debtorIban) +
         "</IBAN></Id></DbtrAcct><RmtInf><Ustrd>" + esc(sepaText(d.remittance, 140)) +
         "</Ustrd></RmtInf></DrctDbtTxInf>\n";
  }
  x += "</PmtInf>\n</CstmrDrctDbtInitn>\n</Document>\n";
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
       {"/p:GrpHdr/p:MsgId", "/p:GrpHdr/p:CreDtTm", "/p:GrpHdr/p:NbOfTxs", "/p:GrpHdr/p:InitgPty",
        "/p:PmtInf/p:PmtInfId", "/p:PmtInf/p:PmtMtd[.='DD']", "/p:PmtInf/p:PmtTpInf/p:SeqTp",
        "/p:PmtInf/p:ReqdColltnDt", "/p:PmtInf/p:Cdtr/p:Nm", "/p:PmtInf/p:CdtrAcct/p:Id/p:IBAN",
        "/p:PmtInf/p:CdtrAgt/p:FinInstnId", "/p:PmtInf/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id"})
    if (count(root + required) != 1) problems.push_back(std::string("missing ") + required);
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
  for (const auto& inv : store.invoices(month, std::nullopt)) {
    if (inv.typeCode != "380") continue;
    const Family& f = families.at(inv.familyId);
    if (f.mandateReference.empty() || f.iban.empty()) continue;
    Cents due = store.due(inv).due();
    if (due <= 0) continue;
    b.debits.push_back({inv.number, due, f.mandateReference, f.mandateDate, f.payerName, f.iban,
                        f.bic, "Facture " + inv.number + " " + monthLabel(inv.month)});
  }
  return b;
}

}  // namespace parc::modules::facturation
