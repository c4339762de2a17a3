#!/usr/bin/env python3
"""Agent-supplied strings stay inert text; the assets carry a strict CSP, types and
ETags; no page triggers a CSP violation or a console error."""
import console_e2e as e2e

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


class ConsoleSecurityTest(e2e.ConsoleTestCase):
    @classmethod
    def seed(cls):
        s = cls.server
        tenant = s.create_tenant("Mairie <b>d'Estaing</b>", "12097")
        agent = e2e.FakeAgent(s, cls.tmp, s.create_token(tenant["id"])["token"], e2e.XSS_HOSTNAME)
        inv = e2e.sample_inventory(e2e.XSS_HOSTNAME, e2e.XSS_SERIAL, software=[
            {"name": e2e.XSS_SOFTWARE, "version": "<svg onload=alert(1)>", "architecture": "amd64",
             "summary": "<iframe src=javascript:alert(1)>"}])
        inv["system"]["sys_vendor"] = "<script>window.__xss='vendor'</script>"
        agent.send_inventory(inv)
        cls.host_id = agent.host_id

    def setUp(self):
        if not self.browser.css("[data-testid=username]"):
            self.admin_login()

    def assertInert(self):
        d = self.browser.driver
        self.assertIsNone(d.execute_script("return window.__xss"), "agent-supplied markup ran")
        self.assertEqual(0, d.execute_script(
            "return document.querySelectorAll('main img, main script, main iframe, main svg:not(.chart), main b').length"))

    def test_hostile_strings_are_shown_as_text_in_the_list(self):
        self.browser.go("#/postes")
        row = self.browser.wait_css("[data-testid=host-table] tbody tr")
        text = self.browser.driver.execute_script("return arguments[0].textContent", row)
        self.assertIn(e2e.XSS_HOSTNAME, text)
        self.assertIn("Mairie <b>d'Estaing</b>", text)
        self.assertIn(e2e.XSS_SERIAL, text)  # the escape bytes are kept as characters, not interpreted
        self.assertInert()
        self.assertNoBrowserErrors()

    def test_hostile_strings_are_shown_as_text_on_the_host_page(self):
        self.browser.go(f"#/postes/{self.host_id}")
        title = self.browser.wait_css("[data-testid=host-title]")
        self.assertEqual(e2e.XSS_HOSTNAME, self.browser.driver.execute_script("return arguments[0].textContent", title))
        self.browser.css("details[data-section=software] summary")[0].click()
        table = self.browser.wait_css("[data-testid=software-table]")
        text = self.browser.driver.execute_script("return arguments[0].textContent", table)
        self.assertIn(e2e.XSS_SOFTWARE, text)
        self.assertIn("<svg onload=alert(1)>", text)
        self.assertIn("<iframe src=javascript:alert(1)>", text)
        self.assertIn("<script>window.__xss='vendor'</script>", self.browser.body_text())
        self.assertEqual(e2e.XSS_HOSTNAME + " — Parc", self.browser.driver.title)
        self.assertInert()
        self.browser.screenshot("chaines-hostiles")
        self.assertNoBrowserErrors()

    def test_every_page_loads_without_csp_violation_or_console_error(self):
        for fragment, marker in [("#/", "[data-testid=dash-total]"), ("#/postes", "[data-testid=host-range]"),
                                 (f"#/postes/{self.host_id}", "[data-testid=history]"), ("#/alertes", "h1"),
                                 ("#/admin/communes", "[data-testid=tenant-table]"),
                                 ("#/admin/jetons", "[data-testid=token-form]"),
                                 ("#/admin/utilisateurs", "[data-testid=admin-utilisateurs]"),
                                 ("#/admin/jetons-api", "[data-testid=admin-jetons-api]"),
                                 ("#/admin/journal", "[data-testid=audit-table]"), ("#/compte", "[data-testid=totp]")]:
            with self.subTest(page=fragment):
                self.browser.open(fragment)  # full load: the CSP applies from the first byte
                self.browser.wait_css(marker)
                self.assertEqual([], self.browser.csp_violations())
                self.assertEqual([], self.browser.errors())
                self.assertNotRegex(self.browser.body_text(), r"\b(null|undefined|NaN)\b|\[object Object\]")

    def test_assets_have_csp_content_type_and_etag(self):
        s = self.server
        res, body = s.request("GET", "/", raw=True, token="")
        self.assertEqual(200, res.status)
        self.assertEqual(CSP, res.getheader("content-security-policy"))
        self.assertEqual("text/html; charset=utf-8", res.getheader("content-type"))
        self.assertEqual("nosniff", res.getheader("x-content-type-options"))
        self.assertIn(b'<html lang="fr">', body)
        self.assertNotIn(b"<script>", body)  # no inline script: only <script src>
        self.assertNotIn(b"style=", body)
        etag = res.getheader("etag")
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')

        conn_headers = {"If-None-Match": etag}
        import http.client
        import urllib.parse
        u = urllib.parse.urlsplit(s.console_url)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=s.ssl, timeout=10)
        conn.request("GET", "/index.html", headers=conn_headers)
        again = conn.getresponse()
        self.assertEqual(304, again.status)
        self.assertEqual(b"", again.read())
        conn.close()

        res, body = s.request("GET", "/js/main.js", raw=True, token="")
        self.assertEqual("text/javascript; charset=utf-8", res.getheader("content-type"))
        self.assertEqual(CSP, res.getheader("content-security-policy"))
        res, _ = s.request("GET", "/app.css", raw=True, token="")
        self.assertEqual("text/css; charset=utf-8", res.getheader("content-type"))
        res, _ = s.request("GET", "/js/nope.js", raw=True, token="")
        self.assertEqual(404, res.status)
        # The assets exist on the console listener only.
        res, _ = s.request("GET", "/", raw=True, token="", url=s.agent_url)
        self.assertEqual(404, res.status)


if __name__ == "__main__":
    e2e.main()
