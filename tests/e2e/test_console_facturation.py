#!/usr/bin/env python3
"""Facturation module in the console: a secretary enters a family, its child and the
month's attendance (grid and CSV import), previews the month; the ordonnateur issues the
invoices; the régisseur records the payment; the balance falls to zero. Navigation shows
the module only to those who hold a role in it, where it is active."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import console_e2e as e2e  # noqa: E402

PASSWORD = "Cantine-Rodez-2026!x"


class ConsoleFacturationTest(e2e.ConsoleTestCase):
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

    def sign_in(self, username, password=PASSWORD):
        if self.browser.css("[data-testid=logout]"):
            self.logout()
        self.browser.login(username, password)
        self.browser.wait_css("[data-testid=username]", text=username)

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
        # The price grid (its forms are exercised by the secretary's family and child).
        s = self.server
        svc = s.request("POST", f"{self.base}/services", {"code": "cantine", "name": "Restauration scolaire"})
        self.service = svc["id"]
        s.request("POST", f"{self.base}/prices", {"service_id": svc["id"], "valid_from": "2026-01-01",
                                                  "qf_min": 0, "qf_max": 700, "unit_price": "2.90"})
        s.request("POST", f"{self.base}/prices", {"service_id": svc["id"], "valid_from": "2026-01-01",
                                                  "qf_min": 701, "unit_price": "4.10"})

    def test_full_monthly_billing_run(self):
        b = self.browser
        tab = f"#/modules/facturation/{self.tenant}"
        self.administrator_sets_up_the_module()
        # The secretary finds the module in the navigation.
        self.sign_in("secretaire")
        b.wait_css("[data-testid=nav-module-facturation] a", text="Facturation").click()
        b.wait_route(tab)
        b.wait_css("[data-testid=fac-family-form]")
        for name, value in [("payer_name", "Famille Martin"), ("address_line1", "3 rue Béteille"),
                            ("postcode", "12000"), ("city", "Rodez"), ("quotient", "650")]:
            b.css(f"[data-testid=fac-{name}]")[0].send_keys(value)
        b.css("[data-testid=fac-family-save]")[0].click()
        b.wait_css("[data-testid=fac-families]", text="Famille Martin")
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
        e2e.wait_for(lambda: self._alert_accept(), 10, what="confirmation dialog")
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

        # The régisseur records the payment; the balance is settled.
        b.go(f"{tab}/paiements")
        b.wait_css("[data-testid=fac-pay-amount]").send_keys("5,80")
        b.css("[data-testid=fac-pay-save]")[0].click()
        b.wait_css("[data-testid=fac-payments]", text="Espèces")
        b.go(f"{tab}/soldes")
        b.wait_css("[data-testid=fac-balance-due]", text="0,00")
        self.assertIn("Aucune facture échue", b.body_text())
        # A credit note after payment: the family is owed 5,80 (to refund or deduct).
        b.go(f"{tab}/factures?mois=2026-03")
        b.wait_css("[data-testid=fac-credit]").click()
        e2e.wait_for(lambda: self._alert_accept("repas facturés à tort"), 10, what="prompt")
        b.wait_css("[data-testid=fac-invoices]", text="AV-2026-000001")
        b.go(f"{tab}/soldes")
        b.wait_css("[data-testid=fac-balance-due]", text="-5,80")
        self.assertNoBrowserErrors()

        # Millau's secretary: no module in the navigation (inactive there), and Rodez's is 404.
        self.sign_in("millau")
        self.assertEqual([], b.css("[data-testid=nav-module-facturation]"))
        b.go(f"{tab}/factures", wait=False)
        b.wait_css("main p.error")

    def _alert_accept(self, text=None):
        try:
            alert = self.browser.driver.switch_to.alert
            if text is not None:
                alert.send_keys(text)
            alert.accept()
            return True
        except Exception:
            return False


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
