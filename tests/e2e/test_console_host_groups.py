#!/usr/bin/env python3
"""Host groups page of the console (#/alertes/groupes) against a real server: a group
created, two PCs added and one removed, a rule switched off for the group and reset,
the group deleted; each seen through the API and the audit log. Read-only accounts see
the groups without any edit control; a name refused by the server is said in French."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import console_e2e as e2e  # noqa: E402

PASSWORD = "Groupes-Espalion-2026!x"


class ConsoleHostGroupsTest(e2e.ConsoleTestCase):
    password = PASSWORD

    @classmethod
    def seed(cls):
        s = cls.server
        cls.espalion = s.create_tenant("Mairie d'Espalion", "12096")["id"]
        cls.mende = s.create_tenant("Mairie de Mende", "48095")["id"]
        cls.hosts = {}
        for tenant, name in [(cls.espalion, "pc-accueil"), (cls.espalion, "pc-secretariat"),
                             (cls.mende, "pc-mende")]:
            fake = e2e.FakeAgent(s, cls.tmp, s.create_token(tenant)["token"], name)
            fake.send_inventory(e2e.sample_inventory(name, "SN-" + name))
            cls.hosts[name] = fake.host_id
        for user, role in [("tech", "technician"), ("lecteur", "read_only")]:
            s.request("POST", "/api/v1/users", {"username": user, "password": PASSWORD, "role": role, "tenants": None})

    def groups(self, tenant):
        return self.server.request("GET", f"/api/v1/host-groups?tenant_id={tenant}")["items"]

    def group_card(self, name):
        return self.browser.wait_css("[data-testid=groups] section[data-group-id]", text=name)

    def test_create_fill_override_and_delete_a_group(self):
        from selenium.webdriver.support.ui import Select
        b = self.browser
        self.sign_in("tech")
        b.go("#/alertes")
        b.wait_css("nav a[href='#/alertes/groupes']", text="Groupes de postes").click()
        b.wait_route("#/alertes/groupes")
        b.go(f"#/alertes/groupes?commune={self.espalion}")
        b.wait_css("[data-testid=groups-none]", text="Aucun groupe de postes pour Mairie d'Espalion")

        # Created.
        b.css("[data-testid=group-name]")[0].send_keys("Accueil et secrétariat")
        b.css("[data-testid=group-create-submit]")[0].click()
        b.wait_css("#toast div", text="Groupe « Accueil et secrétariat » créé pour Mairie d'Espalion")
        card = self.group_card("Accueil et secrétariat")
        self.assertIn("Aucun poste dans ce groupe", card.text)
        groups = self.groups(self.espalion)
        self.assertEqual(1, len(groups))
        gid = groups[0]["id"]
        self.assertEqual([], groups[0]["hosts"])

        # Two PCs added (only this commune's PCs are offered), one removed.
        for name in ("pc-accueil", "pc-secretariat"):
            select = Select(self.group_card("Accueil")
                            .find_element("css selector", "[data-testid=group-add-select]"))
            self.assertNotIn("pc-mende", [o.text for o in select.options])
            select.select_by_visible_text(name)
            self.group_card("Accueil").find_element("css selector", "[data-testid=group-add-host]").click()
            b.wait_css("#toast div", text=f"{name} ajouté au groupe « Accueil et secrétariat »")
            b.wait_css(f"section[data-group-id='{gid}'] li[data-host-id='{self.hosts[name]}']")
        self.assertEqual(sorted([self.hosts["pc-accueil"], self.hosts["pc-secretariat"]]),
                         sorted(self.groups(self.espalion)[0]["hosts"]))
        b.css(f"li[data-host-id='{self.hosts['pc-secretariat']}'] [data-testid=group-remove-host]")[0].click()
        b.wait_css("#toast div", text="pc-secretariat retiré du groupe « Accueil et secrétariat »")
        self.assertEqual([self.hosts["pc-accueil"]], self.groups(self.espalion)[0]["hosts"])

        # A rule switched off for the group, with a warning level; seen by the API.
        card = self.group_card("Accueil")
        Select(card.find_element("css selector", "[data-testid=group-rule]")).select_by_value("disk_usage")
        card.find_element("css selector", "[data-testid=group-rule-enabled]").click()
        card.find_element("css selector", "[data-testid=group-rule-warning]").send_keys("85")
        card.find_element("css selector", "[data-testid=group-rule-save]").click()
        b.wait_css("#toast div", text="Règle « Disque presque plein » enregistrée pour le groupe « Accueil et secrétariat »")
        line = b.wait_css("[data-testid=group-rules] li[data-rule=disk_usage]")
        self.assertIn("Disque presque plein : désactivée, avertissement à 85", line.text)
        rules = self.server.request("GET", f"/api/v1/alert-rules?tenant_id={self.espalion}")
        self.assertIn({"scope": "group", "scope_id": gid, "rule": "disk_usage",
                       "settings": {"enabled": False, "warning": 85}}, rules["overrides"])
        b.css("[data-testid=group-rule-reset]")[0].click()
        b.wait_css("[data-testid=group-rules-none]")
        rules = self.server.request("GET", f"/api/v1/alert-rules?tenant_id={self.espalion}")
        self.assertEqual([], [o for o in rules["overrides"] if o["scope"] == "group"])

        # Deleted, after the confirmation.
        self.group_card("Accueil").find_element("css selector", "[data-testid=group-delete]").click()
        e2e.wait_for(self.accept_dialog, 5, what="the confirmation")
        b.wait_css("#toast div", text="Groupe « Accueil et secrétariat » supprimé")
        b.wait_css("[data-testid=groups-none]")
        self.assertEqual([], self.groups(self.espalion))
        actions = [x["action"] for x in self.server.request("GET", "/api/v1/audit?limit=50")["items"]
                   if x["actor"] == "user:tech"]
        for action in ("host_group.create", "host.groups", "alert_rule.set", "host_group.delete"):
            self.assertIn(action, actions)
        self.assertNoBrowserErrors()

    def test_a_name_the_server_refuses_is_said_in_french(self):
        b = self.browser
        self.sign_in("tech")
        self.server.request("POST", "/api/v1/host-groups", {"tenant_id": self.mende, "name": "École"})
        b.go(f"#/alertes/groupes?commune={self.mende}")
        self.group_card("École")
        b.css("[data-testid=group-name]")[0].send_keys("École")  # already a group of Mende
        b.css("[data-testid=group-create-submit]")[0].click()
        b.wait_css("[data-testid=groups-error]",
                   text="Mairie de Mende a déjà un groupe « École » : choisissez un autre nom.")
        self.assertEqual(1, len(self.groups(self.mende)))

    def test_read_only_sees_groups_without_edit_controls(self):
        b = self.browser
        self.server.request("POST", "/api/v1/host-groups", {"tenant_id": self.espalion, "name": "Bibliothèque"})
        self.sign_in("lecteur")
        b.go(f"#/alertes/groupes?commune={self.espalion}")
        self.group_card("Bibliothèque")
        for testid in ("group-create", "group-add-host", "group-delete", "group-rule-form", "group-remove-host"):
            self.assertEqual([], b.css(f"[data-testid={testid}]"), testid)
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
