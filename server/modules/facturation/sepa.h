#pragma once
// SEPA direct debit (SDD Core) initiation, ISO 20022 pain.008.001.02, for the invoices
// of families that signed a mandate. No XSD of pain.008 is stored in this repository:
// checkPain008() verifies the structure and the control totals the bank checks first.
#include <string>
#include <vector>

#include "server/modules/facturation/store.h"

namespace parc::modules::facturation {

struct DirectDebit {
  Id invoiceId = 0;
  std::string endToEndId;             // the invoice number, "-2", "-3"… when presented again
  std::string sequenceType = "RCUR";  // FRST: first debit of the mandate (sequenceType())
  Cents amount = 0;
  std::string mandateReference, mandateDate;
  std::string debtorName, debtorIban, debtorBic;  // BIC may be empty (IBAN-only)
  std::string remittance;                         // "Facture FAC-2026-000001 mars 2026"
};

struct DirectDebitBatch {
  std::string messageId;       // unique per file, ≤ 35
  std::string createdAt;       // ISO date-time, "2026-04-02T10:00:00"
  std::string collectionDate;  // YYYY-MM-DD
  std::string creditorName, creditorIban, creditorBic, creditorId;
  std::vector<DirectDebit> debits;
};

/// The pain.008.001.02 document, one payment information block per sequence type (FRST
/// first, then RCUR); kBadRequest when the batch is empty or incomplete.
std::string writePain008(const DirectDebitBatch& batch);

/// A name or text in the SEPA character set (EPC Latin subset): accented letters lose
/// their accent ("François" → "Francois", "Œ" → "OE"), other characters become spaces;
/// at most `max` characters.
std::string sepaText(const std::string& utf8, size_t max);

/// Problems found in a pain.008.001.02 document (empty: well-formed, required elements
/// present, NbOfTxs and CtrlSum equal to the transactions).
std::vector<std::string> checkPain008(const std::string& xml);

/// An R-transaction reason code the bank may return for a debit (ISO 20022 / EPC), with
/// its French label and whether the debit may be presented again (insufficient funds,
/// unspecified reason) or must be collected by other means (closed account, no mandate…).
struct RejectReason {
  const char* code;
  const char* label;
  bool representable;
};
const std::vector<RejectReason>& rejectReasons();
const RejectReason* rejectReason(const std::string& code);  // nullptr when unknown

/// The sequence type of a new debit under a mandate, given the earlier presentations:
/// FRST while none of the mandate's debits was presented and not rejected (a rejected
/// first debit is presented again as FRST), RCUR afterwards.
std::string sequenceType(const std::vector<DirectDebitRecord>& history, Id familyId,
                         const std::string& mandateReference);

/// The batch of the still-due invoices of families with a mandate: the month's invoices
/// never presented, and invoices of any month whose last presentation was rejected for
/// a reason that allows presenting them again. An invoice presented and not rejected is
/// left out (FacturationStore::presentedForDebit): a family is never debited twice.
DirectDebitBatch directDebitBatch(FacturationStore& store, const TenantProfile& creditor,
                                  const std::string& month, const std::string& collectionDate,
                                  const std::string& createdAt, const std::string& messageId);

}  // namespace parc::modules::facturation
