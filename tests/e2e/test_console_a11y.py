#!/usr/bin/env python3
"""Accessibility audit of every console page in headless Chromium (a11y_audit.py: names
from the accessibility tree, labels, text alternatives, lang, one h1, contrast, Tab
reachability and visible focus), against a real server with data on every page. The
figures are printed and written to <build>/e2e-artifacts/a11y-report.json; any issue
fails the test, page by page."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import a11y_audit  # noqa: E402
import console_e2e as e2e  # noqa: E402


# Issues found in pages this audit's authors do not own (js/pages/modules/): reported to
# their owners, listed here so that any new issue still fails. Remove once fixed.
KNOWN_ELSEWHERE = {}


class ConsoleAccessibilityTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        cls.tenant = s.create_tenant("Mairie de Rodez", "12202")["id"]
        fake = e2e.FakeAgent(s, cls.tmp, s.create_token(cls.tenant)["token"], "pc-mairie")
        fake.send_inventory(e2e.sample_inventory("pc-mairie", "SN-A11Y-1"))
        now = int(time.time())
        for i in range(6, -1, -1):
            fake.send_metrics(now - i * 300, [{"name": "cpu.usage_pct", "value": 20 + i},
                                              {"name": "disk.used_pct", "subject": "/", "value": 99.0}])
        cls.host = fake.host_id
        s.create_token(cls.tenant)  # a token in the list
        cls.alert = e2e.wait_for(lambda: s.request("GET", f"/api/v1/alerts?host_id={cls.host}")["items"], 40,
                                 what="the disk alert")[0]["id"]
        s.request("POST", f"/api/v1/alerts/{cls.alert}/comment", {"text": "Vu avec la secrétaire de mairie."})
        s.request("POST", "/api/v1/channels", {"tenant_id": cls.tenant, "kind": "email", "name": "Support",
                                               "settings": {"host": "smtp.rodez.example", "from": "parc@rodez.example",
                                                            "to": ["support@rodez.example"], "username": "parc",
                                                            "password": "secret-smtp-password", "digest_hour": 8}})
        s.request("PUT", "/api/v1/alert-rules", {"scope": "tenant", "scope_id": cls.tenant, "rule": "disk_usage",
                                                 "settings": {"warning": 85}})
        s.request("PUT", "/api/v1/alert-rules", {"scope": "host", "scope_id": cls.host, "rule": "cpu_usage",
                                                 "settings": {"enabled": False}})
        group = s.request("POST", "/api/v1/host-groups", {"tenant_id": cls.tenant, "name": "Accueil"})
        s.request("PUT", f"/api/v1/hosts/{cls.host}/groups", {"groups": [group["id"]]})
        s.request("PUT", "/api/v1/alert-rules", {"scope": "group", "scope_id": group["id"], "rule": "temperature",
                                                 "settings": {"enabled": False}})
        s.request("POST", "/api/v1/users", {"username": "lecteur", "password": "Lecture-seule-2026!x",
                                            "role": "read_only", "tenants": None})
        # The facturation module, active in the commune, with every role for the admin.
        cls.facturation = False
        try:
            s.request("PUT", f"/api/v1/tenants/{cls.tenant}/modules", {"active": ["facturation"]})
            admin = next(u for u in s.request("GET", "/api/v1/users")["items"] if u["username"] == "admin")
            s.request("PUT", f"/api/v1/users/{admin['id']}/module-roles", {"roles": [
                {"tenant_id": cls.tenant, "module": "facturation", "role": r}
                for r in ("secretaire", "ordonnateur", "regisseur")]})
            cls.facturation = True
        except e2e.ApiError as e:
            print("facturation not audited:", e, file=sys.stderr)

    def pages(self):
        t, fac = self.tenant, f"#/modules/facturation/{self.tenant}"
        pages = [
            ("Tableau de bord", "#/", "[data-testid=dash-total]"),
            ("Postes", "#/postes", "[data-testid=hosts-table], table"),
            ("Poste", f"#/postes/{self.host}", "[data-metric='disk.used_pct'] figure"),
            ("Alertes", "#/alertes", "[data-testid=alerts-table]"),
            ("Alerte", f"#/alertes/{self.alert}", "[data-testid=alert-comments] li"),
            ("Règles", f"#/alertes/regles?commune={t}", "[data-testid=rules-table]"),
            ("Canaux", f"#/alertes/canaux?commune={t}", "[data-testid=channel-table]"),
            ("Groupes de postes", f"#/alertes/groupes?commune={t}", "[data-testid=group-hosts] li"),
            ("Communes", "#/admin/communes", "[data-testid=tenant-table]"),
            ("Jetons d'enrôlement", "#/admin/jetons", "[data-testid=token-table]"),
            ("Utilisateurs", "#/admin/utilisateurs", "[data-testid=user-table]"),
            ("Jetons d'API", "#/admin/jetons-api", "form"),
            ("Journal d'audit", "#/admin/journal", "[data-testid=audit-table] tbody tr"),
            ("Mon compte", "#/compte", "h1"),
            ("Scripts", "#/scripts", "[data-testid=script-list]"),
            ("Sessions à distance", "#/sessions", "h1"),
            ("Sauvegardes", "#/sauvegardes", "h1"),
        ]
        if self.facturation:
            pages.append(("Modules", "#/modules/administration", "[data-testid=mod-active-save]"))
            pages += [(f"Facturation : {tab}", f"{fac}/{tab}", f"[data-testid=fac-page-{tab}]")
                      for tab in ("services", "familles", "presences", "facturation", "factures", "paiements",
                                  "prelevements", "soldes")]
        return pages

    def audit(self, name, fragment=None, ready=None, reports=None):
        b = self.browser
        if fragment:
            b.go(fragment)
        if ready:
            b.wait_css(ready, 20)
        time.sleep(0.6)  # sections that load after the page (history, charts, lists)
        report = a11y_audit.audit(b, name)
        report["fragment"] = fragment or b.driver.execute_script("return window.location.hash")
        reports.append(report)
        return report

    def test_every_page(self):
        b = self.browser
        reports = []
        b.open("#/connexion")
        b.wait_css("input[name=username]")
        self.audit("Connexion", ready="input[name=username]", reports=reports)
        self.admin_login()
        for name, fragment, ready in self.pages():
            self.audit(name, fragment, ready, reports)
        # Pages in another state: every inventory section open, a rule being edited, the
        # webhook form, a read-only view.
        b.go(f"#/postes/{self.host}")
        b.wait_css("details[data-section=software]")
        b.driver.execute_script("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        self.audit("Poste (inventaire ouvert)", ready="[data-testid=software-count]", reports=reports)
        b.go(f"#/alertes/regles?commune={self.tenant}")
        b.wait_css("tr[data-rule=disk_usage] [data-testid=rule-edit]").click()
        self.audit("Règles (modification)", ready="[data-testid=rule-form]", reports=reports)
        b.go(f"#/alertes/canaux?commune={self.tenant}")
        from selenium.webdriver.support.ui import Select
        Select(b.wait_css("[data-testid=channel-kind]")).select_by_value("webhook")
        self.audit("Canaux (webhook)", ready="[data-testid=channel-url]", reports=reports)
        self.logout()
        b.login("lecteur", "Lecture-seule-2026!x")
        b.wait_css("[data-testid=username]", text="lecteur")
        self.audit("Alerte (lecture seule)", f"#/alertes/{self.alert}", "[data-testid=alert-readonly]", reports)

        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        with open(os.path.join(e2e.ARTIFACTS, "a11y-report.json"), "w") as f:
            json.dump(reports, f, ensure_ascii=False, indent=1)
        keys = ["names", "labels", "images", "contrast", "controls", "tables", "keyboard"]
        print(f"\n{'page':32} " + " ".join(f"{k:>8}" for k in keys) + "   issues")
        for r in reports:
            print(f"{r['page'][:32]:32} " + " ".join(f"{r['counts'].get(k, 0):>8}" for k in keys) +
                  f"   {len(r['issues'])}")
        totals = {k: sum(r["counts"].get(k, 0) for r in reports) for k in keys}
        print(f"{'total (' + str(len(reports)) + ' pages)':32} " + " ".join(f"{totals[k]:>8}" for k in keys) +
              f"   {sum(len(r['issues']) for r in reports)}")
        for r in reports:
            known = KNOWN_ELSEWHERE.get(r["page"], set())
            for issue in sorted(known & set(r["issues"])):
                print(f"known, not owned here: {r['page']}: {issue}")
            with self.subTest(page=r["page"]):
                self.assertEqual([], [i for i in r["issues"] if i not in known], f"{r['page']} ({r['fragment']})")
        self.assertGreaterEqual(len(reports), 20)
        self.assertNoBrowserErrors()

    def test_audit_detects_what_it_checks(self):
        """The checks can fail: a page spoiled on purpose shows each kind of issue."""
        b = self.browser
        if not b.css("[data-testid=username]"):
            self.admin_login()
        b.go("#/alertes")
        b.wait_css("[data-testid=alerts-table]")
        b.driver.execute_script("""
            const main = document.getElementById('main');
            const add = (tag, attrs, text) => { const e = document.createElement(tag);
              for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
              if (text) e.textContent = text; main.append(e); return e; };
            add('button', {type: 'button'});                              // no name
            add('input', {name: 'x'});                                   // no label
            add('img', {src: '/favicon.svg'});                           // no alt
            add('h1', {}, 'Deuxième titre');                             // two h1
            add('p', {class: 'a11y-grey'}, 'texte trop pâle');          // contrast
            add('a', {href: '#/', class: 'a11y-nofocus'}, 'sans focus');  // focus invisible
            add('a', {href: '#/', class: 'a11y-palefocus'}, 'focus pâle'); // focus ring 1.1:1
            add('input', {'aria-label': 'bord pâle', class: 'a11y-paleborder', placeholder: 'indice pâle'});
            add('button', {type: 'button', 'aria-label': 'Fermer'}, 'Supprimer'); // label not in name
            add('input', {'aria-labelledby': 'nulle-part'});              // dangling reference
            add('span', {class: 'a11y-click', role: 'button'}, 'clic seul'); // not in Tab order
            document.documentElement.setAttribute('lang', 'en');
            const sheet = new CSSStyleSheet();
            sheet.replaceSync('.a11y-grey { color: #bbb } .a11y-nofocus:focus-visible { outline: none; box-shadow: none }' +
              ' .a11y-palefocus:focus-visible { outline: 3px solid #eee; box-shadow: none }' +
              ' .a11y-paleborder { border-color: #ddd } .a11y-paleborder::placeholder { color: #ccc }');
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        """)
        try:
            issues = "\n".join(a11y_audit.audit(b, "spoiled")["issues"])
        finally:
            b.driver.execute_script("document.documentElement.setAttribute('lang', 'fr')")
        for expected in ("interactive element without an accessible name: button", "form field without a label",
                         "image without a text alternative", "expected exactly one visible h1", "contrast",
                         "no visible focus indicator: a", 'html lang is not "fr"', "not reachable with Tab: span",
                         "focus indicator contrast", "control boundary contrast", "placeholder contrast",
                         "does not contain the visible text", 'reference to a missing id "nulle-part"'):
            self.assertIn(expected, issues)
        b.go("#/")


if __name__ == "__main__":
    e2e.main()
