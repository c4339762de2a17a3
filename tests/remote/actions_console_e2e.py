#!/usr/bin/env python3
"""The console's remote actions panel and script library, in headless Chromium against
the real parc-server and parc-agent: an action run from the host page shows the
agent's output, a library script runs signed from the same panel, and an administrator
adds a script on the Scripts page. The agent's commands root is a directory of the
test's own programs (no DNS cache of this machine is touched)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import console_e2e as e2e  # noqa: E402


class ConsoleRemoteActionsTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        tenant = s.create_tenant("Mairie de Conques", "12076")
        token = s.create_token(tenant["id"])["token"]
        bin_dir = os.path.join(cls.tmp, "bin")
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "resolvectl"), "w") as f:
            f.write("#!/bin/sh\necho 'caches DNS vidés'\n")
        os.chmod(os.path.join(bin_dir, "resolvectl"), 0o755)
        os.symlink("/bin/sh", os.path.join(bin_dir, "sh"))
        data = os.path.join(cls.tmp, "agent")
        config = os.path.join(cls.tmp, "agent.toml")
        with open(config, "w") as f:
            f.write(f'data_dir = "{data}"\n[remote]\ncommand_path = ["{bin_dir}"]\n')
        agent = os.path.join(e2e.BUILD_DIR, "agent", "parc-agent")
        e2e.subprocess.run([agent, "enroll", "--config", config, "--server", s.agent_url, "--ca-fingerprint",
                            s.fingerprint, "--token", token], check=True, timeout=60,
                           stdout=e2e.subprocess.DEVNULL,
                           stderr=open(os.path.join(cls.tmp, "agent-enroll.log"), "wb"))
        cls.processes = [e2e.subprocess.Popen([agent, "run", "--config", config],
                                              stdout=e2e.subprocess.DEVNULL,
                                              stderr=open(os.path.join(cls.tmp, "agent.log"), "wb"))]
        online = e2e.wait_for(lambda: [h for h in s.hosts() if h.get("online")], 30, what="the agent online")
        cls.host_id = online[0]["id"]
        s.request("POST", "/api/v1/scripts", {"name": "Dire bonjour", "body": "echo 'bonjour du poste'"})

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.browser.login("admin", self.server.admin_password)
            self.browser.wait_css("[data-testid=username]")

    def test_action_from_the_host_page_shows_the_output(self):
        b = self.browser
        b.go(f"#/postes/{self.host_id}")
        b.wait_css("[data-testid=action-select] option")
        b.driver.execute_script(
            "const s = document.querySelector('[data-testid=action-select]');"
            "s.value = 'flush_dns'; s.dispatchEvent(new Event('change'));")
        b.css("[data-testid=action-run]")[0].click()
        b.wait_css("[data-testid=remote-output]", text="caches DNS vidés", timeout=30)
        self.assertIn("Terminé", b.texts("[data-testid=remote-status]")[0])
        b.wait_css("[data-testid=remote-executions] li", text="flush_dns")
        self.assertNoBrowserErrors()

    def test_library_script_runs_signed_from_the_panel(self):
        b = self.browser
        b.go(f"#/postes/{self.host_id}")
        b.wait_css("[data-testid=script-select] option", text="Dire bonjour")
        b.driver.execute_script("window.confirm = () => true;")
        b.css("[data-testid=script-run]")[0].click()
        b.wait_css("[data-testid=remote-output]", text="bonjour du poste", timeout=30)
        runs = self.server.request("GET", f"/api/v1/hosts/{self.host_id}/executions")["items"]
        self.assertTrue(any(r["kind"] == "script" and r["status"] == "ok" for r in runs), runs)
        self.assertNoBrowserErrors()

    def test_administrator_adds_a_script_on_the_scripts_page(self):
        b = self.browser
        b.go("#/scripts")
        b.css("[data-testid=script-name]")[0].send_keys("Vider le spouleur")
        b.css("[data-testid=script-body]")[0].send_keys("cancel -a\n")
        b.css("[data-testid=script-body]")[0].find_element("xpath", "ancestor::form").submit()
        b.wait_css("[data-testid=script-table] td", text="Vider le spouleur")
        names = [x["name"] for x in self.server.request("GET", "/api/v1/scripts")["items"]]
        self.assertIn("Vider le spouleur", names)
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
