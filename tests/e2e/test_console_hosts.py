#!/usr/bin/env python3
"""The host list: search (by serial), tenant filter, sorting, paging, saved filters and
CSV export, against hosts enrolled through the real protocol."""
import glob
import os
import re
import urllib.parse

import console_e2e as e2e

PER_TENANT = 31  # 62 hosts: two pages of 50


class ConsoleHostsTest(e2e.ConsoleTestCase):
    public_burst = 200
    @classmethod
    def seed(cls):
        s = cls.server
        cls.tenants = {"rodez": s.create_tenant("Mairie de Rodez", "12202"),
                       "espalion": s.create_tenant("Mairie d'Espalion", "12096")}
        for key, tenant in cls.tenants.items():
            token = s.create_token(tenant["id"], uses=PER_TENANT)["token"]
            for i in range(1, PER_TENANT + 1):
                name = f"pc-{key}-{i:03d}"
                agent = e2e.FakeAgent(s, cls.tmp, token, name)
                agent.send_inventory(e2e.sample_inventory(name, f"SN-{key[0].upper()}-{i:03d}"))
        e2e.wait_for(lambda: len(s.hosts()) == 2 * PER_TENANT, 20, what="hosts listed")

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.admin_login()

    def rows(self):
        return self.browser.texts("[data-testid=host-table] tbody tr")

    def open_list(self, fragment="#/postes"):
        self.browser.go(fragment)
        self.browser.wait_css("[data-testid=host-range]")

    def test_paging_through_all_hosts(self):
        self.open_list()
        total = 2 * PER_TENANT
        self.browser.wait_css("[data-testid=host-range]", text=f"1 – 50 sur {total}")
        self.assertEqual(50, len(self.rows()))
        self.assertTrue(self.rows()[0].startswith("pc-espalion-001"))
        self.browser.css("[data-testid=page-next]")[0].click()
        self.browser.wait_css("[data-testid=host-range]", text=f"51 – {total} sur {total}")
        self.assertEqual(total - 50, len(self.rows()))
        self.assertTrue(self.rows()[-1].startswith(f"pc-rodez-{PER_TENANT:03d}"))
        self.assertFalse(self.browser.css("[data-testid=page-next]")[0].is_enabled())
        self.browser.screenshot("postes")
        self.assertNoBrowserErrors()

    def search(self, text, expected_range):
        self.open_list()
        self.browser.css("[data-testid=host-search]")[0].send_keys(text)
        self.browser.wait_route("#/postes?" + urllib.parse.urlencode({"q": text}))
        self.browser.wait_css("[data-testid=host-range]", text=expected_range)
        return self.rows()

    def test_search_by_hostname_then_open_the_host(self):
        rows = self.search("pc-espalion-007", "1 – 1 sur 1")
        self.assertEqual(1, len(rows))
        self.assertIn("Mairie d'Espalion", rows[0])
        self.assertIn("SN-E-007", rows[0])
        # Opening it goes to the host page.
        self.browser.css("[data-testid=host-table] tbody tr a")[0].click()
        self.browser.wait_css("[data-testid=host-title]", text="pc-espalion-007")
        self.assertNoBrowserErrors()

    def test_search_by_serial_number_finds_one_host(self):
        rows = self.search("SN-E-007", "1 – 1 sur 1")
        self.assertEqual(1, len(rows))
        self.assertIn("pc-espalion-007", rows[0])

    def test_search_by_software_name(self):
        self.search("libreoffice-writer", f"sur {2 * PER_TENANT}")

    def test_search_without_match_says_so(self):
        self.open_list("#/postes?q=aucun-poste-de-ce-nom")
        self.browser.wait_css("[data-testid=host-empty]", text="Aucun poste")
        self.assertIn("0 – 0 sur 0", self.browser.css("[data-testid=host-range]")[0].text)

    def test_tenant_filter_and_sort_descending(self):
        self.open_list(f"#/postes?commune={self.tenants['rodez']['id']}")
        self.browser.wait_css("[data-testid=host-range]", text=f"1 – {PER_TENANT} sur {PER_TENANT}")
        self.assertTrue(all("Mairie de Rodez" in r for r in self.rows()))
        self.browser.css("button.sort[data-sort=hostname]")[0].click()  # already ascending → descending
        e2e.wait_for(lambda: self.rows() and self.rows()[0].startswith(f"pc-rodez-{PER_TENANT:03d}"), 10,
                     what="descending order")
        header = self.browser.css("button.sort[data-sort=hostname]")[0].find_element("xpath", "..")
        self.assertEqual("descending", header.get_attribute("aria-sort"))

    def test_saved_filter_survives_a_reload(self):
        self.open_list("#/postes?q=pc-rodez-01")
        self.browser.wait_css("[data-testid=host-range]", text="sur 10")  # pc-rodez-010 … 019
        name = self.browser.css("[data-testid=saved-name]")[0]
        name.send_keys("Rodez 01x")
        name.submit()
        self.browser.wait_css("[data-saved='Rodez 01x']")
        self.browser.open("#/postes")  # a full reload: the filter comes from localStorage
        self.browser.wait_css("[data-testid=host-range]", text="sur 62")
        self.browser.wait_css("[data-saved='Rodez 01x']").click()
        self.browser.wait_css("[data-testid=host-range]", text="1 – 10 sur 10")

    def test_csv_export_of_the_current_filter(self):
        self.open_list(f"#/postes?commune={self.tenants['espalion']['id']}")
        self.browser.wait_css("[data-testid=host-range]", text=f"sur {PER_TENANT}")
        for old in glob.glob(os.path.join(self.browser.downloads, "*")):
            os.remove(old)
        self.browser.css("[data-testid=host-export]")[0].click()
        path = os.path.join(self.browser.downloads, "postes.csv")
        e2e.wait_for(lambda: os.path.exists(path) and os.path.getsize(path) > 0, 20, what="postes.csv")
        with open(path, encoding="utf-8-sig") as f:
            lines = f.read().splitlines()
        self.assertTrue(lines[0].startswith("id;nom;commune"))
        self.assertEqual(PER_TENANT, len(lines) - 1)
        self.assertTrue(all("Mairie d'Espalion" in line for line in lines[1:]))
        self.assertTrue(any(re.search(r";pc-espalion-031;", line) for line in lines))

    def test_town_hall_account_sees_only_its_hosts(self):
        password = "Mairie-de-Rodez-2026!x"
        try:
            self.server.request("POST", "/api/v1/users", {"username": "accueil-rodez", "password": password,
                                                          "role": "town_hall_staff",
                                                          "tenants": [self.tenants["rodez"]["id"]]})
        except e2e.ApiError as e:
            if e.status in (404, 405):
                self.skipTest("this server has no /api/v1/users yet")
            raise
        espalion_host = next(h for h in self.server.hosts() if h["hostname"] == "pc-espalion-001")
        self.logout()
        try:
            self.browser.login("accueil-rodez", password)
            self.browser.wait_css("[data-testid=role]", text="Personnel de mairie")
            self.assertFalse([a for a in self.browser.css("header nav a") if a.text == "Administration"])
            self.open_list()
            self.browser.wait_css("[data-testid=host-range]", text=f"1 – {PER_TENANT} sur {PER_TENANT}")
            self.assertTrue(all("Mairie de Rodez" in r for r in self.rows()))
            self.assertNotIn("Espalion", self.browser.texts("[data-testid=host-tenant]")[0])
            # Another commune's host, by its address: refused, nothing of it shown.
            self.browser.go(f"#/postes/{espalion_host['id']}")
            self.browser.wait_css("main p.error")
            self.assertNotIn("pc-espalion-001", self.browser.body_text())
            self.assertNoBrowserErrors()
        finally:
            self.logout()


if __name__ == "__main__":
    e2e.main()
