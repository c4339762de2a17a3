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
  std::string endToEndId;  // the invoice number
  Cents amount = 0;
  std::string mandateReference, mandateDate;
  std::string debtorName, debtorIban, debtorBic;  // BIC may be empty (IBAN-only)
  std::string remittance;                         // "Facture FAC-2026-000001 mars 2026"
};

struct DirectDebitBatch {
  std::string messageId;       // unique per file, ≤ 35
  std::string createdAt;       // ISO date-time, "2026-04-02T10:00:00"
  std::string collectionDate;  // YYYY-MM-DD
  std::string sequenceType = "RCUR";
  std::string creditorName, creditorIban, creditorBic, creditorId;
  std::vector<DirectDebit> debits;
};

/// The pain.008.001.02 document; kBadRequest when the batch is empty or incomplete.
std::string writePain008(const DirectDebitBatch& batch);

/// A name or text in the SEPA character set (EPC Latin subset): accented letters lose
/// their accent ("François" → "Francois", "Œ" → "OE"), other characters become spaces;
/// at most `max` characters.
std::string sepaText(const std::string& utf8, size_t max);

/// Problems found in a pain.008.001.02 document (empty: well-formed, required elements
/// present, NbOfTxs and CtrlSum equal to the transactions).
std::vector<std::string> checkPain008(const std::string& xml);

/// The batch of the still-due invoices of families with a mandate, for one month,
/// leaving out invoices already presented in an earlier file (FacturationStore::
/// presentedForDebit): a family is never debited twice for one invoice.
DirectDebitBatch directDebitBatch(FacturationStore& store, const TenantProfile& creditor,
                                  const std::string& month, const std::string& collectionDate,
                                  const std::string& createdAt, const std::string& messageId);

}  // namespace parc::modules::facturation
