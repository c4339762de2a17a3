#!/usr/bin/env python3
"""The host page: a real parc-agent's inventory in every section, French formatting of a
known inventory, software search, change history, and the dashboard built from them."""
import re
import time

import console_e2e as e2e

DATE = re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b")


class ConsoleHostPageTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        tenant = s.create_tenant("Mairie de Millau", "12145")
        cls.processes = [e2e.start_real_agent(s, cls.tmp, s.create_token(tenant["id"])["token"])]
        fake = e2e.FakeAgent(s, cls.tmp, s.create_token(tenant["id"])["token"], "pc-accueil")
        fake.send_inventory(e2e.sample_inventory("pc-accueil", "CZC1234XYZ"))
        # A second inventory with 8 Go more: one change in the history.
        later = e2e.sample_inventory("pc-accueil", "CZC1234XYZ")
        later["memory"]["modules"][2].update({"populated": True, "size_bytes": 8 * 1024 ** 3, "type": "DDR4",
                                               "speed_mts": 2666, "configured_speed_mts": 2666})
        later["memory"]["slots_used"] = 3
        fake.send_inventory(later)
        cls.fake_id = fake.host_id
        # Health: an hour of samples, the disk filling up to 99 % (the default rule
        # "disk_usage" opens a critical alert at 98 %). The last two samples are equal:
        # the 24 h chart averages 6-minute buckets, which may hold both.
        now = int(time.time())
        for i in range(12, -1, -1):
            at = now - i * 300
            fake.send_metrics(at, [{"name": "cpu.usage_pct", "value": 10 + i},
                                   {"name": "mem.used_pct", "value": 40.5},
                                   {"name": "disk.used_pct", "subject": "/", "value": 99.0 - max(0, i - 1) * 0.5}])
        real = e2e.wait_for(lambda: [h for h in s.hosts() if h["id"] != fake.host_id and h.get("inventory_at")],
                            60, what="the real agent's first inventory")
        cls.real = real[0]

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.admin_login()

    def open_host(self, host_id):
        self.browser.go(f"#/postes/{host_id}")
        return self.browser.wait_css("[data-testid=host-title]")

    def test_real_agent_inventory_is_shown_section_by_section(self):
        title = self.open_host(self.real["id"])
        self.assertEqual(self.real["hostname"], title.text)
        sections = {el.get_attribute("data-section") for el in self.browser.css("[data-testid=inventory] details")}
        for expected in ("system", "os", "cpu", "memory", "storage", "network", "software"):
            self.assertIn(expected, sections)
        self.assertRegex(self.browser.css("[data-testid=inventory-at]")[0].text, DATE)
        self.assertIn("En ligne", self.browser.css("[data-testid=host-identity]")[0].text)
        # The software list is the machine's dpkg database.
        self.browser.css("details[data-section=software] summary")[0].click()
        count = self.browser.wait_css("[data-testid=software-count]").text
        self.assertRegex(count, r"^\d[\d\u202f\u00a0 ]* sur \d")
        self.browser.screenshot("poste-agent-reel")
        self.assertNoBrowserErrors()

    def test_known_inventory_reads_in_french(self):
        self.open_host(self.fake_id)
        self.assertEqual("24 Go DDR4 2666 MHz, 3 barrettes",
                         self.browser.css("[data-testid=memory-summary]")[0].text)
        identity = self.browser.css("[data-testid=host-identity]")[0].text
        self.assertIn("Dell Inc. OptiPlex 7070", identity)
        self.assertIn("Intel(R) Core(TM) i5-9500 CPU @ 3.00GHz — 6 cœurs, 6 threads, 4,4 GHz", identity)
        self.assertRegex(self.browser.css("[data-testid=last-seen]")[0].text, DATE.pattern + r" \((à l'instant|il y a \d+ min)\)")
        disks = self.browser.css("[data-testid=disks]")[0].text
        self.assertIn("512 Go", disks)  # decimal, as sold
        self.assertIn("SSD NVMe", disks)
        self.assertIn("usure 3 %", disks)
        fs = self.browser.css("[data-testid=filesystems]")[0].text
        self.assertIn("94 %", fs)
        self.assertIn("30 Go libres", fs)
        modules = self.browser.css("[data-testid=memory-modules]")[0].text
        self.assertIn("8 Go", modules)
        self.assertIn("vide", modules)
        self.browser.screenshot("poste")

    def test_software_search(self):
        self.open_host(self.fake_id)
        self.browser.css("details[data-section=software] summary")[0].click()
        self.browser.wait_css("[data-testid=software-count]", text="2 sur 2")
        self.browser.css("[data-testid=software-search]")[0].send_keys("writer")
        self.browser.wait_css("[data-testid=software-count]", text="1 sur 2")
        table = self.browser.css("[data-testid=software-table]")[0].text
        self.assertIn("libreoffice-writer", table)
        self.assertNotIn("firefox", table)

    def test_history_lists_the_memory_change(self):
        self.open_host(self.fake_id)
        history = self.browser.wait_css("[data-testid=history] li")
        self.assertRegex(history.text, DATE.pattern + " — ")
        self.assertIn("Barrette mémoire ajoutée", self.browser.css("[data-testid=history]")[0].text)

    def test_dashboard_counts_and_full_disks(self):
        e2e.wait_for(lambda: self.server.request("GET", f"/api/v1/alerts?host_id={self.fake_id}")["items"],
                     30, what="the disk alert opened by the server's rules")
        self.browser.go("#/")
        self.browser.wait_css("[data-testid=dash-total]", text="2")
        self.browser.wait_css("[data-testid=dash-disks] li", text="pc-accueil")
        # From the newest metrics (99 %), not the last inventory (94 %): one summary request.
        self.assertIn("/ rempli à 99 %", self.browser.css("[data-testid=dash-disks]")[0].text)
        self.assertIn("critique", self.browser.css("[data-testid=dash-alerts]")[0].text)
        self.assertIn("Mairie de Millau", self.browser.css("[data-testid=dash-tenants]")[0].text)
        # No SMART failure nor backup policy here (the API test covers a failing disk).
        self.assertEqual("Aucun disque défaillant.", self.browser.css("[data-testid=dash-failing-disks]")[0].text)
        self.assertEqual("Aucune sauvegarde en retard.", self.browser.css("[data-testid=dash-stale-backups]")[0].text)
        self.assertNoBrowserErrors()

    def test_health_chart_and_alert_acknowledged(self):
        res, _ = self.server.request("GET", "/api/v1/alerts", raw=True)
        if res.status == 404:
            self.skipTest("this server has no /api/v1/alerts nor metrics routes yet")
        # The rules run every 5 s on the server: the page shows what exists when it loads.
        e2e.wait_for(lambda: self.server.request("GET", f"/api/v1/alerts?host_id={self.fake_id}")["items"],
                     30, what="the disk alert opened by the server's rules")
        self.open_host(self.fake_id)
        chart = self.browser.wait_css("[data-metric='disk.used_pct'] figure", 20)
        self.assertIn("/ : Dernière valeur : 99 %", chart.text)
        self.assertEqual(1, len(self.browser.css("[data-metric='disk.used_pct'] svg polyline")))
        points = self.browser.css("[data-metric='cpu.usage_pct'] svg polyline")[0].get_attribute("points")
        self.assertGreaterEqual(len(points.split()), 10)
        self.browser.wait_css("[data-testid=host-alerts] li", 20, text="critique")
        self.browser.screenshot("poste-sante")
        # The alert in the list, acknowledged by the technician.
        self.browser.go("#/alertes")
        row = self.browser.wait_css("[data-testid=alerts-table] tbody tr", text="pc-accueil")
        self.assertIn("En cours", row.text)
        self.assertIn("disque / rempli à", row.text)
        row.find_element("css selector", "[data-testid=alert-ack]").click()
        self.browser.wait_css("[data-testid=alert-state]", text="Prise en compte")
        alerts = self.server.request("GET", f"/api/v1/alerts?host_id={self.fake_id}")["items"]
        self.assertEqual("acknowledged", alerts[0]["state"])
        self.browser.screenshot("alertes")
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
