#!/usr/bin/env python3
"""Backups in the console, in headless Chromium against the real parc-server and a real
parc-agent that backed up a fixture folder (`parc-agent backup --init --source`): the
host page lists the snapshot, "Parcourir" walks its folders by breadcrumbs, a file is
restored into a folder of the PC and to its original place (the changed file is kept,
the copy gets a dated name) and is found on disk; the commune's page shows the space and
the late PCs; a read-only account sees the list without any restore button."""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import a11y_audit  # noqa: E402
import console_e2e as e2e  # noqa: E402

MARKUP_NAME = "<img src=x onerror=window.__xss=1>acte.txt"  # no '/': it is a file name
LETTER = "Madame la Maire,\nveuillez trouver ci-joint l'acte demandé.\n"


class ConsoleBackupsTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        tenant = s.create_tenant("Mairie de Conques", "12076")
        cls.tenant_id = tenant["id"]
        token = s.create_token(tenant["id"], uses=2)["token"]
        cls.allowed = os.path.join(cls.tmp, "restaurations")
        os.makedirs(cls.allowed)
        cls.source = os.path.join(cls.tmp, "mairie", "secretariat")
        os.makedirs(os.path.join(cls.source, "Courrier"))
        os.makedirs(os.path.join(cls.source, "Etat civil"))
        with open(os.path.join(cls.source, "Courrier", "lettre.txt"), "w") as f:
            f.write(LETTER)
        with open(os.path.join(cls.source, "Etat civil", MARKUP_NAME), "w") as f:
            f.write("nom affiché en texte\n")
        data = os.path.join(cls.tmp, "agent")
        config = os.path.join(cls.tmp, "agent.toml")
        with open(config, "w") as f:
            f.write(f'data_dir = "{data}"\n[backup]\nrestore_roots = ["{cls.allowed}"]\n')
        agent = os.path.join(e2e.BUILD_DIR, "agent", "parc-agent")
        log = open(os.path.join(cls.tmp, "agent-setup.log"), "wb")
        subprocess.run([agent, "enroll", "--config", config, "--server", s.agent_url, "--ca-fingerprint",
                        s.fingerprint, "--token", token], check=True, timeout=60, stdout=log, stderr=log)
        subprocess.run([agent, "backup", "--init", "--config", config, "--source", cls.source],
                       check=True, timeout=120, stdout=log, stderr=log)
        # A second PC of the commune, never backed up: late on the commune's page.
        subprocess.run([agent, "enroll", "--server", s.agent_url, "--ca-fingerprint", s.fingerprint,
                        "--token", token, "--data-dir", os.path.join(cls.tmp, "agent2")],
                       check=True, timeout=60, stdout=log, stderr=log)
        cls.processes = [subprocess.Popen([agent, "run", "--config", config], stdout=subprocess.DEVNULL,
                                          stderr=open(os.path.join(cls.tmp, "agent.log"), "wb"))]
        online = e2e.wait_for(lambda: [h for h in s.hosts() if h.get("online")], 30, what="the agent online")
        cls.host_id = online[0]["id"]
        s.request("POST", "/api/v1/users", {"username": "lecteur", "password": "Lecture-seule-2026!x",
                                            "role": "read_only", "tenants": None})
        cls.rel = os.path.join(cls.source, "Courrier", "lettre.txt").lstrip("/")

    def shot(self, name, selector):
        """A screenshot with `selector` at the top of the window (the section, not the page top)."""
        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        self.browser.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", selector)
        self.browser.driver.save_screenshot(os.path.join(e2e.ARTIFACTS, name + ".png"))

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.admin_login()

    def open_snapshot_folder(self, folder):
        """The host page, "Parcourir" on the snapshot, then down the breadcrumbs' folders."""
        b = self.browser
        b.go(f"#/postes/{self.host_id}")
        b.wait_css("[data-testid=snapshots] button[data-snapshot]").click()
        b.wait_css("[data-testid=breadcrumbs]")
        parts = folder.split("/")
        for i in range(len(parts)):
            path = "/".join(parts[: i + 1])
            e2e.wait_for(lambda: b.driver.execute_script(
                "return document.querySelector(arguments[0])", f'button[data-dir="{path}"]'), 20,
                what=f"folder {path}")
            b.driver.execute_script("document.querySelector(arguments[0]).click()", f'button[data-dir="{path}"]')
            b.wait_css("[data-testid=breadcrumbs] [aria-current=location]", text=parts[i])

    def wait_newest_restore_ok(self):
        """The newest restore (first row) has finished well: the table refreshes itself."""
        e2e.wait_for(lambda: self.browser.driver.execute_script(
            "return document.querySelector('[data-testid=restores] tbody tr [data-state=ok]') !== null"
            " && document.querySelector('[data-testid=restores] tbody tr:first-child [data-state=ok]') !== null"),
            30, what="the restore finished")

    def restore_letter(self, where, folder=None):
        b = self.browser
        self.open_snapshot_folder(os.path.dirname(self.rel))
        box = e2e.wait_for(lambda: b.driver.execute_script(
            "return document.querySelector(arguments[0])", f'input[data-path="{self.rel}"]'), 20, what="checkbox")
        box.click()
        b.wait_css("[data-testid=selected-count]", text="1 élément sélectionné")
        b.css("[data-testid=restore-open]")[0].click()
        b.wait_css("[data-testid=restore-where]")
        b.driver.execute_script(
            "const s = document.querySelector('[data-testid=restore-where]');"
            "s.value = arguments[0]; s.dispatchEvent(new Event('change'));", where)
        if folder:
            b.css("[data-testid=restore-folder]")[0].send_keys(folder)
        b.css("[data-testid=restore-submit]")[0].click()
        b.wait_css("[data-testid=restore-result]", text="Restauration lancée", timeout=30)

    def test_browse_and_restore_into_a_folder(self):
        b = self.browser
        target = os.path.join(self.allowed, "depuis-la-console")
        self.restore_letter("folder", target)
        self.wait_newest_restore_ok()
        with open(os.path.join(target, self.rel)) as f:
            self.assertEqual(LETTER, f.read())
        # A name that looks like markup is shown as text in the browser.
        self.open_snapshot_folder(os.path.join(os.path.relpath(self.source, "/"), "Etat civil"))
        b.wait_css("[data-file]", text=MARKUP_NAME)
        self.assertEqual([], b.css("[data-testid=backup-browser] img"))
        self.assertIsNone(b.driver.execute_script("return window.__xss"))
        self.shot("backups-browse", "[data-testid=host-backups]")
        self.assertNoBrowserErrors()

    def test_restore_to_the_original_place_keeps_the_changed_file(self):
        b = self.browser
        original = os.path.join(self.source, "Courrier", "lettre.txt")
        with open(original, "w") as f:
            f.write("brouillon modifié depuis\n")
        self.restore_letter("original")
        hint = b.texts("[data-testid=restore-hint]")[0]
        self.assertIn("restauré AAAA-MM-JJ", hint)
        day = datetime.date.today().isoformat()
        self.wait_newest_restore_ok()
        b.wait_css("[data-testid=restores] tbody tr", text=f"lettre (restauré {day}).txt")
        with open(original) as f:
            self.assertEqual("brouillon modifié depuis\n", f.read())
        with open(os.path.join(self.source, "Courrier", f"lettre (restauré {day}).txt")) as f:
            self.assertEqual(LETTER, f.read())
        self.shot("backups-restored", "[data-testid=restore-form]")
        self.assertNoBrowserErrors()

    def test_accessibility_of_the_browser_the_restore_form_and_the_commune_page(self):
        """The checks of e2e_console_a11y (names, contrast, keyboard…) on these states."""
        b = self.browser
        self.open_snapshot_folder(os.path.dirname(self.rel))
        b.driver.execute_script("document.querySelector(arguments[0]).click()", f'input[data-path="{self.rel}"]')
        b.css("[data-testid=restore-open]")[0].click()
        b.wait_css("[data-testid=restore-where]")
        e2e.time.sleep(0.6)  # the restores list and the other PCs load after
        self.assertEqual([], a11y_audit.audit(b, "Poste (sauvegarde parcourue)")["issues"])
        b.go("#/sauvegardes")
        b.wait_css("[data-testid=tenant-backups] table")
        self.assertEqual([], a11y_audit.audit(b, "Sauvegardes")["issues"])

    def test_commune_page_shows_space_and_late_pcs(self):
        b = self.browser
        b.go(f"#/sauvegardes")
        b.wait_css("[data-testid=tenant-backups] table")
        self.assertIn("1", b.texts("[data-testid=stale-count]")[0])
        rows = b.texts("[data-testid=tenant-backups] tbody tr")
        self.assertEqual(2, len(rows), rows)
        self.assertTrue(any("À jour" in r for r in rows), rows)
        self.assertTrue(any("Jamais sauvegardé" in r for r in rows), rows)
        self.assertEqual(1, len(b.css("tr.stale")))
        b.screenshot("backups-commune")
        self.assertNoBrowserErrors()

    def test_read_only_sees_the_list_without_restore(self):
        b = self.browser
        self.logout()
        b.login("lecteur", "Lecture-seule-2026!x")
        b.wait_css("[data-testid=role]", text="Lecture seule")
        b.go(f"#/postes/{self.host_id}")
        b.wait_css("[data-testid=snapshots] table")
        self.assertEqual([], b.css("[data-testid=snapshots] button[data-snapshot]"))
        self.assertEqual([], b.css("[data-testid=backup-now]"))
        self.assertEqual([], b.css("[data-testid=restores]"))
        # The server refuses the browsing too (the button's absence is only a courtesy).
        self.logout()
        self.admin_login()


if __name__ == "__main__":
    e2e.main()
