// The facturation module's tables, numbered from 1 in its own sequence (mod_schema).
// Every table is prefixed mod_facturation_ and carries tenant_id (or hangs off a row that does).
#include "server/modules/facturation/module.h"

namespace parc::modules::facturation {

const std::vector<sqlite::Migration>& migrations() {
  static const std::vector<sqlite::Migration> kMigrations = {
      {1, R"sql(
CREATE TABLE mod_facturation_services (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  unit_code TEXT NOT NULL DEFAULT 'C62',
  vat_category TEXT NOT NULL DEFAULT 'E',
  vat_rate INTEGER NOT NULL DEFAULT 0,
  bill_unjustified INTEGER NOT NULL DEFAULT 1,
  active INTEGER NOT NULL DEFAULT 1,
  UNIQUE (tenant_id, code)
);
-- The price grid: per service, validity period and quotient-familial bracket.
CREATE TABLE mod_facturation_prices (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  service_id INTEGER NOT NULL REFERENCES mod_facturation_services(id),
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL DEFAULT '',
  qf_min INTEGER NOT NULL,
  qf_max INTEGER,
  unit_price_e4 INTEGER NOT NULL CHECK (unit_price_e4 >= 0)
);
CREATE INDEX mod_facturation_prices_service ON mod_facturation_prices(service_id);
CREATE TABLE mod_facturation_families (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  payer_name TEXT NOT NULL,
  address_line1 TEXT NOT NULL DEFAULT '',
  address_line2 TEXT NOT NULL DEFAULT '',
  postcode TEXT NOT NULL DEFAULT '',
  city TEXT NOT NULL DEFAULT '',
  country_code TEXT NOT NULL DEFAULT 'FR',
  email TEXT NOT NULL DEFAULT '',
  mandate_reference TEXT NOT NULL DEFAULT '',
  mandate_date TEXT NOT NULL DEFAULT '',
  iban TEXT NOT NULL DEFAULT '',
  bic TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX mod_facturation_families_tenant ON mod_facturation_families(tenant_id);
CREATE TABLE mod_facturation_quotients (
  family_id INTEGER NOT NULL REFERENCES mod_facturation_families(id),
  valid_from TEXT NOT NULL,
  quotient INTEGER NOT NULL CHECK (quotient >= 0),
  PRIMARY KEY (family_id, valid_from)
) WITHOUT ROWID;
CREATE TABLE mod_facturation_children (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  family_id INTEGER NOT NULL REFERENCES mod_facturation_families(id),
  first_name TEXT NOT NULL,
  last_name TEXT NOT NULL
);
CREATE INDEX mod_facturation_children_family ON mod_facturation_children(family_id);
CREATE TABLE mod_facturation_attendance (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  child_id INTEGER NOT NULL REFERENCES mod_facturation_children(id),
  service_id INTEGER NOT NULL REFERENCES mod_facturation_services(id),
  day TEXT NOT NULL,
  presence TEXT NOT NULL,
  quantity_e3 INTEGER NOT NULL DEFAULT 1000,
  PRIMARY KEY (child_id, service_id, day)
) WITHOUT ROWID;
CREATE INDEX mod_facturation_attendance_day ON mod_facturation_attendance(tenant_id, day);
CREATE TABLE mod_facturation_runs (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  month TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  issued_by TEXT NOT NULL,
  invoice_count INTEGER NOT NULL,
  total_cents INTEGER NOT NULL
);
-- Gap-free numbering: one counter per tenant, series and year, moved inside the
-- transaction that inserts the documents (a rollback gives the numbers back).
CREATE TABLE mod_facturation_sequences (
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  series TEXT NOT NULL,
  year INTEGER NOT NULL,
  last INTEGER NOT NULL,
  last_date TEXT NOT NULL,
  PRIMARY KEY (tenant_id, series, year)
) WITHOUT ROWID;
-- Issued invoices (380) and credit notes (381). Drafts are never stored: a preview is
-- computed, and a row exists only once numbered. Payer and seller are frozen as issued.
CREATE TABLE mod_facturation_invoices (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  number TEXT NOT NULL,
  type_code TEXT NOT NULL CHECK (type_code IN ('380', '381')),
  family_id INTEGER NOT NULL REFERENCES mod_facturation_families(id),
  run_id INTEGER REFERENCES mod_facturation_runs(id),
  month TEXT NOT NULL,
  issue_date TEXT NOT NULL,
  due_date TEXT NOT NULL,
  preceding_id INTEGER REFERENCES mod_facturation_invoices(id),
  payer TEXT NOT NULL,
  seller TEXT NOT NULL,
  notes TEXT NOT NULL,
  total_lines INTEGER NOT NULL,
  total_tax INTEGER NOT NULL,
  total INTEGER NOT NULL,
  issued_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, number)
);
-- A family is invoiced once per month (credit notes aside).
CREATE UNIQUE INDEX mod_facturation_invoices_month ON mod_facturation_invoices(tenant_id, family_id, month)
  WHERE type_code = '380';
CREATE INDEX mod_facturation_invoices_family ON mod_facturation_invoices(family_id);
CREATE INDEX mod_facturation_invoices_preceding ON mod_facturation_invoices(preceding_id)
  WHERE preceding_id IS NOT NULL;
CREATE TABLE mod_facturation_invoice_lines (
  invoice_id INTEGER NOT NULL REFERENCES mod_facturation_invoices(id),
  position INTEGER NOT NULL,
  child_id INTEGER,
  service_id INTEGER,
  label TEXT NOT NULL,
  description TEXT NOT NULL,
  quantity_e3 INTEGER NOT NULL,
  unit_code TEXT NOT NULL,
  unit_price_e4 INTEGER NOT NULL,
  net_cents INTEGER NOT NULL,
  vat_category TEXT NOT NULL,
  vat_rate INTEGER NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  credited_position INTEGER,  -- credit notes: the line of the preceding invoice corrected
  PRIMARY KEY (invoice_id, position)
) WITHOUT ROWID;
-- The Factur-X XML and PDF of an issued document, produced once from the frozen rows.
CREATE TABLE mod_facturation_documents (
  invoice_id INTEGER PRIMARY KEY REFERENCES mod_facturation_invoices(id),
  xml TEXT NOT NULL,
  pdf BLOB
);
-- Issued is final: the database itself refuses any change (corrections: credit notes).
CREATE TRIGGER mod_facturation_invoices_no_update BEFORE UPDATE ON mod_facturation_invoices
  BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed: issue a credit note'); END;
CREATE TRIGGER mod_facturation_invoices_no_delete BEFORE DELETE ON mod_facturation_invoices
  BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be deleted: issue a credit note'); END;
CREATE TRIGGER mod_facturation_lines_no_update BEFORE UPDATE ON mod_facturation_invoice_lines
  BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be changed: issue a credit note'); END;
CREATE TRIGGER mod_facturation_lines_no_delete BEFORE DELETE ON mod_facturation_invoice_lines
  BEGIN SELECT RAISE(ABORT, 'an issued invoice cannot be deleted: issue a credit note'); END;
CREATE TRIGGER mod_facturation_documents_no_update BEFORE UPDATE ON mod_facturation_documents
  BEGIN SELECT RAISE(ABORT, 'an issued document cannot be changed'); END;
CREATE TRIGGER mod_facturation_documents_no_delete BEFORE DELETE ON mod_facturation_documents
  BEGIN SELECT RAISE(ABORT, 'an issued document cannot be deleted'); END;
CREATE TABLE mod_facturation_payments (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  family_id INTEGER NOT NULL REFERENCES mod_facturation_families(id),
  invoice_id INTEGER REFERENCES mod_facturation_invoices(id),
  paid_on TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  method TEXT NOT NULL CHECK (method IN ('cash', 'cheque', 'card', 'sepa_direct_debit', 'transfer')),
  reference TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mod_facturation_payments_family ON mod_facturation_payments(family_id);
CREATE INDEX mod_facturation_payments_invoice ON mod_facturation_payments(invoice_id);
)sql"},
      {2, R"sql(
-- The VAT breakdown (BG-23) as issued: a credit note's VAT is capped by what its invoice
-- charged (vat_rules.h), so it cannot always be recomputed from its lines. NULL for
-- documents issued before version 2: recomputed from their lines, as they were issued.
ALTER TABLE mod_facturation_invoices ADD COLUMN vat_breakdown TEXT;
-- SEPA direct-debit files (pain.008) and the invoices each one presented. An invoice is
-- presented once (primary key), so generating a file again never debits a family twice.
CREATE TABLE mod_facturation_sepa_files (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  message_id TEXT NOT NULL,
  month TEXT NOT NULL,
  collection_date TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  xml TEXT NOT NULL,
  UNIQUE (tenant_id, message_id)
);
CREATE TABLE mod_facturation_sepa_debits (
  invoice_id INTEGER PRIMARY KEY REFERENCES mod_facturation_invoices(id),
  file_id INTEGER NOT NULL REFERENCES mod_facturation_sepa_files(id),
  amount_cents INTEGER NOT NULL
);
CREATE INDEX mod_facturation_sepa_debits_file ON mod_facturation_sepa_debits(file_id);
)sql"},
      {3, R"sql(
-- SEPA debits get a life after the file: collected (a payment row), or rejected by the
-- bank (R-transaction reason code) and then, when the reason allows it, presented again
-- in a later file. An invoice may so have several presentations, at most one not
-- rejected (partial unique index). The sequence type (FRST/RCUR) and the mandate are
-- kept per presentation: a mandate is FRST until one of its debits was not rejected.
CREATE TABLE mod_facturation_sepa_debits_v3 (
  id INTEGER PRIMARY KEY,
  invoice_id INTEGER NOT NULL REFERENCES mod_facturation_invoices(id),
  file_id INTEGER NOT NULL REFERENCES mod_facturation_sepa_files(id),
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  end_to_end_id TEXT NOT NULL,
  mandate_reference TEXT NOT NULL,
  sequence_type TEXT NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR')),
  status TEXT NOT NULL DEFAULT 'presented'
    CHECK (status IN ('presented', 'collected', 'rejected')),
  reason_code TEXT NOT NULL DEFAULT '',
  settled_on TEXT,
  settled_by TEXT,
  payment_id INTEGER REFERENCES mod_facturation_payments(id)
);
INSERT INTO mod_facturation_sepa_debits_v3 (invoice_id, file_id, amount_cents, end_to_end_id,
    mandate_reference, sequence_type)
  SELECT d.invoice_id, d.file_id, d.amount_cents, i.number,
         COALESCE(json_extract(i.payer, '$.mandate_reference'), ''), 'RCUR'
  FROM mod_facturation_sepa_debits d JOIN mod_facturation_invoices i ON i.id = d.invoice_id;
DROP TABLE mod_facturation_sepa_debits;
ALTER TABLE mod_facturation_sepa_debits_v3 RENAME TO mod_facturation_sepa_debits;
CREATE INDEX mod_facturation_sepa_debits_file ON mod_facturation_sepa_debits(file_id);
CREATE UNIQUE INDEX mod_facturation_sepa_debits_live ON mod_facturation_sepa_debits(invoice_id)
  WHERE status <> 'rejected';
-- Refunds of an overpayment (a family paid more than it owes, e.g. a credit note after
-- the payment): never more than the family's credit.
CREATE TABLE mod_facturation_refunds (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  family_id INTEGER NOT NULL REFERENCES mod_facturation_families(id),
  refunded_on TEXT NOT NULL,
  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
  method TEXT NOT NULL CHECK (method IN ('cash', 'cheque', 'transfer')),
  reason TEXT NOT NULL,
  reference TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX mod_facturation_refunds_family ON mod_facturation_refunds(family_id);
)sql"},
      {4, R"sql(
-- A payer may be a public body (another commune, an intercommunality): its SIRET, the
-- Chorus Pro service code (BT-10) and the commitment number (BT-13) it gave.
ALTER TABLE mod_facturation_families ADD COLUMN siret TEXT NOT NULL DEFAULT '';
ALTER TABLE mod_facturation_families ADD COLUMN service_code TEXT NOT NULL DEFAULT '';
ALTER TABLE mod_facturation_families ADD COLUMN engagement TEXT NOT NULL DEFAULT '';
)sql"},
  };
  return kMigrations;
}

}  // namespace parc::modules::facturation
