#!/usr/bin/env python3
"""Alert pages of the console against a real server whose rules opened real alerts:
the list's filters, an alert's page (comment, silence for a chosen time, lift the
silence, acknowledge), the rules of a commune (a threshold changed, a rule switched off,
seen through the API), notification channels (an e-mail channel whose password is never
shown back), and read-only accounts, who see these pages without any edit control."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import console_e2e as e2e  # noqa: E402

PASSWORD = "Alertes-Millau-2026!x"
SMTP_PASSWORD = "Mot-de-passe-SMTP-tres-secret-42"


class ConsoleAlertsTest(e2e.ConsoleTestCase):
    password = PASSWORD

    @classmethod
    def seed(cls):
        s = cls.server
        cls.millau = s.create_tenant("Mairie de Millau", "12145")["id"]
        cls.mende = s.create_tenant("Mairie de Mende", "48095")["id"]
        now = int(time.time())
        # A disk at 99 % (critical) in Millau, one at 93 % (warning) in Mende: the
        # server's default rule disk_usage opens both alerts within one round (5 s).
        for tenant, name, value in [(cls.millau, "pc-accueil", 99.0), (cls.mende, "pc-mende", 93.0)]:
            fake = e2e.FakeAgent(s, cls.tmp, s.create_token(tenant)["token"], name)
            fake.send_inventory(e2e.sample_inventory(name, "SN-" + name))
            fake.send_metrics(now - 60, [{"name": "disk.used_pct", "subject": "/", "value": value}])
            fake.send_metrics(now, [{"name": "disk.used_pct", "subject": "/", "value": value}])
            setattr(cls, name.replace("-", "_"), fake.host_id)
        def both_open():
            items = s.request("GET", "/api/v1/alerts?state=open")["items"]
            return items if len(items) >= 2 else None
        alerts = e2e.wait_for(both_open, 40, what="both disk alerts")
        cls.critical = next(a for a in alerts if a["host_id"] == cls.pc_accueil)
        cls.warning = next(a for a in alerts if a["host_id"] == cls.pc_mende)
        for user, role in [("tech", "technician"), ("lecteur", "read_only"), ("assistance", "helpdesk")]:
            s.request("POST", "/api/v1/users", {"username": user, "password": PASSWORD, "role": role, "tenants": None})
        # A channel of Mende, for the read-only views (a name that resolves nowhere is accepted).
        s.request("POST", "/api/v1/channels", {"tenant_id": cls.mende, "kind": "webhook", "name": "Astreinte Mende",
                                               "settings": {"url": "https://hooks.mende.example/parc",
                                                            "secret": "0123456789abcdef-secret"}})

    def screenshot(self, name, selector=None):
        """Without the passing messages; `selector`: scrolled into view (else the top)."""
        b = self.browser
        b.driver.execute_script("document.getElementById('toast').replaceChildren()")
        if not selector:
            b.screenshot(name)
            return
        b.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", selector)
        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        b.driver.save_screenshot(os.path.join(e2e.ARTIFACTS, name + ".png"))

    def api_alert(self, alert_id):
        return self.server.request("GET", f"/api/v1/alerts/{alert_id}")

    def test_list_filters_by_state_severity_and_commune(self):
        b = self.browser
        self.sign_in("tech")
        b.go("#/alertes")
        b.wait_css("[data-testid=alerts-table] tbody tr", text="pc-accueil")
        self.assertIn("pc-mende", b.css("[data-testid=alerts-table]")[0].text)
        # Severity, chosen in the form (the select submits on change).
        from selenium.webdriver.support.ui import Select
        Select(b.css("[data-testid=filter-severity]")[0]).select_by_value("critical")
        b.wait_route("#/alertes?gravite=critical")
        rows = b.texts("[data-testid=alerts-table] tbody tr")
        self.assertEqual(1, len(rows))
        self.assertIn("pc-accueil", rows[0])
        self.assertIn("Mairie de Millau", rows[0])
        b.go(f"#/alertes?commune={self.mende}")
        rows = b.texts("[data-testid=alerts-table] tbody tr")
        self.assertEqual(1, len(rows))
        self.assertIn("pc-mende", rows[0])
        self.assertIn("avertissement", rows[0])
        b.go("#/alertes?etat=resolues")
        b.wait_css("[data-testid=alerts-none]", text="Aucune alerte")
        self.assertEqual("resolues", b.css("[data-testid=filter-state]")[0].get_attribute("value"))
        self.assertNoBrowserErrors()

    def test_alert_page_comment_silence_unsilence_acknowledge(self):
        b = self.browser
        self.sign_in("tech")
        b.go("#/alertes")
        row = b.wait_css(f"tr[data-alert-id='{self.critical['id']}']")
        row.find_element("css selector", "[data-testid=alert-link]").click()
        b.wait_route(f"#/alertes/{self.critical['id']}")
        self.assertIn("pc-accueil : disque / rempli à", b.css("[data-testid=alert-title]")[0].text)
        self.assertEqual("Disque presque plein (disk_usage)", b.css("[data-testid=alert-rule]")[0].text)
        self.assertEqual("critique", b.css("[data-testid=alert-severity]")[0].text)
        self.assertEqual("pc-accueil", b.css("[data-testid=alert-host]")[0].text)
        self.assertIn("Alerte ouverte (critique)", b.css("[data-testid=alert-timeline]")[0].text)

        # A comment, shown with its author, kept by the server.
        b.css("[data-testid=comment-text]")[0].send_keys("Technicien en route, arrivée vers 14 h <b>demain</b>")
        b.css("[data-testid=comment-submit]")[0].click()
        comments = b.wait_css("[data-testid=alert-comments] li", text="Technicien en route")
        self.assertIn("user:tech", comments.text)
        self.assertIn("<b>demain</b>", comments.text)  # text, not markup
        self.assertIn("Commentaire de user:tech", b.css("[data-testid=alert-timeline]")[0].text)
        api = self.api_alert(self.critical["id"])
        self.assertEqual("Technicien en route, arrivée vers 14 h <b>demain</b>", api["comments"][0]["text"])

        # Silenced for 4 hours with a reason.
        from selenium.webdriver.support.ui import Select
        Select(b.css("[data-testid=silence-minutes]")[0]).select_by_visible_text("4 heures")
        b.css("[data-testid=silence-comment]")[0].send_keys("Disque remplacé demain matin")
        started = int(time.time())
        b.css("[data-testid=silence-submit]")[0].click()
        b.wait_css("[data-testid=alert-silence]", text="en sourdine jusqu'au")
        silences = [x for x in self.server.request("GET", "/api/v1/silences")["items"]
                    if x.get("alert_id") == self.critical["id"]]
        self.assertEqual(1, len(silences))
        self.assertEqual("Disque remplacé demain matin", silences[0]["comment"])
        self.assertAlmostEqual(started + 240 * 60, silences[0]["ends_at"], delta=120)
        timeline = b.css("[data-testid=alert-timeline]")[0].text
        self.assertIn("Mise en sourdine par user:tech", timeline)
        self.assertIn("« Disque remplacé demain matin »", timeline)
        # The next rules round marks the alert as silenced (never notified).
        e2e.wait_for(lambda: self.api_alert(self.critical["id"])["silenced"], 20, what="alert marked silenced")
        self.screenshot("alerte-en-sourdine")

        # Lifted: the silence is gone and the alert notifies again.
        b.wait_css("[data-testid=unsilence]").click()
        b.wait_css("[data-testid=alert-silence]", text="envoyées aux canaux")
        self.assertFalse(self.api_alert(self.critical["id"])["silenced"])
        self.assertEqual([], [x for x in self.server.request("GET", "/api/v1/silences")["items"]
                              if x.get("alert_id") == self.critical["id"]])
        timeline = b.css("[data-testid=alert-timeline]")[0].text
        self.assertIn("« Disque remplacé demain matin »", timeline)  # kept in the history
        self.assertIn("Fin de la sourdine", timeline)
        self.assertEqual(1, len(self.api_alert(self.critical["id"])["silences"]))
        audit = self.server.request("GET", "/api/v1/audit?action=alert.&limit=20")["items"]
        self.assertLessEqual({"alert.silence", "alert.unsilence"}, {x["action"] for x in audit})

        # Acknowledged from its page.
        b.wait_css("[data-testid=alert-ack]").click()
        b.wait_css("[data-testid=alert-detail-state]", text="Prise en compte (user:tech)")
        self.assertEqual("acknowledged", self.api_alert(self.critical["id"])["state"])
        self.assertIn("Prise en compte par user:tech", b.css("[data-testid=alert-timeline]")[0].text)
        self.screenshot("alerte")
        self.assertNoBrowserErrors()

    def test_host_page_links_to_its_alert(self):
        b = self.browser
        self.sign_in("tech")
        b.go(f"#/postes/{self.pc_mende}")
        b.wait_css("[data-testid=host-alerts] li a").click()
        b.wait_route(f"#/alertes/{self.warning['id']}")
        self.assertIn("pc-mende", b.wait_css("[data-testid=alert-title]").text)

    def test_rules_threshold_changed_and_rule_switched_off(self):
        b = self.browser
        self.sign_in("tech")
        b.go(f"#/alertes/regles?commune={self.millau}")
        row = b.wait_css("[data-testid=rules-table] tr[data-rule=disk_usage]")
        self.assertIn("Disque presque plein", row.text)
        self.assertIn("avertissement au-dessus de 90 %, critique au-dessus de 98 %", row.text)
        row.find_element("css selector", "[data-testid=rule-edit]").click()
        warning = b.wait_css("[data-testid=rule-warning]")
        self.assertEqual("90", warning.get_attribute("value"))
        warning.clear()
        warning.send_keys("85")
        b.css("[data-testid=rule-save]")[0].click()
        b.wait_css("#toast div", text="Règle « Disque presque plein » enregistrée pour Mairie de Millau")
        b.wait_css("tr[data-rule=disk_usage] [data-testid=rule-effective]", text="au-dessus de 85 %")
        self.assertIn("modifiée pour la commune", b.css("tr[data-rule=disk_usage]")[0].text)
        rules = self.server.request("GET", f"/api/v1/alert-rules?tenant_id={self.millau}")
        self.assertIn({"scope": "tenant", "scope_id": self.millau, "rule": "disk_usage", "settings": {"warning": 85}},
                      rules["overrides"])
        effective = {r["id"]: r for r in rules["effective"]}
        self.assertEqual(85, effective["disk_usage"]["warning"])
        self.assertEqual(98, effective["disk_usage"]["critical"])
        other = self.server.request("GET", f"/api/v1/alert-rules?tenant_id={self.mende}")
        self.assertEqual(90, {r["id"]: r for r in other["effective"]}["disk_usage"]["warning"])

        # A rule switched off for the commune.
        b.css("tr[data-rule=temperature] [data-testid=rule-edit]")[0].click()
        box = b.wait_css("[data-testid=rule-enabled]")
        self.assertTrue(box.is_selected())
        box.click()
        b.css("[data-testid=rule-save]")[0].click()
        b.wait_css("tr[data-rule=temperature]", text="désactivée")
        effective = {r["id"]: r for r in self.server.request(
            "GET", f"/api/v1/alert-rules?tenant_id={self.millau}")["effective"]}
        self.assertFalse(effective["temperature"]["enabled"])
        self.screenshot("regles")

        # Back to the defaults: the override is removed.
        b.css("tr[data-rule=disk_usage] [data-testid=rule-edit]")[0].click()
        b.wait_css("[data-testid=rule-reset]").click()
        b.wait_css("tr[data-rule=disk_usage] [data-testid=rule-effective]", text="au-dessus de 90 %")
        overrides = self.server.request("GET", f"/api/v1/alert-rules?tenant_id={self.millau}")["overrides"]
        self.assertEqual(["temperature"], [o["rule"] for o in overrides if o["scope_id"] == self.millau])
        self.assertNoBrowserErrors()

    def test_email_channel_password_is_never_shown_back(self):
        b = self.browser
        self.sign_in("tech")
        b.go(f"#/alertes/canaux?commune={self.millau}")
        b.wait_css("[data-testid=channels-none]")
        values = {"name": "Support Millau", "to": "support@millau.example, astreinte@millau.example",
                  "from": "parc@millau.example", "host": "smtp.millau.example", "username": "parc",
                  "password": SMTP_PASSWORD, "digest_hour": "8"}
        for key, value in values.items():
            b.css(f"[data-testid=channel-{key}]")[0].send_keys(value)
        b.css("[data-testid=channel-create]")[0].click()
        row = b.wait_css("[data-testid=channel-table] tbody tr", text="Support Millau")
        self.assertIn("Courriel", row.text)
        self.assertIn("support@millau.example, astreinte@millau.example", row.text)
        self.assertIn("résumé quotidien à 8 h", row.text)
        self.assertEqual("••• enregistré", row.find_element("css selector", "[data-testid=secret-stored]").text)
        # Nowhere in the page, not even in the emptied form.
        self.assertNotIn(SMTP_PASSWORD, b.driver.page_source)
        self.assertEqual("", b.css("[data-testid=channel-password]")[0].get_attribute("value"))
        self.assertEqual("587", b.css("[data-testid=channel-port]")[0].get_attribute("value"))  # form reset
        channel = next(c for c in self.server.request("GET", "/api/v1/channels")["items"] if c["name"] == "Support Millau")
        self.assertEqual("********", channel["settings"]["password"])
        self.assertEqual(8, channel["settings"]["digest_hour"])
        self.assertEqual(self.millau, channel["tenant_id"])
        self.screenshot("canaux")
        self.screenshot("canaux-liste", "[data-testid=channels]")

        # A webhook with a short secret is refused with the server's reason; nothing added.
        from selenium.webdriver.support.ui import Select
        Select(b.css("[data-testid=channel-kind]")[0]).select_by_value("webhook")
        b.css("[data-testid=channel-name]")[0].send_keys("Webhook court")
        b.wait_css("[data-testid=channel-url]").send_keys("https://hooks.millau.example/x")
        b.css("[data-testid=channel-secret]")[0].send_keys("court")
        b.css("[data-testid=channel-create]")[0].click()
        b.wait_css("[data-testid=channel-error]", text="16+ characters")
        self.assertEqual(1, len([c for c in self.server.request("GET", "/api/v1/channels")["items"]
                                 if c["tenant_id"] == self.millau]))

        # Deleted after confirmation.
        delete = b.css(f"tr[data-channel-id='{channel['id']}'] [data-testid=channel-delete]")[0]
        b.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", delete)
        delete.click()
        e2e.wait_for(self.accept_dialog, 5, what="the confirmation")
        b.wait_css("[data-testid=channels-none]")
        self.assertEqual([], [c for c in self.server.request("GET", "/api/v1/channels")["items"]
                              if c["tenant_id"] == self.millau])
        self.assertNoBrowserErrors()

    def test_read_only_roles_see_no_edit_controls(self):
        b = self.browser
        self.sign_in("lecteur")
        b.go("#/alertes")
        b.wait_css("[data-testid=alerts-table] tbody tr", text="pc-mende")
        self.assertEqual([], b.css("[data-testid=alert-ack]"))
        b.go(f"#/alertes/{self.warning['id']}")
        b.wait_css("[data-testid=alert-readonly]")
        for testid in ("alert-ack", "silence-form", "unsilence", "comment-form"):
            self.assertEqual([], b.css(f"[data-testid={testid}]"), testid)
        b.go(f"#/alertes/regles?commune={self.mende}")
        b.wait_css("[data-testid=rules-table] tr[data-rule=disk_usage]")
        self.assertEqual([], b.css("[data-testid=rule-edit]"))
        self.assertNotIn("Action", b.css("[data-testid=rules-table] thead")[0].text)
        b.go(f"#/alertes/canaux?commune={self.mende}")
        row = b.wait_css("[data-testid=channel-table] tbody tr", text="Astreinte Mende")
        self.assertIn("••• enregistré", row.text)
        self.assertNotIn("0123456789abcdef-secret", b.driver.page_source)
        self.assertEqual([], b.css("[data-testid=channel-form]"))
        self.assertEqual([], b.css("[data-testid=channel-delete]"))
        self.assertEqual([], b.css("[data-testid=channel-table] button"))
        self.screenshot("canaux-lecture-seule")
        # The server refuses what the page does not offer.
        token = self.server.request("POST", "/api/v1/login", {"username": "lecteur", "password": PASSWORD},
                                    token="")["token"]
        with self.assertRaises(e2e.ApiError) as refused:
            self.server.request("POST", f"/api/v1/alerts/{self.warning['id']}/silence", {"minutes": 30}, token=token)
        self.assertEqual(403, refused.exception.status)

        # The help desk handles alerts but neither rules nor channels.
        self.sign_in("assistance")
        b.go(f"#/alertes/{self.warning['id']}")
        b.wait_css("[data-testid=silence-form]")
        self.assertTrue(b.css("[data-testid=comment-form]"))
        b.go(f"#/alertes/regles?commune={self.mende}")
        b.wait_css("[data-testid=rules-table] tr[data-rule=disk_usage]")
        self.assertEqual([], b.css("[data-testid=rule-edit]"))
        b.go(f"#/alertes/canaux?commune={self.mende}")
        b.wait_css("[data-testid=channel-table]")
        self.assertEqual([], b.css("[data-testid=channel-form]"))
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
