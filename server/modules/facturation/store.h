#pragma once
// The facturation module's rows in the main SQLite store, always for one tenant: a
// FacturationStore is built on a connection and a tenant id, and every query carries it.
// Writes that must be all-or-nothing (attendance imports, billing runs, credit notes) run
// in one BEGIN IMMEDIATE transaction.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "common/sqlite/database.h"
#include "server/modules/facturation/domain.h"
#include "server/modules/module_host.h"

namespace parc::modules::facturation {

struct InvoiceLine {
  int position = 0;
  DraftLine line;
  std::optional<int> creditedPosition;  // credit notes: the corrected invoice's line
};

/// An issued invoice (380) or credit note (381), as frozen at issue.
struct Invoice {
  Id id = 0;
  std::string number;
  std::string typeCode;  // 380, 381
  Id familyId = 0;
  std::optional<Id> runId;
  std::string month;
  std::string issueDate, dueDate;
  std::optional<Id> precedingId;
  std::string precedingNumber, precedingDate;
  Json payer;   // {name, address_line1, …, email, mandate_reference, iban, bic}
  Json seller;  // the tenant profile and commune as issued
  std::vector<std::string> notes;
  Cents totalLines = 0, totalTax = 0, total = 0;
  std::vector<VatLine> vat;  // BG-23 as issued; empty for documents from before it was kept
  std::string issuedBy;
  std::int64_t createdAt = 0;
  std::vector<InvoiceLine> lines;
};

struct Payment {
  Id id = 0;
  Id familyId = 0;
  std::optional<Id> invoiceId;
  std::string paidOn;
  Cents amount = 0;
  std::string method;  // cash, cheque, card, sepa_direct_debit, transfer
  std::string reference;
  std::string recordedBy;
};

struct Balance {
  Id familyId = 0;
  std::string payerName;
  Cents invoiced = 0;  // Σ invoices
  Cents credited = 0;  // Σ credit notes
  Cents paid = 0;      // Σ payments
  Cents refunded = 0;  // Σ refunds of overpayments
  Cents due() const { return invoiced - credited - paid + refunded; }
};

/// What an invoice still owes: total − credit notes on it − payments on it.
struct InvoiceDue {
  Invoice invoice;
  Cents credited = 0, paid = 0;
  Cents due() const { return invoice.total - credited - paid; }
};

/// One presentation of an invoice in a SEPA direct-debit file and what became of it.
struct DirectDebitRecord {
  Id id = 0;
  Id invoiceId = 0;
  Id fileId = 0;
  Id familyId = 0;
  std::string invoiceNumber;
  Cents amount = 0;
  std::string endToEndId, mandateReference;
  std::string sequenceType;  // FRST, RCUR
  std::string status;        // presented, collected, rejected
  std::string reasonCode;    // rejected: the bank's ISO 20022 reason (AM04, AC04, …)
  std::string settledOn;
  bool live() const { return status != "rejected"; }
};

/// A recorded pain.008 file and its debits.
struct DirectDebitFile {
  Id id = 0;
  std::string messageId, month, collectionDate, createdBy;
  std::int64_t createdAt = 0;
  std::vector<DirectDebitRecord> debits;
};

/// What a new file presents for one invoice (recordDirectDebitFile).
struct Presentation {
  Id invoiceId = 0;
  Cents amount = 0;
  std::string endToEndId, mandateReference, sequenceType;
};

/// A debit the bank did not collect: the invoice and the R-transaction reason code.
struct Rejection {
  Id invoiceId = 0;
  std::string reasonCode;
};

struct Settlement {
  int collected = 0, rejected = 0;
  Cents collectedAmount = 0;
  std::vector<Payment> payments;  // one per collected debit, plus any excess as family credit
};

/// Money given back to a family that paid more than it owed.
struct Refund {
  Id id = 0;
  Id familyId = 0;
  std::string refundedOn;
  Cents amount = 0;
  std::string method;  // cash, cheque, transfer
  std::string reason, reference, recordedBy;
};

struct RunResult {
  Id runId = 0;
  std::vector<Invoice> invoices;
};

/// One credit-note line: the invoice line it corrects and how much of its quantity.
struct CreditLine {
  int position = 0;
  QuantityE3 quantity = 0;
};

struct ImportError {
  int line = 0;  // 1-based line of the CSV file
  std::string message;
};

class FacturationStore {
 public:
  FacturationStore(sqlite::Database& db, Id tenantId) : db_(db), tenant_(tenantId) {}

  Service saveService(const Service& s);  // id 0: create
  std::vector<Service> services();
  Price addPrice(const Price& p);
  void deletePrice(Id id);
  std::vector<Price> prices();

  Family saveFamily(const Family& f, std::int64_t now);  // id 0: create
  std::optional<Family> family(Id id);
  std::vector<Family> families();
  void setQuotient(Id familyId, const std::string& validFrom, std::int64_t quotient);
  Child saveChild(const Child& c);
  std::vector<Child> children();

  /// Writes every entry or none (kBadRequest naming the first bad one). A presence of
  /// nullopt removes the day.
  struct DayEntry {
    Attendance day;
    bool remove = false;
  };
  void setAttendance(const std::vector<DayEntry>& entries);
  std::vector<Attendance> attendance(const std::string& month);
  /// CSV "date;child_id;service;presence[;quantity]" (header line optional; service by
  /// code). All lines valid: everything written and the count returned; otherwise nothing
  /// written and one error per bad line.
  std::vector<ImportError> importAttendanceCsv(const std::string& csv, int* written);

  BillingInput billingInput(const std::string& month);
  /// The drafts of the month for families not yet invoiced for it (nothing numbered).
  std::vector<DraftInvoice> preview(const std::string& month);
  /// Numbers and freezes the month's invoices in one transaction. kConflict when some day
  /// cannot be priced, when nothing is left to bill, or when the issue date is before the
  /// last one of the series (numbers follow dates).
  RunResult issueRun(const std::string& month, const std::string& issueDate,
                     const TenantProfile& seller, const std::string& communeName,
                     const std::string& actor, std::int64_t now);
  /// A credit note (381) on an issued invoice: the given lines (all when empty), never
  /// more than what is still uncredited on each line.
  Invoice issueCreditNote(Id invoiceId, const std::vector<CreditLine>& lines,
                          const std::string& reason, const std::string& issueDate,
                          const std::string& actor, std::int64_t now);

  std::optional<Invoice> invoice(Id id);
  std::vector<Invoice> invoices(const std::string& month, std::optional<Id> familyId);
  InvoiceDue due(const Invoice& inv);

  Payment recordPayment(const Payment& p, std::int64_t now);
  std::vector<Payment> payments(std::optional<Id> familyId);
  /// Every family's balance, or one family's.
  std::vector<Balance> balances(std::optional<Id> familyId = std::nullopt);
  /// Invoices past their due date on `today` that still owe something.
  std::vector<InvoiceDue> overdue(const std::string& today);

  // SEPA direct debits (store_debits.cpp).
  /// Invoices with a presentation not rejected (presented or collected): never presented
  /// again.
  std::set<Id> presentedForDebit();
  /// Every presentation of the tenant's invoices, oldest first.
  std::vector<DirectDebitRecord> debitHistory();
  /// Records a generated pain.008 file and what it presents, all or nothing; kConflict,
  /// nothing recorded, when an invoice was presented meanwhile, or its last rejection does
  /// not allow presenting it again.
  Id recordDirectDebitFile(const std::string& messageId, const std::string& month,
                           const std::string& collectionDate,
                           const std::vector<Presentation>& debits, const std::string& xml,
                           const std::string& actor, std::int64_t now);
  std::vector<DirectDebitFile> directDebitFiles();
  /// How many files the tenant has recorded (the next file's number less one).
  std::int64_t directDebitFileCount();
  /// The pain.008 document of a recorded file, as it was handed out (nullopt: not ours).
  std::optional<std::pair<std::string, std::string>> directDebitFileXml(Id fileId);
  /// The bank's answer for a file, in one transaction: the listed debits are rejected
  /// (reason code), every other debit still presented is collected and becomes a payment
  /// (sepa_direct_debit) on its invoice — what exceeds what the invoice still owes (a
  /// credit note or a cheque meanwhile) becomes family credit, to refund. kConflict when
  /// nothing of the file is still awaiting an answer; kBadRequest (nothing changed) for an
  /// unknown reason code or an invoice not awaiting an answer in this file.
  Settlement settleDirectDebitFile(Id fileId, const std::string& settledOn,
                                   const std::vector<Rejection>& rejections,
                                   const std::string& actor, std::int64_t now);

  /// A refund of an overpayment: kConflict when it exceeds the family's credit.
  Refund recordRefund(const Refund& r, std::int64_t now);
  std::vector<Refund> refunds(std::optional<Id> familyId);

  std::optional<std::pair<std::string, std::vector<std::uint8_t>>> document(Id invoiceId);
  void storeDocument(Id invoiceId, const std::string& xml, const std::vector<std::uint8_t>& pdf);

 private:
  std::vector<Family> familiesWhere(std::optional<Id> only);  // all when nullopt
  std::string nextNumber(const std::string& series, const std::string& issueDate);
  Id insertInvoice(const Invoice& inv);
  /// VAT given back by the credit notes already issued on an invoice.
  std::vector<VatLine> creditedVat(Id invoiceId);
  void loadLines(Invoice& inv);
  Invoice readInvoice(sqlite::Statement& q);
  /// Inserts a payment row (inside the caller's transaction; no checks).
  Id insertPayment(const Payment& p, std::int64_t now);

  sqlite::Database& db_;
  Id tenant_;
};

/// The mandatory mentions of an "avis des sommes à payer" (CGCT L1617-5) as invoice notes.
std::vector<std::string> mandatoryNotes(const TenantProfile& seller, const std::string& month,
                                        const Family& family);
/// The text of a reminder letter for overdue invoices of one family.
std::string reminderText(const TenantProfile& seller, const std::string& payerName,
                         const std::vector<InvoiceDue>& overdue, const std::string& today);

Json toJson(const Service& s);
Json toJson(const Price& p);
Json toJson(const Family& f);
Json toJson(const Child& c);
Json toJson(const Attendance& a);
Json toJson(const DraftInvoice& d);
Json toJson(const Invoice& i);
Json toJson(const Payment& p);
Json toJson(const Balance& b);
Json toJson(const DirectDebitRecord& d);
Json toJson(const DirectDebitFile& f);
Json toJson(const Refund& r);

}  // namespace parc::modules::facturation
