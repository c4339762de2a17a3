#!/usr/bin/env python3
"""Remote support in the browser: the xterm.js terminal types a command and sees its
output through the server and a real parc-agent's PTY; noVNC shows x11vnc (started by
the agent for the session) under Xvfb through the tunnel; the sessions page lists both;
a town hall's staff account sees who connected to its PCs and when; the terminal's PTY
follows the page's size; a file goes up to the PC and comes back with the same bytes
and checksum from the host page, and a `..` path is refused in French."""
import glob
import hashlib
import os
import socket
import subprocess
import time

import console_e2e as e2e


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class ConsoleRemoteTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        tenant = s.create_tenant("Mairie de Rodez", "12202")
        token = s.create_token(tenant["id"])["token"]
        # A display of its own; -retro draws the classic weave on the root window,
        # so a correct picture is not uniform.
        cls.display = f":{50 + os.getpid() % 200}"
        cls.processes = [subprocess.Popen(["Xvfb", cls.display, "-screen", "0", "800x600x24", "-nolisten", "tcp", "-retro"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        e2e.wait_for(lambda: subprocess.run(["xdpyinfo", "-display", cls.display], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL).returncode == 0, 20, what="Xvfb")
        vnc_port = free_port()
        data = os.path.join(cls.tmp, "agent")
        config = os.path.join(cls.tmp, "agent.toml")
        cls.shared = os.path.join(cls.tmp, "partage")
        os.makedirs(cls.shared)
        with open(config, "w") as f:
            f.write(f'data_dir = "{data}"\n[remote]\nterminal_user = "nobody"\nterminal_shell = "/bin/sh"\n'
                    f'vnc_port = {vnc_port}\nfile_roots = ["{cls.shared}"]\n'
                    f'vnc_command = ["x11vnc", "-display", "{cls.display}", "-localhost", "-rfbport", "{vnc_port}",'
                    f' "-nopw", "-once", "-quiet", "-noxdamage"]\n')
        agent = os.path.join(e2e.BUILD_DIR, "agent", "parc-agent")
        subprocess.run([agent, "enroll", "--config", config, "--server", s.agent_url, "--ca-fingerprint",
                        s.fingerprint, "--token", token], check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=open(os.path.join(cls.tmp, "agent-enroll.log"), "wb"))
        cls.processes.append(subprocess.Popen([agent, "run", "--config", config, "--retry-max-seconds", "1"],
                                              stdout=subprocess.DEVNULL,
                                              stderr=open(os.path.join(cls.tmp, "agent.log"), "wb")))
        online = e2e.wait_for(lambda: [h for h in s.hosts() if h.get("online")], 30, what="the agent online")
        cls.host_id = online[0]["id"]
        cls.tenant_id = tenant["id"]

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.browser.login("admin", self.server.admin_password)
            self.browser.wait_css("[data-testid=username]")

    def test_terminal_types_a_command_and_sees_its_output(self):
        b = self.browser
        # From the host page, as a technician would.
        b.go(f"#/postes/{self.host_id}")
        b.wait_css("[data-testid=open-terminal]", 20).click()
        b.wait_route(f"#/postes/{self.host_id}/terminal")
        e2e.wait_for(lambda: b.driver.execute_script(
            "const v = document.querySelector('[data-testid=terminal]'); return v && v.closest('[data-state]')"
            " && v.closest('[data-state]').dataset.state") == "ready", 20, what="terminal ready")
        b.wait_css(".xterm")  # xterm.js drew itself
        from selenium.webdriver.common.action_chains import ActionChains
        b.css(".xterm")[0].click()
        ActionChains(b.driver).send_keys("echo parc-$((6*7)) && id -un\n").perform()
        transcript = "return document.querySelector('[data-testid=terminal]').parcTranscript"
        # Both outputs: `id -un` answers a moment after the echo.
        e2e.wait_for(lambda: "parc-42\r\nnobody" in (b.driver.execute_script(transcript) or ""), 15,
                     what="the command's output in the terminal, as the account nobody")
        b.screenshot("remote-terminal")
        self.assertEqual([], b.csp_violations())
        b.go("#/sessions")
        e2e.wait_for(lambda: any("terminal" in t for t in b.texts("table tr")), 15, what="the session listed")
        # Its recording downloads from the list (asciicast v2, with what was shown).
        for old in glob.glob(os.path.join(b.downloads, "*")):
            os.remove(old)
        b.wait_css("a[data-testid^=recording-]", 15)
        link = max(b.css("a[data-testid^=recording-]"),  # this test's session: the newest
                   key=lambda a: int(a.get_attribute("data-testid").split("-")[1]))
        name = link.get_attribute("download")
        link.click()
        saved = os.path.join(b.downloads, name)
        e2e.wait_for(lambda: os.path.exists(saved) and os.path.getsize(saved) > 0, 20, what="the recording saved")
        with open(saved, encoding="utf-8") as f:
            cast = f.read()
        self.assertIn('"version":2', cast.splitlines()[0].replace(" ", ""))
        self.assertIn("parc-42", cast)

    def wait_terminal_ready(self):
        b = self.browser
        e2e.wait_for(lambda: b.driver.execute_script(
            "const v = document.querySelector('[data-testid=terminal]'); return v && v.closest('[data-state]')"
            " && v.closest('[data-state]').dataset.state") == "ready", 20, what="terminal ready")
        b.wait_css(".xterm")

    def test_terminal_pty_follows_the_page_size(self):
        b = self.browser
        size = "return document.querySelector('[data-testid=terminal]').dataset.size || ''"
        transcript = "return document.querySelector('[data-testid=terminal]').parcTranscript || ''"
        b.go(f"#/postes/{self.host_id}/terminal")
        self.wait_terminal_ready()
        first = e2e.wait_for(lambda: b.driver.execute_script(size), 10, what="the terminal fitted to its box")
        # xterm.js fitted itself to the page: not the 100x30 the session was opened with.
        self.assertNotEqual("100x30", first)
        try:
            b.driver.set_window_size(900, 640)  # a smaller window: fewer columns and rows
            second = e2e.wait_for(lambda: (lambda v: v if v and v != first else None)(
                b.driver.execute_script(size)), 10, what="the terminal refitted to the smaller window")
            cols, rows = (int(x) for x in second.split("x"))
            self.assertLess(cols, int(first.split("x")[0]))
            from selenium.webdriver.common.action_chains import ActionChains
            b.css(".xterm")[0].click()
            ActionChains(b.driver).send_keys("stty size\n").perform()
            # The PC's PTY says the browser's new size (resize message, TIOCSWINSZ).
            e2e.wait_for(lambda: f"{rows} {cols}" in b.driver.execute_script(transcript), 15,
                         what=f"stty size answering {rows} {cols}")
        finally:
            b.driver.set_window_size(1366, 900)
        b.go("#/")

    def test_file_goes_up_and_comes_back_with_the_same_bytes(self):
        b = self.browser
        content = os.urandom(300 * 1024 + 7)
        local = os.path.join(self.tmp, "compte-rendu.bin")
        with open(local, "wb") as f:
            f.write(content)
        sha = hashlib.sha256(content).hexdigest()
        b.go(f"#/postes/{self.host_id}")
        # The PC's allowed folders, read from its own policy; one click fills the path.
        b.wait_css("[data-testid=load-file-roots]", 20).click()
        b.wait_css(f"[data-root='{self.shared}']", 30).click()
        path = b.css("[data-testid=file-path]")[0]
        self.assertEqual(self.shared + "/", path.get_attribute("value"))
        b.css("[data-testid=file-upload]")[0].send_keys(local)
        b.css("[data-testid=file-send]")[0].click()
        b.wait_css("[data-testid=file-result] .ok", 30, text="Fichier déposé")
        self.assertIn(sha, " ".join(b.texts("[data-testid=file-result]")))
        on_pc = os.path.join(self.shared, "compte-rendu.bin")
        with open(on_pc, "rb") as f:
            self.assertEqual(content, f.read())

        for old in glob.glob(os.path.join(b.downloads, "*")):
            os.remove(old)
        path.clear()
        path.send_keys(on_pc)
        b.css("[data-testid=file-download]")[0].click()
        b.wait_css("[data-testid=file-result] .ok", 30, text="téléchargé")
        self.assertIn(f"Empreinte SHA-256 vérifiée : {sha}", " ".join(b.texts("[data-testid=file-result]")))
        saved = os.path.join(b.downloads, "compte-rendu.bin")
        e2e.wait_for(lambda: os.path.exists(saved) and os.path.getsize(saved) == len(content), 20,
                     what="the downloaded file saved by the browser")
        with open(saved, "rb") as f:
            self.assertEqual(content, f.read())

        # A path climbing out of the allowed folder: refused, in French, nothing sent.
        path.clear()
        path.send_keys(self.shared + "/../agent.toml")
        b.css("[data-testid=file-download]")[0].click()
        b.wait_css("[data-testid=file-result] .error", 10, text="Chemin refusé")
        self.assertIn("« .. »", " ".join(b.texts("[data-testid=file-result]")))
        # A well-formed path outside the PC's allowed folders: the PC itself refuses.
        path.clear()
        path.send_keys("/etc/hostname")
        b.css("[data-testid=file-download]")[0].click()
        b.wait_css("[data-testid=file-result] .error", 20, text="Transfert refusé par le poste")
        self.assertEqual([], b.csp_violations())
        self.assertNoBrowserErrors()

    def test_novnc_shows_the_desktop_through_the_tunnel(self):
        b = self.browser
        b.go(f"#/postes/{self.host_id}/bureau")
        e2e.wait_for(lambda: b.driver.execute_script(
            "const v = document.querySelector('[data-testid=desktop]'); return v && v.closest('[data-state]')"
            " && v.closest('[data-state]').dataset.state") == "ready", 30, what="noVNC connected")
        # The framebuffer arrives after the handshake: wait for a non-uniform canvas.
        colours = ("const c = document.querySelector('[data-testid=desktop] canvas');"
                   "if (!c || !c.width) return 0;"
                   "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                   "const seen = new Set(); for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] << 16 | d[i+1] << 8 | d[i+2]);"
                   "return seen.size;")
        e2e.wait_for(lambda: (b.driver.execute_script(colours) or 0) > 1, 20, what="a non-uniform desktop picture")
        size = b.driver.execute_script("const c = document.querySelector('[data-testid=desktop] canvas');"
                                       "return [c.width, c.height];")
        self.assertEqual([800, 600], size)
        # Shown on the page, not only drawn off-screen: the canvas has a visible box.
        shown = b.driver.execute_script("const r = document.querySelector('[data-testid=desktop] canvas')"
                                        ".getBoundingClientRect(); return [r.width, r.height];")
        self.assertGreater(shown[0], 300)
        self.assertGreater(shown[1], 200)
        b.screenshot("remote-desktop")
        self.assertEqual([], b.csp_violations())
        b.go("#/sessions")
        e2e.wait_for(lambda: any("desktop" in t for t in b.texts("table tr")), 15, what="the session listed")

    def test_town_hall_staff_sees_who_connected_and_when(self):
        b = self.browser
        # A session of the administrator's on the commune's PC (self-contained: not
        # relying on the other tests having run first).
        b.go(f"#/postes/{self.host_id}/terminal")
        self.wait_terminal_ready()
        b.go("#/")
        self.server.request("POST", "/api/v1/users", {"username": "secretaire", "password": "Secretariat-mairie-2026!",
                                                      "role": "town_hall_staff", "tenants": [self.tenant_id]})
        self.logout()
        try:
            self.sign_in("secretaire", "Secretariat-mairie-2026!")
            b.wait_css("a[href='#/sessions']", text="Connexions à distance").click()
            b.wait_route("#/sessions")
            rows = f"[data-testid=tenant-sessions-{self.tenant_id}] table tbody tr"
            e2e.wait_for(lambda: any("admin" in t and "terminal" in t for t in b.texts(rows)), 15,
                         what="the administrator's terminal session listed for the town hall")
            b.screenshot("remote-town-hall-sessions")
            self.assertNoBrowserErrors()
        finally:
            self.logout()
            self.admin_login()


if __name__ == "__main__":
    e2e.main()
