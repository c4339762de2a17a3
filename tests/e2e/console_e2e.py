"""Harness for the console's browser tests: a real parc-server (and agents) on 127.0.0.1
with ports chosen by the OS, headless Chromium driven by Selenium, every wait bounded.

Chromium trusts the server by the SHA-256 of its public key only
(--ignore-certificate-errors-spki-list), not by ignoring every certificate error.
"""
import base64
import datetime
import hashlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

BUILD_DIR = os.environ.get("PARC_BINARY_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
CHROMIUM = os.environ.get("PARC_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PARC_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = os.environ.get("PARC_E2E_ARTIFACTS") or os.path.join(BUILD_DIR, "e2e-artifacts")

# Strings an agent could report, meant to run script or mangle a terminal if the console
# (or a log viewer) ever treated them as markup or control sequences.
XSS_HOSTNAME = '<script>window.__xss="script"</script>pc-<img src=x onerror="window.__xss=\'img\'">'
XSS_SOFTWARE = '<img src=x onerror="window.__xss=\'software\'">evil-\x1b[31mRED\x1b[0m-\x1b]0;pwned\x07'
XSS_SERIAL = 'SN-\x1b[2J<b>bold</b>'


def totp(secret_base32, at=None):
    """RFC 6238 code (SHA-1, 30 s, 6 digits), as an authenticator app shows it."""
    import hmac
    import struct
    key = base64.b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1000000:06d}"


def wait_for(condition, timeout=20.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class Server:
    """parc-server in a temporary directory, stopped (SIGTERM, then SIGKILL) by stop()."""

    def __init__(self, tmp, public_burst=None, extra_config=""):
        self.data = os.path.join(tmp, "server")
        self.log = open(os.path.join(tmp, "server.log"), "ab")
        args = [os.path.join(BUILD_DIR, "server", "parc-server"), "--data-dir", self.data,
                "--agent-listen", "127.0.0.1:0", "--console-listen", "127.0.0.1:0"]
        config_text = extra_config
        if public_burst:
            # Tests that enrol dozens of agents from one address, as a town hall behind
            # NAT would, raise the enrolment burst (30 by default).
            config_text += f"[security]\npublic_request_burst = {public_burst}\n"
        if config_text:
            config = os.path.join(tmp, "server.toml")
            with open(config, "w") as f:
                f.write(config_text)
            args += ["--config", config]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        runtime = os.path.join(self.data, "server.json")
        wait_for(lambda: os.path.exists(runtime) or self.proc.poll() is not None, 30, what="server.json")
        if self.proc.poll() is not None:
            raise AssertionError("parc-server exited at start; see " + self.log.name)
        with open(runtime) as f:
            info = json.load(f)
        self.console_url = info["console_url"]
        self.agent_url = info["agent_url"]
        self.fingerprint = info["ca_fingerprint"]
        with open(os.path.join(self.data, "initial-admin-password")) as f:
            self.admin_password = f.read().strip()
        self.ca_file = os.path.join(self.data, "tls", "ca.pem")
        self.ssl = ssl.create_default_context(cafile=self.ca_file)
        with open(os.path.join(self.data, "tls", "server.pem"), "rb") as f:
            leaf = x509.load_pem_x509_certificate(f.read())
        spki = leaf.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo)
        self.spki_hash = base64.b64encode(hashlib.sha256(spki).digest()).decode()
        self.token = None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    # --- REST API, as parcctl uses it ---------------------------------------------------
    def request(self, method, path, body=None, token=None, url=None, context=None, raw=False):
        u = urllib.parse.urlsplit(url or self.console_url)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=context or self.ssl, timeout=30)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        tok = token if token is not None else self.token
        if tok:
            headers["Authorization"] = "Bearer " + tok
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        payload = res.read()
        conn.close()
        if raw:
            return res, payload
        parsed = json.loads(payload) if payload else None
        if res.status >= 400:
            raise ApiError(res.status, parsed)
        return parsed

    def login_admin(self):
        res = self.request("POST", "/api/v1/login", {"username": "admin", "password": self.admin_password},
                           token="")
        self.token = res["token"]
        return res

    def create_tenant(self, name, insee):
        return self.request("POST", "/api/v1/tenants", {"name": name, "insee_code": insee})

    def create_token(self, tenant_id, uses=1):
        return self.request("POST", "/api/v1/tokens", {"tenant_id": tenant_id, "max_uses": uses,
                                                       "description": "tests e2e"})

    def hosts(self):
        return self.request("GET", "/api/v1/hosts?limit=500")["items"]


class FakeAgent:
    """An agent speaking the real protocol (enrolment with a CSR, mTLS messages) that
    reports the inventory we choose: how the tests put hostile strings into the server."""

    def __init__(self, server, tmp, token, hostname):
        self.server = server
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-agent")]))
               .sign(key, hashes.SHA256()))
        body = {"token": token, "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
                "hostname": hostname, "device_id": str(uuid.uuid4())}
        res = server.request("POST", "/api/v1/enroll", body, token="", url=server.agent_url)
        self.host_id = res["host_id"]
        d = tempfile.mkdtemp(dir=tmp)
        cert, keyfile = os.path.join(d, "agent.pem"), os.path.join(d, "agent.key")
        with open(cert, "w") as f:
            f.write(res["certificate"])
        with open(keyfile, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        self.ctx = ssl.create_default_context(cafile=server.ca_file)
        self.ctx.load_cert_chain(cert, keyfile)

    def send(self, kind, payload, created_at=None):
        msg = {"id": str(uuid.uuid4()), "type": kind, "created_at": created_at or int(time.time()),
               "payload": payload}
        res = self.server.request("POST", "/api/v1/messages", {"version": 1, "messages": [msg]}, token="",
                                  url=self.server.agent_url, context=self.ctx)
        if res["results"][0]["status"] != "stored":
            raise AssertionError(f"{kind} not stored: {res}")

    def send_metrics(self, at, metrics):
        """One metrics batch (docs/health.md) collected at `at`."""
        self.send("metrics", {"version": 1, "collected_at": at, "interval_seconds": 60, "metrics": metrics},
                  created_at=at)

    def send_inventory(self, inventory):
        doc = json.dumps(inventory, sort_keys=True, separators=(",", ":"))
        msg = {"id": str(uuid.uuid4()), "type": "inventory", "created_at": int(time.time()),
               "payload": {"collected_at": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "agent_version": "0.0.0-e2e", "full": True,
                           "hash": hashlib.sha256(doc.encode()).hexdigest(), "inventory": inventory}}
        res = self.server.request("POST", "/api/v1/messages", {"version": 1, "messages": [msg]}, token="",
                                  url=self.server.agent_url, context=self.ctx)
        status = res["results"][0]["status"]
        if status != "stored":
            raise AssertionError(f"inventory not stored: {res}")


def sample_inventory(hostname, serial, software=None, extra_fs=None):
    """An inventory shaped like docs/inventory.md: 2 × 8 Go DDR4 2666, one 512 Go SSD."""
    gib = 1024 ** 3
    return {
        "system": {"hostname": hostname, "sys_vendor": "Dell Inc.", "product_name": "OptiPlex 7070",
                   "product_serial": serial, "chassis_type": "Desktop", "firmware_type": "uefi",
                   "secure_boot": True, "virtualization": None},
        "os": {"family": "linux", "pretty_name": "Debian GNU/Linux 12 (bookworm)", "kernel_release": "6.1.0-18-amd64",
               "arch": "x86_64", "timezone": "Europe/Paris", "timezone_abbreviation": "CET", "uptime_seconds": 93784},
        "cpu": {"vendor": "GenuineIntel", "model_name": "Intel(R) Core(TM) i5-9500 CPU @ 3.00GHz", "cores": 6,
                "threads": 6, "packages": 1, "max_mhz": 4400.0},
        "memory": {"total_bytes": 16 * gib - 300 * 1024 ** 2, "slots_total": 4, "slots_used": 2, "modules": [
            {"locator": "DIMM1", "populated": True, "size_bytes": 8 * gib, "type": "DDR4", "speed_mts": 2666,
             "configured_speed_mts": 2666, "manufacturer": "SK Hynix", "part_number": "HMA81GU6CJR8N-VK"},
            {"locator": "DIMM2", "populated": True, "size_bytes": 8 * gib, "type": "DDR4", "speed_mts": 2666,
             "configured_speed_mts": 2666, "manufacturer": "SK Hynix", "part_number": "HMA81GU6CJR8N-VK"},
            {"locator": "DIMM3", "populated": False}, {"locator": "DIMM4", "populated": False}]},
        "storage": {"disks": [{"name": "nvme0n1", "bus": "nvme", "kind": "nvme", "size_bytes": 512110190592,
                               "model": "PC611 NVMe SK hynix 512GB", "serial": "DISK-001",
                               "smart": {"health_passed": True, "temperature_celsius": 38, "percentage_used": 3}}],
                    "filesystems": [{"device": "/dev/nvme0n1p2", "mount_point": "/", "type": "ext4",
                                     "total_bytes": 500000000000, "used_bytes": 470000000000,
                                     "available_bytes": 30000000000}] + (extra_fs or [])},
        "network": [{"name": "eno1", "kind": "ethernet", "mac": "d8:9e:f3:12:34:56", "state": "up", "speed_mbps": 1000,
                     "addresses": [{"family": "ipv4", "address": "192.168.1.23", "prefix_length": 24}]}],
        "software": software if software is not None else [
            {"name": "firefox-esr", "version": "115.5.0esr-1~deb12u1", "architecture": "amd64",
             "summary": "Mozilla Firefox web browser - Extended Support Release", "installed_size_bytes": 250000000},
            {"name": "libreoffice-writer", "version": "4:7.4.7-1", "architecture": "amd64",
             "summary": "office productivity suite -- word processor", "installed_size_bytes": 30000000}],
    }


class Browser:
    """Headless Chromium with a fresh profile, trusting only the server's key."""

    def __init__(self, server, tmp):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
        for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", f"--user-data-dir={self.profile}", "--window-size=1366,900",
                    "--lang=fr-FR", f"--ignore-certificate-errors-spki-list={server.spki_hash}"]:
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.downloads = tempfile.mkdtemp(prefix="downloads-", dir=tmp)
        opts.add_experimental_option("prefs", {"download.default_directory": self.downloads,
                                               "download.prompt_for_download": False})
        service = Service(executable_path=CHROMEDRIVER, log_path=os.path.join(tmp, "chromedriver.log"))
        self.driver = webdriver.Chrome(options=opts, service=service)
        self.driver.set_page_load_timeout(30)
        # Records CSP violations from the first byte of every page (CDP scripts are not
        # subject to the page's CSP).
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")})
        self.base = server.console_url
        self.console_messages = []

    def open(self, fragment="#/"):
        """A full page load (about:blank first: a fragment change alone would not reload)."""
        self.driver.get("about:blank")
        self.driver.get(self.base + "/" + fragment)

    def go(self, fragment, wait=True):
        """Moves to `fragment` and waits until the console has rendered it (not when a
        redirection is expected: wait=False)."""
        if self.driver.execute_script("return window.location.hash") == fragment:
            self.driver.execute_script("document.body.dataset.route = ''; window.dispatchEvent(new HashChangeEvent('hashchange'))")
        else:
            self.driver.execute_script("window.location.hash = arguments[0];", fragment)
        if wait:
            self.wait_route(fragment)

    def wait_route(self, fragment, timeout=15):
        wait_for(lambda: self.driver.execute_script("return document.body.dataset.route") == fragment, timeout,
                 what=f"page {fragment} rendered")

    def texts(self, selector):
        """innerText of every match, read in one step (no stale elements mid-render)."""
        return self.driver.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText)", selector)

    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait_css(self, selector, timeout=15, text=None):
        def found():
            for el in self.css(selector):
                try:
                    if el.is_displayed() and (text is None or text in el.text):
                        return el
                except Exception:  # stale element while the page re-renders
                    pass
            return None
        return wait_for(found, timeout, what=f"{selector!r}" + (f" containing {text!r}" if text else ""))

    def wait_text(self, text, timeout=15):
        return wait_for(lambda: text in self.body_text(), timeout, what=f"text {text!r}")

    def body_text(self):
        try:
            return self.driver.execute_script("return document.body.innerText")
        except Exception:
            return ""

    def login(self, username, password):
        self.open("#/connexion")
        user = self.wait_css("input[name=username]")
        user.clear()
        user.send_keys(username)
        pw = self.css("input[name=password]")[0]
        pw.clear()
        pw.send_keys(password)
        self.css("form button[type=submit]")[0].click()

    def logs(self):
        """Console messages so far (errors include CSP refusals and uncaught exceptions)."""
        self.console_messages += self.driver.get_log("browser")
        return self.console_messages

    def errors(self):
        ignored = ("/api/v1/",)  # a 401/404 answered by the API is logged by Chromium as a failed fetch
        return [m for m in self.logs() if m["level"] == "SEVERE" and not any(i in m["message"] for i in ignored)]

    def csp_violations(self):
        return self.driver.execute_script("return window.__csp || []")

    def screenshot(self, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.driver.execute_script("window.scrollTo(0, 0)")
        self.driver.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))

    def quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


class ConsoleTestCase(unittest.TestCase):
    """One server and one browser for the test class; an admin signed in to the API."""

    public_burst = None
    server_config = ""  # TOML added to the server's configuration

    @classmethod
    def setUpClass(cls):
        for path in (CHROMIUM, CHROMEDRIVER):
            if not os.path.exists(path):
                raise AssertionError(f"{path} is missing: run scripts/install-deps.sh (chromium, chromium-driver)")
        cls.tmp = tempfile.mkdtemp(prefix="parc-e2e-")
        cls.server = Server(cls.tmp, public_burst=cls.public_burst, extra_config=cls.server_config)
        cls.server.login_admin()
        cls.browser = None
        try:
            cls.seed()
            cls.browser = Browser(cls.server, cls.tmp)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def seed(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        if cls.browser:
            cls.browser.quit()
        cls.server.stop()
        for p in getattr(cls, "processes", []):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if os.environ.get("PARC_E2E_KEEP"):
            print("kept", cls.tmp, file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def kill_sessions(self):
        """Every session ends server-side (as on expiry): the next API call gets 401."""
        db = sqlite3.connect(os.path.join(self.server.data, "parc.db"), timeout=10)
        with db:
            db.execute("DELETE FROM sessions")
        db.close()
        self.server.login_admin()  # the test's own API session went too

    def admin_login(self):
        self.browser.login("admin", self.server.admin_password)
        self.browser.wait_css("[data-testid=username]", text="admin")

    def logout(self):
        self.browser.css("[data-testid=logout]")[0].click()
        self.browser.wait_css("input[name=username]")

    password = None  # the password of the accounts a test class creates (sign_in)

    def sign_in(self, username, password=None):
        """Signs `username` in through the login page, signing out whoever is in."""
        if self.browser.css("[data-testid=logout]"):
            self.logout()
        self.browser.login(username, password or self.password)
        self.browser.wait_css("[data-testid=username]", text=username)

    def accept_dialog(self, text=None):
        """Accepts the page's confirm() or prompt() (typing `text` into a prompt); False
        while none is open yet, so that it can be waited for with wait_for."""
        try:
            alert = self.browser.driver.switch_to.alert
            if text is not None:
                alert.send_keys(text)
            alert.accept()
            return True
        except Exception:
            return False

    def assertNoBrowserErrors(self):
        self.assertEqual([], self.browser.csp_violations(), "CSP violations")
        self.assertEqual([], self.browser.errors(), "console errors")
        # JavaScript values leaking into the page instead of French text.
        self.assertNotRegex(self.browser.body_text(), r"\b(null|undefined|NaN)\b|\[object Object\]")


def start_real_agent(server, tmp, token):
    """parc-agent from the build tree, enrolled with `token`, running its service loop."""
    agent = os.path.join(BUILD_DIR, "agent", "parc-agent")
    data = os.path.join(tmp, "agent")
    subprocess.run([agent, "enroll", "--server", server.agent_url, "--ca-fingerprint", server.fingerprint,
                    "--token", token, "--data-dir", data], check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "agent-enroll.log"), "wb"))
    return subprocess.Popen([agent, "run", "--data-dir", data, "--inventory-interval", "300"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "agent.log"), "wb"))


def main():
    # CI logs keep the end of a failing test's output: repeat each failure's last lines
    # after unittest's summary so the cause is visible there.
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    for test, trace in result.failures + result.errors:
        print(f"\nFAILED {test.id()}:\n" + "\n".join(trace.strip().splitlines()[-6:]), flush=True)
    sys.exit(0 if result.wasSuccessful() else 1)
