// SEPA direct debits after the file (FacturationStore, store.h): what each file presented,
// the bank's answer (collected → payments, rejected → reason code, presented again when the
// reason allows it), and refunds of what a family paid beyond what it owed.
#include <map>
#include <set>

#include "common/error.h"
#include "server/modules/facturation/sepa.h"
#include "server/modules/facturation/store.h"

namespace parc::modules::facturation {

namespace {

constexpr const char* kDebitColumns =
    "d.id, d.invoice_id, d.file_id, i.family_id, i.number, d.amount_cents, d.end_to_end_id, "
    "d.mandate_reference, d.sequence_type, d.status, d.reason_code, COALESCE(d.settled_on, '') "
    "FROM mod_facturation_sepa_debits d JOIN mod_facturation_invoices i ON i.id = d.invoice_id ";

DirectDebitRecord readDebit(sqlite::Statement& q) {
  DirectDebitRecord d;
  d.id = q.int64(0);
  d.invoiceId = q.int64(1);
  d.fileId = q.int64(2);
  d.familyId = q.int64(3);
  d.invoiceNumber = q.text(4);
  d.amount = q.int64(5);
  d.endToEndId = q.text(6);
  d.mandateReference = q.text(7);
  d.sequenceType = q.text(8);
  d.status = q.text(9);
  d.reasonCode = q.text(10);
  d.settledOn = q.text(11);
  return d;
}

}  // namespace

std::vector<DirectDebitRecord> FacturationStore::debitHistory() {
  sqlite::Statement q(
      db_, std::string("SELECT ") + kDebitColumns + "WHERE i.tenant_id = ? ORDER BY d.id");
  q.bind(1, tenant_);
  std::vector<DirectDebitRecord> out;
  while (q.step()) out.push_back(readDebit(q));
  return out;
}

std::set<Id> FacturationStore::presentedForDebit() {
  std::set<Id> out;
  for (const auto& d : debitHistory())
    if (d.live()) out.insert(d.invoiceId);
  return out;
}

Id FacturationStore::recordDirectDebitFile(const std::string& messageId, const std::string& month,
                                           const std::string& collectionDate,
                                           const std::vector<Presentation>& debits,
                                           const std::string& xml, const std::string& actor,
                                           std::int64_t now) {
  sqlite::Transaction tx(db_);  // BEGIN IMMEDIATE: two generations cannot both record
  std::map<Id, DirectDebitRecord> last;
  for (auto& d : debitHistory()) last[d.invoiceId] = d;
  for (const auto& p : debits) {
    auto inv = invoice(p.invoiceId);
    if (!inv) throw Error(ErrorKind::kNotFound, "no such invoice");
    auto it = last.find(p.invoiceId);
    if (it == last.end()) continue;
    if (it->second.live())
      throw Error(ErrorKind::kConflict, "la facture " + inv->number +
                                            " a déjà été présentée au prélèvement dans un "
                                            "autre fichier : ce fichier n'est pas émis");
    const RejectReason* why = rejectReason(it->second.reasonCode);
    if (!why || !why->representable)
      throw Error(ErrorKind::kConflict, "le prélèvement de la facture " + inv->number +
                                            " a été rejeté (" + it->second.reasonCode +
                                            ") : il ne peut pas être présenté à nouveau");
  }
  sqlite::Statement f(db_,
                      "INSERT INTO mod_facturation_sepa_files (tenant_id, message_id, month, "
                      "collection_date, created_by, created_at, xml) VALUES (?,?,?,?,?,?,?)");
  f.bind(1, tenant_).bind(2, messageId).bind(3, month).bind(4, collectionDate);
  f.bind(5, actor).bind(6, now).bind(7, xml).run();
  Id fileId = db_.lastInsertId();
  for (const auto& p : debits) {
    sqlite::Statement d(db_,
                        "INSERT INTO mod_facturation_sepa_debits (invoice_id, file_id, "
                        "amount_cents, end_to_end_id, mandate_reference, sequence_type) "
                        "VALUES (?,?,?,?,?,?)");
    d.bind(1, p.invoiceId).bind(2, fileId).bind(3, p.amount).bind(4, p.endToEndId);
    d.bind(5, p.mandateReference).bind(6, p.sequenceType).run();
  }
  tx.commit();
  return fileId;
}

std::vector<DirectDebitFile> FacturationStore::directDebitFiles() {
  sqlite::Statement q(db_,
                      "SELECT id, message_id, month, collection_date, created_by, created_at FROM "
                      "mod_facturation_sepa_files WHERE tenant_id = ? ORDER BY id DESC");
  q.bind(1, tenant_);
  std::vector<DirectDebitFile> out;
  std::map<Id, size_t> index;
  while (q.step()) {
    index[q.int64(0)] = out.size();
    out.push_back({q.int64(0), q.text(1), q.text(2), q.text(3), q.text(4), q.int64(5), {}});
  }
  for (auto& d : debitHistory()) {
    auto it = index.find(d.fileId);
    if (it != index.end()) out[it->second].debits.push_back(std::move(d));
  }
  return out;
}

std::int64_t FacturationStore::directDebitFileCount() {
  sqlite::Statement q(db_, "SELECT COUNT(*) FROM mod_facturation_sepa_files WHERE tenant_id = ?");
  q.bind(1, tenant_);
  q.step();
  return q.int64(0);
}

std::optional<std::pair<std::string, std::string>> FacturationStore::directDebitFileXml(Id fileId) {
  sqlite::Statement q(db_,
                      "SELECT month, xml FROM mod_facturation_sepa_files WHERE id = ? AND "
                      "tenant_id = ?");
  q.bind(1, fileId).bind(2, tenant_);
  if (!q.step()) return std::nullopt;
  return std::make_pair(q.text(0), q.text(1));
}

Settlement FacturationStore::settleDirectDebitFile(Id fileId, const std::string& settledOn,
                                                   const std::vector<Rejection>& rejections,
                                                   const std::string& actor, std::int64_t now) {
  requireDate(settledOn, "settled_on");
  sqlite::Transaction tx(db_);
  sqlite::Statement fq(db_,
                       "SELECT message_id FROM mod_facturation_sepa_files WHERE id = ? AND "
                       "tenant_id = ?");
  fq.bind(1, fileId).bind(2, tenant_);
  if (!fq.step()) throw Error(ErrorKind::kNotFound, "no such direct-debit file");
  const std::string messageId = fq.text(0);
  std::map<Id, DirectDebitRecord> awaiting;  // by invoice
  for (auto& d : debitHistory())
    if (d.fileId == fileId && d.status == "presented") awaiting[d.invoiceId] = d;
  if (awaiting.empty())
    throw Error(ErrorKind::kConflict,
                "ce fichier de prélèvements est déjà soldé : chaque prélèvement a été "
                "encaissé ou rejeté");
  std::map<Id, std::string> rejected;
  for (const auto& r : rejections) {
    if (!rejectReason(r.reasonCode))
      throw Error(ErrorKind::kBadRequest, "code de rejet inconnu : '" + r.reasonCode +
                                              "' (codes ISO 20022 : AM04, AC04, MD01…)");
    if (!awaiting.count(r.invoiceId))
      throw Error(ErrorKind::kBadRequest, "la facture " + std::to_string(r.invoiceId) +
                                              " n'attend pas de réponse de la banque dans ce "
                                              "fichier");
    if (!rejected.emplace(r.invoiceId, r.reasonCode).second)
      throw Error(ErrorKind::kBadRequest, "une facture est rejetée deux fois");
  }
  Settlement out;
  for (const auto& [invoiceId, d] : awaiting) {
    auto rj = rejected.find(invoiceId);
    if (rj != rejected.end()) {
      sqlite::Statement u(db_,
                          "UPDATE mod_facturation_sepa_debits SET status = 'rejected', "
                          "reason_code = ?, settled_on = ?, settled_by = ? WHERE id = ?");
      u.bind(1, rj->second).bind(2, settledOn).bind(3, actor).bind(4, d.id).run();
      ++out.rejected;
      continue;
    }
    // Collected: a payment on the invoice for what it still owes, the rest (a credit note
    // or another payment came meanwhile) as the family's credit, to refund.
    auto inv = invoice(invoiceId);
    Cents owed = std::max<Cents>(0, due(*inv).due());
    Cents onInvoice = std::min(owed, d.amount);
    const std::string reference = "SEPA " + messageId + " " + d.endToEndId;
    std::optional<Id> paymentId;
    for (auto [amount, target] : {std::pair<Cents, std::optional<Id>>{onInvoice, invoiceId},
                                  {d.amount - onInvoice, std::nullopt}}) {
      if (amount <= 0) continue;
      Payment p{0, d.familyId, target, settledOn, amount, "sepa_direct_debit", reference, actor};
      p.id = insertPayment(p, now);
      if (!paymentId) paymentId = p.id;
      out.payments.push_back(p);
    }
    sqlite::Statement u(db_,
                        "UPDATE mod_facturation_sepa_debits SET status = 'collected', "
                        "settled_on = ?, settled_by = ?, payment_id = ? WHERE id = ?");
    u.bind(1, settledOn).bind(2, actor).bind(3, paymentId).bind(4, d.id).run();
    ++out.collected;
    out.collectedAmount += d.amount;
  }
  tx.commit();
  return out;
}

Refund FacturationStore::recordRefund(const Refund& r, std::int64_t now) {
  static const std::set<std::string> kMethods = {"cash", "cheque", "transfer"};
  if (!kMethods.count(r.method))
    throw Error(ErrorKind::kBadRequest, "method must be cash, cheque or transfer");
  requireDate(r.refundedOn, "refunded_on");
  if (r.amount <= 0 || r.amount > 100000000)
    throw Error(ErrorKind::kBadRequest, "amount must be positive");
  if (r.reason.empty() || r.reason.size() > 500)
    throw Error(ErrorKind::kBadRequest, "a refund needs a reason (at most 500 characters)");
  if (r.reference.size() > 140) throw Error(ErrorKind::kBadRequest, "reference is too long");
  sqlite::Transaction tx(db_);
  if (!family(r.familyId)) throw Error(ErrorKind::kBadRequest, "no such family");
  Cents credit = 0;
  for (const auto& b : balances(r.familyId)) credit = -b.due();
  if (r.amount > credit)
    throw Error(ErrorKind::kConflict, "le remboursement dépasse le trop-perçu de la famille (" +
                                          formatCents(std::max<Cents>(credit, 0)) + " EUR)");
  sqlite::Statement q(db_,
                      "INSERT INTO mod_facturation_refunds (tenant_id, family_id, refunded_on, "
                      "amount_cents, method, reason, reference, recorded_by, created_at) "
                      "VALUES (?,?,?,?,?,?,?,?,?)");
  q.bind(1, tenant_).bind(2, r.familyId).bind(3, r.refundedOn).bind(4, r.amount);
  q.bind(5, r.method).bind(6, r.reason).bind(7, r.reference).bind(8, r.recordedBy);
  q.bind(9, now).run();
  Refund out = r;
  out.id = db_.lastInsertId();
  tx.commit();
  return out;
}

std::vector<Refund> FacturationStore::refunds(std::optional<Id> familyId) {
  sqlite::Statement q(db_,
                      "SELECT id, family_id, refunded_on, amount_cents, method, reason, "
                      "reference, recorded_by FROM mod_facturation_refunds WHERE tenant_id = ? "
                      "AND (? IS NULL OR family_id = ?) ORDER BY refunded_on, id");
  q.bind(1, tenant_).bind(2, familyId).bind(3, familyId);
  std::vector<Refund> out;
  while (q.step())
    out.push_back({q.int64(0), q.int64(1), q.text(2), q.int64(3), q.text(4), q.text(5), q.text(6),
                   q.text(7)});
  return out;
}

Json toJson(const DirectDebitRecord& d) {
  const RejectReason* why = d.reasonCode.empty() ? nullptr : rejectReason(d.reasonCode);
  return Json{{"id", d.id},
              {"invoice_id", d.invoiceId},
              {"invoice_number", d.invoiceNumber},
              {"family_id", d.familyId},
              {"amount", formatCents(d.amount)},
              {"end_to_end_id", d.endToEndId},
              {"mandate_reference", d.mandateReference},
              {"sequence_type", d.sequenceType},
              {"status", d.status},
              {"reason_code", d.reasonCode},
              {"reason_label", why ? why->label : ""},
              {"representable", why ? Json(why->representable) : Json()},
              {"settled_on", d.settledOn}};
}

Json toJson(const DirectDebitFile& f) {
  Json debits = Json::array();
  Cents total = 0;
  bool awaiting = false;
  for (const auto& d : f.debits) {
    debits.push_back(toJson(d));
    total += d.amount;
    awaiting = awaiting || d.status == "presented";
  }
  return Json{{"id", f.id},
              {"message_id", f.messageId},
              {"month", f.month},
              {"collection_date", f.collectionDate},
              {"created_by", f.createdBy},
              {"created_at", f.createdAt},
              {"total", formatCents(total)},
              {"awaiting_answer", awaiting},
              {"debits", debits}};
}

Json toJson(const Refund& r) {
  return Json{{"id", r.id},
              {"family_id", r.familyId},
              {"refunded_on", r.refundedOn},
              {"amount", formatCents(r.amount)},
              {"method", r.method},
              {"reason", r.reason},
              {"reference", r.reference},
              {"recorded_by", r.recordedBy}};
}

}  // namespace parc::modules::facturation
