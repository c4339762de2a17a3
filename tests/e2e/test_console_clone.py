#!/usr/bin/env python3
"""Cloned PCs in the console (docs/inventory.md, "Cloned PCs"), against a real server: one
agent identity reports from two machines (the inventory of a disk image copied onto a
laptop, with the agent's own flag), so the server keeps it aside and flags the host.
The hosts list marks it, its page shows the warning banner with the report; a read-only
account has no button; a technician accepts the new hardware and the banner goes."""
import datetime
import hashlib
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
import a11y_audit  # noqa: E402
import console_e2e as e2e  # noqa: E402

PASSWORD = "Clones-Rodez-2026!x"
DESKTOP_UUID = "4c4c4544-0050-4110-8037-b7c04f374433"
LAPTOP_UUID = "1d0a3f6c-2b7e-11b2-a85c-f2d8c1e0b3a4"


def inventory_message(inventory, flag=None):
    doc = json.dumps(inventory, sort_keys=True, separators=(",", ":"))
    payload = {"collected_at": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
               "agent_version": "0.0.0-e2e", "full": True, "hash": hashlib.sha256(doc.encode()).hexdigest(),
               "inventory": inventory}
    if flag:
        payload["clone_suspected"] = flag
    return {"id": str(uuid.uuid4()), "type": "inventory", "created_at": int(time.time()), "payload": payload}


class ConsoleCloneTest(e2e.ConsoleTestCase):
    password = PASSWORD

    @classmethod
    def seed(cls):
        s = cls.server
        cls.rodez = s.create_tenant("Mairie de Rodez", "12202")["id"]
        # The town hall's desktop, then another PC that stays clean.
        cls.agent = e2e.FakeAgent(s, cls.tmp, s.create_token(cls.rodez)["token"], "pc-accueil")
        desktop = e2e.sample_inventory("pc-accueil", "PARC7D3")
        desktop["system"]["product_uuid"] = DESKTOP_UUID
        cls.agent.send_inventory(desktop)
        other = e2e.FakeAgent(s, cls.tmp, s.create_token(cls.rodez)["token"], "pc-mairie")
        other.send_inventory(e2e.sample_inventory("pc-mairie", "PARC9X1"))
        cls.other_id = other.host_id
        # The desktop's disk imaged onto a laptop: same identity, other hardware, and the
        # agent's own flag, as parc-agent sends it (agent/service/clone_guard.cpp).
        laptop = e2e.sample_inventory("pc-accueil", "PF2PARC1")
        laptop["system"]["product_uuid"] = LAPTOP_UUID
        flag = {"recorded": {"uuid": DESKTOP_UUID, "product_serial": "PARC7D3"},
                "current": {"uuid": LAPTOP_UUID, "product_serial": "PF2PARC1"}}
        res = s.request("POST", "/api/v1/messages", {"version": 1, "messages": [inventory_message(laptop, flag)]},
                        token="", url=s.agent_url, context=cls.agent.ctx)
        assert res["results"][0].get("clone_suspected") is True, res
        for user, role in [("tech", "technician"), ("lecteur", "read_only")]:
            s.request("POST", "/api/v1/users", {"username": user, "password": PASSWORD, "role": role, "tenants": None})

    def test_1_list_marks_the_suspected_host_and_read_only_has_no_button(self):
        b = self.browser
        self.sign_in("lecteur")
        b.go("#/postes")
        row = b.wait_css(f"tr[data-host-id='{self.agent.host_id}']")
        self.assertEqual("clone suspecté", row.find_element("css selector", "[data-testid=clone-marker]").text)
        self.assertEqual([], b.css(f"tr[data-host-id='{self.other_id}'] [data-testid=clone-marker]"))
        b.go(f"#/postes/{self.agent.host_id}")
        banner = b.wait_css("[data-testid=clone-banner]")
        self.assertIn("ce certificat est présenté par une autre machine", banner.text)
        b.wait_css("[data-testid=clone-report]")
        self.assertEqual([], b.css("[data-testid=clone-accept]"))
        self.assertIn("Un technicien doit décider", banner.text)
        # The clean PC has no banner.
        b.go(f"#/postes/{self.other_id}")
        b.wait_css("[data-testid=host-title]", text="pc-mairie")
        self.assertEqual([], b.css("[data-testid=clone-banner]"))
        self.assertNoBrowserErrors()

    def test_2_technician_accepts_the_new_hardware_and_the_banner_goes(self):
        b = self.browser
        self.sign_in("tech")
        b.go(f"#/postes/{self.agent.host_id}")
        banner = b.wait_css("[data-testid=clone-banner]")
        report = b.wait_css("[data-testid=clone-report]")
        self.assertIn("matériel différent", report.text)
        self.assertIn(f"UUID {DESKTOP_UUID}, n° de série PARC7D3", report.text)
        self.assertIn(f"UUID {LAPTOP_UUID}, n° de série PF2PARC1", report.text)
        self.assertIn("1 inventaire(s) reçu(s)", report.text)
        # The host page still shows the desktop: nothing of the laptop was merged.
        self.assertIn("PARC7D3", b.css("[data-testid=host-identity]")[0].text)
        # The banner keeps the page accessible (names, contrast, keyboard).
        self.assertEqual([], a11y_audit.audit(b, "poste-clone")["issues"])
        b.driver.execute_script("document.getElementById('toast').replaceChildren();"
                                "arguments[0].scrollIntoView()", banner)
        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        b.driver.save_screenshot(os.path.join(e2e.ARTIFACTS, "poste-clone-suspecte.png"))

        b.css("[data-testid=clone-accept]")[0].click()
        e2e.wait_for(self.accept_dialog, 5, what="the confirmation")
        e2e.wait_for(lambda: not b.css("[data-testid=clone-banner]"), 15, what="the banner removed")
        b.wait_css("#toast div", text="Nouveau matériel accepté")
        host = self.server.request("GET", f"/api/v1/hosts/{self.agent.host_id}")
        self.assertFalse(host["clone_suspected"])
        self.assertEqual(LAPTOP_UUID, host["config"]["accepted_hardware"]["uuid"])
        reports = self.server.request("GET", f"/api/v1/hosts/{self.agent.host_id}/clone-reports")
        self.assertEqual("accepted", reports["items"][0]["resolution"])
        audit = self.server.request("GET", "/api/v1/audit?action=host.hardware.accept&limit=5")["items"]
        self.assertEqual("user:tech", audit[0]["actor"])
        # After a reload too, and the list's marker is gone.
        b.go("#/postes")
        b.wait_css(f"tr[data-host-id='{self.agent.host_id}']")
        self.assertEqual([], b.css("[data-testid=clone-marker]"))
        b.go(f"#/postes/{self.agent.host_id}")
        b.wait_css("[data-testid=host-title]", text="pc-accueil")
        self.assertEqual([], b.css("[data-testid=clone-banner]"))
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
