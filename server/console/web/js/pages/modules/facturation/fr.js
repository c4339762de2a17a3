// French texts of the facturation module's pages (same style as js/i18n/fr.js).
const plural = (n, one, many) => (Number(n) > 1 ? many : one);

export default {
  'title': 'Facturation des familles',
  'tab.familles': 'Familles', 'tab.presences': 'Présences', 'tab.facturation': 'Facturation du mois',
  'tab.factures': 'Factures', 'tab.paiements': 'Paiements', 'tab.soldes': 'Soldes',
  'month': 'Mois', 'save': 'Enregistrer', 'cancel': 'Annuler', 'none': 'Aucun élément.',

  'families.title': 'Familles', 'families.add': 'Ajouter une famille', 'families.payer': 'Redevable',
  'families.address': 'Adresse', 'families.postcode': 'Code postal', 'families.city': 'Commune',
  'families.email': 'Courriel', 'families.qf': 'Quotient familial', 'families.children': 'Enfants',
  'families.iban': 'IBAN (prélèvement)', 'families.mandate': 'Référence du mandat SEPA',
  'families.mandateDate': 'Date de signature du mandat', 'families.created': 'Redevable « {name} » enregistré.',
  'children.add': 'Ajouter un enfant', 'children.first': 'Prénom', 'children.last': 'Nom',
  'children.created': 'Enfant {name} ajouté.', 'children.family': 'Famille',

  'services.title': 'Services et tarifs', 'services.none': "Aucun service : créez d'abord la cantine et la garderie.",
  'services.code': 'Code', 'services.name': 'Service', 'services.add': 'Ajouter un service',
  'prices.add': 'Ajouter un tarif', 'prices.from': 'Valable du', 'prices.to': 'au', 'prices.qfMin': 'QF min',
  'prices.qfMax': 'QF max', 'prices.price': 'Prix unitaire (€)', 'prices.service': 'Service',

  'attendance.title': 'Grille de présence', 'attendance.child': 'Enfant', 'attendance.service': 'Service',
  'attendance.saved': ({n}) => `${n} ${plural(n, 'journée enregistrée', 'journées enregistrées')}.`,
  'attendance.legend': 'Cliquez sur une case : vide → présent (P) → absence justifiée (AJ) → absence non justifiée (AN) → vide.',
  'attendance.import': 'Importer un fichier CSV', 'attendance.importHelp': 'Une ligne par jour : date;enfant;service;présence[;quantité] (ex. 2026-03-02;12;cantine;present). Tout ou rien : une ligne fausse et rien n\'est importé.',
  'attendance.importDone': ({n}) => `${n} ${plural(n, 'ligne importée', 'lignes importées')}.`,
  'attendance.importErrors': 'Fichier refusé, rien n\'a été importé :', 'attendance.line': 'ligne {n} : {message}',
  'presence.present': 'P', 'presence.absent_justified': 'AJ', 'presence.absent_unjustified': 'AN',

  'billing.title': 'Facturation du mois', 'billing.preview': 'Aperçu', 'billing.issue': 'Émettre les factures',
  'billing.issueConfirm': 'Émettre {n} facture(s) pour un total de {total} € ? Les factures émises ne sont plus modifiables (corrections par avoir).',
  'billing.issued': ({n, first}) => `${n} ${plural(n, 'facture émise', 'factures émises')} (à partir de ${first}).`,
  'billing.nothing': 'Rien à facturer pour ce mois (ou déjà facturé).', 'billing.total': 'Total du mois : {total} €',
  'billing.problems': 'À corriger avant émission (journées sans tarif ou sans quotient, catégories de TVA) :',
  'billing.issueDate': "Date d'émission", 'billing.notOrdonnateur': "L'émission est réservée à l'ordonnateur.",
  'col.family': 'Famille', 'col.lines': 'Lignes', 'col.total': 'Total (€)', 'col.number': 'Numéro', 'col.type': 'Type',
  'col.date': 'Date', 'col.due': 'Reste dû (€)', 'col.documents': 'Documents', 'col.label': 'Désignation',
  'col.qty': 'Quantité', 'col.price': 'Prix unitaire', 'col.amount': 'Montant (€)', 'col.method': 'Mode',
  'col.reference': 'Référence', 'col.invoiced': 'Facturé (€)', 'col.credited': 'Avoirs (€)', 'col.paid': 'Payé (€)',
  'col.actions': 'Actions',
  'type.380': 'Facture', 'type.381': 'Avoir',

  'invoices.title': 'Factures et avoirs', 'invoices.credit': 'Avoir', 'invoices.creditReason': "Motif de l'avoir (annule le reste de la facture) :",
  'invoices.credited': 'Avoir {number} émis.', 'invoices.export': 'Export des titres (CSV)', 'invoices.sepa': 'Fichier de prélèvement SEPA',
  'invoices.collection': 'Date de prélèvement',

  'payments.title': 'Paiements', 'payments.add': 'Enregistrer un paiement', 'payments.amount': 'Montant (€)',
  'payments.invoice': 'Facture', 'payments.method': 'Mode de paiement', 'payments.recorded': 'Paiement enregistré.',
  'method.cash': 'Espèces', 'method.cheque': 'Chèque', 'method.card': 'Carte', 'method.sepa_direct_debit': 'Prélèvement SEPA', 'method.transfer': 'Virement',

  'balances.title': 'Soldes des familles', 'balances.total': 'Total restant dû : {total} €',
  'reminders.title': 'Relances (factures échues)', 'reminders.none': 'Aucune facture échue impayée.',
};
