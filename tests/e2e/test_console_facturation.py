#!/usr/bin/env python3
"""Facturation module in the console, a month run entirely from the browser: the secretary
creates the canteen service (unit, VAT category, absence rule) and its price grid by
quotient familial, a family with its quotient (then edits it), its child and the month's
attendance (grid and CSV import), previews the month; the ordonnateur issues the invoices
and sees the PDF; the régisseur records the payment; a credit note leaves the family in
credit, which the régisseur refunds. Wrong input is refused with a French message and
changes nothing. Navigation shows the module only to those who hold a role in it, where it
is active."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import console_e2e as e2e  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

PASSWORD = "Cantine-Rodez-2026!x"


class ConsoleFacturationTest(e2e.ConsoleTestCase):
    password = PASSWORD

    @classmethod
    def seed(cls):
        s = cls.server
        cls.tenant = s.create_tenant("Mairie de Rodez", "12202")["id"]
        cls.other = s.create_tenant("Mairie de Millau", "12145")["id"]
        cls.base = f"/api/v1/modules/facturation/tenants/{cls.tenant}"
        # The secretary's role, the activation and the profile are set in the browser.
        s.request("POST", "/api/v1/users", {"username": "secretaire", "password": PASSWORD,
                                            "role": "town_hall_staff", "tenants": [cls.tenant]})
        for name, tenant, roles in [("maire", cls.tenant, ["ordonnateur", "regisseur"]),
                                    ("millau", cls.other, ["secretaire"])]:
            u = s.request("POST", "/api/v1/users", {"username": name, "password": PASSWORD,
                                                     "role": "town_hall_staff", "tenants": [tenant]})
            s.request("PUT", f"/api/v1/users/{u['id']}/module-roles",
                      {"roles": [{"tenant_id": tenant, "module": "facturation", "role": r} for r in roles]})

    def administrator_sets_up_the_module(self):
        b = self.browser
        self.sign_in("admin", self.server.admin_password)
        b.wait_css("[data-testid=nav-modules-admin] a").click()
        b.wait_route("#/modules/administration")
        b.go(f"#/modules/administration?commune={self.tenant}")
        b.wait_css("[data-testid=mod-active-facturation]").click()
        b.css("[data-testid=mod-active-save]")[0].click()
        b.wait_css("#toast div", text="Modules enregistrés")
        self.assertIn("Rodez", b.css("[data-testid=mod-profile]")[0].text)  # commune from the COG
        for k, v in [("legal_name", "Commune de Rodez"), ("siret", "21120202300019"), ("vat_id", "FR44211202023"),
                     ("address_line1", "Place Adrien Rozier"), ("postcode", "12000"), ("city", "Rodez"),
                     ("iban", "FR7630001007941234567890185"), ("bic", "BDFEFRPPCCT"),
                     ("sepa_creditor_id", "FR72ZZZ123456"),
                     ("ordonnateur_name", "Marie Dupont"), ("ordonnateur_title", "Maire")]:
            field = b.css(f"[data-testid=mod-profile-{k}]")[0]
            field.clear()
            field.send_keys(v)
        b.css("[data-testid=mod-profile-save]")[0].click()
        b.wait_css("#toast div", text="Profil de la commune enregistré")
        b.css("[data-testid=mod-role-secretaire-secretaire]")[0].click()
        b.css("[data-testid=mod-roles-save-secretaire]")[0].click()
        b.wait_css("#toast div", text="Rôles de secretaire enregistrés")
        b.screenshot("modules-administration")
        self.assertEqual("FR44211202023",
                         self.server.request("GET", f"/api/v1/tenants/{self.tenant}/profile")["vat_id"])
        self.assertNoBrowserErrors()

    def test_full_monthly_billing_run(self):
        b = self.browser
        tab = f"#/modules/facturation/{self.tenant}"
        self.administrator_sets_up_the_module()
        # The secretary finds the module in the navigation.
        self.sign_in("secretaire")
        b.wait_css("[data-testid=nav-module-facturation] a", text="Facturation").click()
        b.wait_route(tab)
        self.secretary_sets_up_services_and_prices(tab)
        b.go(f"{tab}/familles")
        b.wait_css("[data-testid=fac-family-form]")
        for name, value in [("payer_name", "Famille Martin"), ("address_line1", "3 rue Béteille"),
                            ("postcode", "12000"), ("city", "Rodez"), ("quotient", "800"),
                            ("iban", "FR7630006000011234567890189"), ("mandate_reference", "MANDAT-MARTIN")]:
            b.css(f"[data-testid=fac-family-form] [data-testid=fac-{name}]")[0].send_keys(value)
        b.driver.execute_script("arguments[0].value = '2025-09-01'",
                                b.css("[data-testid=fac-family-form] [data-testid=fac-mandate_date]")[0])
        b.css("[data-testid=fac-family-save]")[0].click()
        b.wait_css("[data-testid=fac-families]", text="Famille Martin")
        # The family's new quotient (650 from 1 March): a quotient without its date is
        # refused in French and changes nothing; with the date it is kept with the history.
        b.wait_css("[data-testid=fac-family-modify]").click()
        edit = b.wait_css("[data-testid=fac-family-edit]")
        edit.find_element("css selector", "[data-testid=fac-quotient]").send_keys("650")
        edit.find_element("css selector", "[data-testid=fac-family-update]").click()
        b.wait_css("[data-testid=fac-family-edit] [data-testid=fac-form-error]", text="date à partir de laquelle")
        family = self.server.request("GET", f"{self.base}/families")["items"][0]
        self.assertEqual([800], [q["quotient"] for q in family["quotients"]])
        qf_from = edit.find_element("css selector", "[data-testid=fac-quotient_from]")
        b.driver.execute_script("arguments[0].value = '2026-03-01'", qf_from)
        edit.find_element("css selector", "[data-testid=fac-family-update]").click()
        b.wait_css("#toast div", text="Redevable « Famille Martin » modifié")
        b.wait_css("[data-testid=fac-family-qf]", text="650")
        family = self.server.request("GET", f"{self.base}/families")["items"][0]
        self.assertEqual([800, 650], [q["quotient"] for q in family["quotients"]])
        b.wait_css("[data-testid=fac-child-form] [data-testid=fac-first_name]").send_keys("Léa")
        b.css("[data-testid=fac-child-form] [data-testid=fac-last_name]")[0].send_keys("Martin")
        b.css("[data-testid=fac-child-save]")[0].click()
        b.wait_css("[data-testid=fac-families]", text="Léa Martin")
        child = self.server.request("GET", f"{self.base}/children")["items"][0]["id"]

        # Attendance grid of March 2026: present on the 2nd and 3rd, justified absence on the 5th.
        b.go(f"{tab}/presences?mois=2026-03")
        b.wait_css(f"[data-testid=fac-cell-{child}-2]").click()
        b.css(f"[data-testid=fac-cell-{child}-3]")[0].click()
        cell5 = b.css(f"[data-testid=fac-cell-{child}-5]")[0]
        cell5.click()
        cell5.click()
        self.assertEqual(cell5.text, "AJ")
        b.css("[data-testid=fac-attendance-save]")[0].click()
        b.wait_css("#toast div", text="3 journées enregistrées")
        # A CSV with one bad line imports nothing and says which line.
        b.css("[data-testid=fac-import-text]")[0].send_keys(
            f"2026-03-09;{child};cantine;present\n2026-03-32;{child};cantine;present")
        b.css("[data-testid=fac-import]")[0].click()
        b.wait_css("[data-testid=fac-import-report]", text="ligne 2")
        days = self.server.request("GET", f"{self.base}/attendance?month=2026-03")["items"]
        self.assertEqual(3, len(days))

        # The preview: 2 × 2.90; the secretary cannot issue.
        b.go(f"{tab}/facturation?mois=2026-03")
        b.wait_css("[data-testid=fac-preview-total]", text="5,80")
        self.assertIn("Restauration scolaire — Léa Martin", b.css("[data-testid=fac-preview]")[0].text)
        self.assertEqual([], b.css("[data-testid=fac-issue]"))
        b.screenshot("facturation-apercu")
        self.assertNoBrowserErrors()

        # The ordonnateur issues the month.
        self.sign_in("maire")
        b.go(f"{tab}/facturation?mois=2026-03")
        date = b.wait_css("[data-testid=fac-issue-date]")
        b.driver.execute_script("arguments[0].value = '2026-04-02'", date)
        b.css("[data-testid=fac-issue]")[0].click()
        e2e.wait_for(self.accept_dialog, 10, what="confirmation dialog")
        b.wait_css("[data-testid=fac-invoices]", text="FAC-2026-000001")
        row = b.css("[data-testid=fac-invoices] tbody tr")[0].text
        self.assertIn("Famille Martin", row)
        self.assertIn("5,80", row)
        b.screenshot("facturation-factures")
        # The family's PDF (Factur-X) downloads from the list.
        next(x for x in b.css("[data-testid=fac-invoices] tbody tr button") if x.text == "PDF").click()
        pdf = os.path.join(b.downloads, "FAC-2026-000001.pdf")
        e2e.wait_for(lambda: os.path.exists(pdf) and os.path.getsize(pdf) > 1000, 15, what="PDF download")
        with open(pdf, "rb") as f:
            self.assertEqual(b"%PDF-", f.read(5))
        # Issued: the month is closed to attendance changes.
        with self.assertRaises(e2e.ApiError) as refused:
            self.server.request("PUT", f"{self.base}/attendance", {"entries": [
                {"child_id": child, "service_id": self.service, "date": "2026-03-10", "presence": "present"}]})
        self.assertEqual(409, refused.exception.status)

        # The régisseur records 1,00 in cash, then debits the rest (4,80) by SEPA: the bank
        # rejects it (AM04), the next file presents it again (still FRST), it is collected.
        b.go(f"{tab}/paiements")
        b.wait_css("[data-testid=fac-pay-amount]").send_keys("1,00")
        b.css("[data-testid=fac-pay-save]")[0].click()
        b.wait_css("[data-testid=fac-payments]", text="Espèces")
        first = self.sepa_file(tab)
        self.assertIn("<SeqTp>FRST</SeqTp>", first)
        self.assertIn('<InstdAmt Ccy="EUR">4.80</InstdAmt>', first)
        b.go(f"{tab}/prelevements")
        Select(b.wait_css("[data-testid=fac-debit-answer]")).select_by_value("AM04")
        b.driver.execute_script("arguments[0].value = '2026-04-16'", b.css("[data-testid=fac-settled-on]")[0])
        b.css("[data-testid=fac-settlement-save]")[0].click()
        b.wait_css("[data-testid=fac-debit-status]", text="Rejeté : AM04")
        self.assertEqual(["cash"], [p["method"] for p in self.server.request("GET", f"{self.base}/payments")["items"]])
        # The second file (Chromium may hold back a page's further downloads: the file the
        # server recorded is read through the API).
        b.go(f"{tab}/factures?mois=2026-03")
        self.request_sepa_file("2026-05-15")
        files = e2e.wait_for(lambda: (lambda f: f if len(f) == 2 else None)(
            self.server.request("GET", f"{self.base}/sepa/files")["items"]), 15, what="second SEPA file")
        self.assertEqual([("FAC-2026-000001-2", "FRST", "4.80", "presented")],
                         [(d["end_to_end_id"], d["sequence_type"], d["amount"], d["status"])
                          for d in files[0]["debits"]])
        b.go(f"{tab}/prelevements")
        b.wait_css("[data-testid=fac-settled-on]")
        b.driver.execute_script("arguments[0].value = '2026-05-16'", b.css("[data-testid=fac-settled-on]")[0])
        b.css("[data-testid=fac-settlement-save]")[0].click()
        b.wait_css("#toast div", text="1 prélèvement encaissé (4,80 €)")
        b.go(f"{tab}/paiements")
        b.wait_css("[data-testid=fac-payments]", text="Prélèvement SEPA")
        b.go(f"{tab}/soldes")
        b.wait_css("[data-testid=fac-balance-due]", text="0,00")
        self.assertIn("Aucune facture échue", b.body_text())
        # A credit note after payment: the family is owed 5,80 (to refund or deduct).
        b.go(f"{tab}/factures?mois=2026-03")
        b.wait_css("[data-testid=fac-credit]").click()
        e2e.wait_for(lambda: self.accept_dialog("repas facturés à tort"), 10, what="prompt")
        b.wait_css("[data-testid=fac-invoices]", text="AV-2026-000001")
        b.go(f"{tab}/soldes")
        b.wait_css("[data-testid=fac-balance-due]", text="-5,80")
        # The régisseur refunds the overpayment: never more than the family's credit.
        b.go(f"{tab}/paiements")
        refund = b.wait_css("[data-testid=fac-refund-form]")
        refund.find_element("css selector", "[data-testid=fac-refund-amount]").send_keys("5,81")
        refund.find_element("css selector", "[data-testid=fac-refund-reason]").send_keys("avoir après paiement")
        refund.find_element("css selector", "[data-testid=fac-refund-save]").click()
        b.wait_css("[data-testid=fac-refund-form] [data-testid=fac-form-error]", text="trop-perçu")
        self.assertEqual([], self.server.request("GET", f"{self.base}/refunds")["items"])
        amount = b.css("[data-testid=fac-refund-amount]")[0]
        amount.clear()
        amount.send_keys("5,80")
        b.css("[data-testid=fac-refund-save]")[0].click()
        b.wait_css("[data-testid=fac-refunds]", text="avoir après paiement")
        b.go(f"{tab}/soldes")
        b.wait_css("[data-testid=fac-balance-due]", text="0,00")
        self.assertNoBrowserErrors()

        # Millau's secretary: no module in the navigation (inactive there), and Rodez's is 404.
        self.sign_in("millau")
        self.assertEqual([], b.css("[data-testid=nav-module-facturation]"))
        b.go(f"{tab}/factures", wait=False)
        b.wait_css("main p.error")

    def secretary_sets_up_services_and_prices(self, tab):
        """The canteen: counted per meal, exempt from VAT, unjustified absences billed;
        two prices by quotient familial. A bad VAT rate and a bad price are refused in
        French and create nothing."""
        b = self.browser
        b.go(f"{tab}/services")
        form = b.wait_css("[data-testid=fac-service-form]")
        form.find_element("css selector", "[data-testid=fac-code]").send_keys("cantine")
        form.find_element("css selector", "[data-testid=fac-name]").send_keys("Cantine")
        Select(form.find_element("css selector", "[data-testid=fac-unit_code]")).select_by_value("C62")
        Select(form.find_element("css selector", "[data-testid=fac-vat_category]")).select_by_value("S")
        form.find_element("css selector", "[data-testid=fac-vat_rate]").send_keys("5,555")
        form.find_element("css selector", "[data-testid=fac-service-save]").click()
        b.wait_css("[data-testid=fac-service-form] [data-testid=fac-form-error]", text="deux décimales au plus")
        self.assertEqual([], self.server.request("GET", f"{self.base}/services")["items"])
        Select(b.css("[data-testid=fac-service-form] [data-testid=fac-vat_category]")[0]).select_by_value("E")
        self.assertTrue(b.css("[data-testid=fac-service-form] [data-testid=fac-bill_unjustified_absence]")[0].is_selected())
        b.css("[data-testid=fac-service-save]")[0].click()
        b.wait_css("[data-testid=fac-services]", text="Exonéré (E)")
        # Renamed afterwards: the edit form comes prefilled.
        b.wait_css("[data-testid=fac-service-modify]").click()
        name = b.wait_css("[data-testid=fac-service-edit] [data-testid=fac-name]")
        self.assertEqual("Cantine", name.get_attribute("value"))
        name.clear()
        name.send_keys("Restauration scolaire")
        b.css("[data-testid=fac-service-update]")[0].click()
        b.wait_css("[data-testid=fac-services]", text="Restauration scolaire")
        services = self.server.request("GET", f"{self.base}/services")["items"]
        self.assertEqual([("cantine", "C62", "E", 0, True)],
                         [(x["code"], x["unit_code"], x["vat_category"], x["vat_rate"],
                           x["bill_unjustified_absence"]) for x in services])
        self.service = services[0]["id"]
        # The price grid: up to QF 700 at 2,90, above at 4,10.
        for qf_min, qf_max, price in [("0", "700", "2,90€"), ("0", "700", "2,90"), ("701", "", "4,10")]:
            form = b.wait_css("[data-testid=fac-price-form]")
            b.driver.execute_script("arguments[0].value = '2026-01-01'",
                                    form.find_element("css selector", "[data-testid=fac-valid_from]"))
            low = form.find_element("css selector", "[data-testid=fac-qf_min]")
            low.clear()
            low.send_keys(qf_min)
            form.find_element("css selector", "[data-testid=fac-qf_max]").send_keys(qf_max)
            form.find_element("css selector", "[data-testid=fac-unit_price]").send_keys(price)
            form.find_element("css selector", "[data-testid=fac-price-save]").click()
            if price.endswith("€"):
                b.wait_css("[data-testid=fac-price-form] [data-testid=fac-form-error]", text="quatre décimales")
                self.assertEqual([], self.server.request("GET", f"{self.base}/prices")["items"])
                b.go(f"{tab}/familles")
                b.go(f"{tab}/services")
            else:
                b.wait_css("[data-testid=fac-prices]", text=price)
        prices = self.server.request("GET", f"{self.base}/prices")["items"]
        self.assertEqual([("2.90", 700), ("4.10", None)], [(p["unit_price"], p["qf_max"]) for p in prices])
        b.screenshot("facturation-services")
        self.assertNoBrowserErrors()

    def sepa_file(self, tab):
        """Generates the March SEPA file from the invoices page and returns its text."""
        b = self.browser
        before = set(os.listdir(b.downloads))
        b.go(f"{tab}/factures?mois=2026-03")
        self.request_sepa_file("2026-04-15")

        def new_file():
            names = [n for n in set(os.listdir(b.downloads)) - before
                     if n.startswith("prelevements-2026-03") and n.endswith(".xml")]
            return names[0] if names else None
        name = e2e.wait_for(new_file, 15, what="SEPA file download")
        with open(os.path.join(b.downloads, name), encoding="utf-8") as f:
            return f.read()

    def request_sepa_file(self, collection_date):
        """Sets the collection date and presses the button in one step: a page re-rendered
        in between (the previous page's refresh landing late) would drop the date, and the
        button does nothing without one."""
        b = self.browser
        b.wait_css("[data-testid=fac-sepa-date]")
        b.driver.execute_script(
            "document.querySelector('[data-testid=fac-sepa-date]').value = arguments[0];"
            "document.querySelector('[data-testid=fac-sepa]').click();", collection_date)


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
