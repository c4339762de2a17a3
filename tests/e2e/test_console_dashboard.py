#!/usr/bin/env python3
"""The dashboard with real data: against a real server, one PC's agent reports its disk
sda failing (smart.healthy = 0, the way parc-agent's SMART sampler does) and the same PC
is late with its backups (the commune's backup policy is on, nothing was ever backed up,
and its stale-backup rule set to a few seconds), so the server's rule engine opens both
alerts. The dashboard lists the PC under "Disques défaillants" and "Sauvegardes en
retard", with links to its page; a healthy PC of the same commune is in neither list,
and a town-hall account of another commune sees neither."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import console_e2e as e2e  # noqa: E402

PASSWORD = "Tableau-Espalion-2026!x"


class ConsoleDashboardTest(e2e.ConsoleTestCase):
    password = PASSWORD

    @classmethod
    def seed(cls):
        s = cls.server
        cls.espalion = s.create_tenant("Mairie d'Espalion", "12096")["id"]
        cls.laguiole = s.create_tenant("Mairie de Laguiole", "12119")["id"]
        # Backups on for the commune before its PCs report: none was ever made.
        s.request("PUT", f"/api/v1/tenants/{cls.espalion}/backup-policy",
                  {"enabled": True, "include": ["/home"]})
        now = int(time.time())
        cls.sick = e2e.FakeAgent(s, cls.tmp, s.create_token(cls.espalion)["token"], "pc-compta")
        cls.sick.send_inventory(e2e.sample_inventory("pc-compta", "SN-COMPTA"))
        cls.healthy = e2e.FakeAgent(s, cls.tmp, s.create_token(cls.espalion)["token"], "pc-accueil")
        cls.healthy.send_inventory(e2e.sample_inventory("pc-accueil", "SN-ACCUEIL"))
        # Late after 2 seconds for pc-compta only (48 hours by default).
        s.request("PUT", "/api/v1/alert-rules", {"scope": "host", "scope_id": cls.sick.host_id,
                                                 "rule": "backup_stale", "settings": {"params": {"hours": 0.0005}}})
        cls.sick.send_metrics(now, [{"name": "smart.healthy", "subject": "sda", "value": 0},
                                    {"name": "disk.used_pct", "subject": "/", "value": 40.0}])
        cls.healthy.send_metrics(now, [{"name": "smart.healthy", "subject": "sda", "value": 1},
                                       {"name": "disk.used_pct", "subject": "/", "value": 40.0}])
        s.request("POST", "/api/v1/users", {"username": "tech", "password": PASSWORD, "role": "technician",
                                            "tenants": None})
        s.request("POST", "/api/v1/users", {"username": "mairie-laguiole", "password": PASSWORD,
                                            "role": "town_hall_staff", "tenants": [cls.laguiole]})

        def both():
            summary = s.request("GET", "/api/v1/fleet/summary")
            return summary if summary["failing_disks"] and summary["stale_backups"] else None
        # The rules run every 5 s; the stale-backup rule needs its few seconds to pass.
        cls.summary = e2e.wait_for(both, 60, interval=0.5, what="both alerts in the fleet summary")

    def test_summary_lists_the_host_under_both_headings(self):
        s = self.summary
        self.assertEqual([(self.sick.host_id, "sda")], [(r["host_id"], r["subject"]) for r in s["failing_disks"]])
        self.assertEqual([self.sick.host_id], [r["host_id"] for r in s["stale_backups"]])
        self.assertEqual("pc-compta", s["failing_disks"][0]["hostname"])
        self.assertEqual(self.espalion, s["stale_backups"][0]["tenant_id"])
        alerts = self.server.request("GET", f"/api/v1/alerts?host_id={self.sick.host_id}&state=open")["items"]
        self.assertLessEqual({"smart_failing", "backup_stale"}, {a["rule"] for a in alerts})

    def test_dashboard_lists_failing_disk_and_late_backup_with_links(self):
        b = self.browser
        self.sign_in("tech")
        b.go("#/")
        failing = b.wait_css("[data-testid=dash-failing-disks] li", text="pc-compta")
        self.assertIn("(Mairie d'Espalion)", failing.text)
        self.assertIn("disque sda, panne annoncée le", failing.text)
        late = b.wait_css("[data-testid=dash-stale-backups] li", text="pc-compta")
        self.assertIn("alerte ouverte le", late.text)
        for testid in ("dash-failing-disks", "dash-stale-backups"):
            self.assertEqual(1, len(b.css(f"[data-testid={testid}] li")), testid)
            self.assertNotIn("pc-accueil", b.css(f"[data-testid={testid}]")[0].text)
        self.assertIn("critique", b.css("[data-testid=dash-alerts]")[0].text)
        self.assertIn("avertissement", b.css("[data-testid=dash-alerts]")[0].text)
        b.driver.execute_script("document.getElementById('toast').replaceChildren()")
        b.driver.execute_script("document.querySelector('[data-testid=dash-failing-disks]').scrollIntoView()")
        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        b.driver.save_screenshot(os.path.join(e2e.ARTIFACTS, "tableau-de-bord-alertes.png"))

        # Each line leads to the PC's page, where the alerts are.
        hrefs = b.driver.execute_script(
            "return Array.from(document.querySelectorAll('[data-testid^=dash-] li a[href^=\"#/postes/\"]'))"
            ".map(a => a.getAttribute('href'))")
        self.assertIn(f"#/postes/{self.sick.host_id}", hrefs)
        self.assertEqual(1, len([h for h in b.css("[data-testid=dash-stale-backups] li a")
                                 if h.get_attribute("href").endswith(f"#/postes/{self.sick.host_id}")]))
        b.css("[data-testid=dash-failing-disks] li a")[0].click()
        b.wait_route(f"#/postes/{self.sick.host_id}")
        alerts = b.wait_css("[data-testid=host-alerts] li", text="SMART")
        self.assertIn("pc-compta : le disque sda annonce une panne (SMART)", alerts.text)
        self.assertIn("pas de sauvegarde réussie", b.css("[data-testid=host-alerts]")[0].text)
        self.assertNoBrowserErrors()

    def test_another_communes_account_sees_neither(self):
        b = self.browser
        self.sign_in("mairie-laguiole")
        b.go("#/")
        b.wait_css("[data-testid=dash-failing-disks]", text="Aucun disque défaillant.")
        self.assertEqual("Aucune sauvegarde en retard.", b.css("[data-testid=dash-stale-backups]")[0].text)
        self.assertNotIn("pc-compta", b.body_text())
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
