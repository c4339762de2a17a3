#!/usr/bin/env python3
""""Tester" on the notification channels page, against a real server: a webhook receiver
on 127.0.0.1 gets the signed test message and the page says so; an SMTP relay that
refuses with a hostile greeting shows its reason as text (never as markup); read-only
accounts see no "Tester" button."""
import datetime
import hashlib
import hmac
import http.server
import json
import os
import socket
import ssl
import sys
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(__file__))
import a11y_audit  # noqa: E402
import console_e2e as e2e  # noqa: E402

PASSWORD = "Canaux-Millau-2026!x"
SECRET = "secret-du-webhook-0123456789"
HOSTILE = "554 <img src=x onerror=\"window.__xss='smtp'\"> <b>relais ferme</b>"


def test_pki(tmp):
    """A CA of the test's own and a certificate for 127.0.0.1, as PEM files."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Parc e2e CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = os.path.join(tmp, "hook.pem"), os.path.join(tmp, "hook.key")
    with open(cert_file, "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file


class WebhookReceiver:
    """HTTPS on 127.0.0.1 (port chosen by the OS): records each POST, answers 200."""

    def __init__(self, cert_file, key_file):
        self.requests = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert_file, key_file)
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class HostileSmtp:
    """A relay that greets every connection with a refusal carrying markup, then hangs up."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.sendall((HOSTILE + "\r\n").encode())

    def stop(self):
        self.running = False
        self.thread.join(5)
        self.sock.close()


class ConsoleChannelsTest(e2e.ConsoleTestCase):
    password = PASSWORD

    # The receivers listen on 127.0.0.1: allowed explicitly, as an administrator would.
    server_config = '[health]\noutgoing_allow = ["127.0.0.1/32"]\n'

    @classmethod
    def seed(cls):
        s = cls.server
        cls.millau = s.create_tenant("Mairie de Millau", "12145")["id"]
        ca_pem, cert_file, key_file = test_pki(cls.tmp)
        cls.hook = WebhookReceiver(cert_file, key_file)
        cls.smtp = HostileSmtp()
        cls.webhook_channel = s.request("POST", "/api/v1/channels", {
            "tenant_id": cls.millau, "kind": "webhook", "name": "Astreinte Millau",
            "settings": {"url": f"https://127.0.0.1:{cls.hook.port}/parc", "secret": SECRET, "ca_pem": ca_pem}})["id"]
        cls.email_channel = s.request("POST", "/api/v1/channels", {
            "tenant_id": cls.millau, "kind": "email", "name": "Relais hostile",
            "settings": {"host": "127.0.0.1", "port": cls.smtp.port, "tls": "none", "from": "parc@millau.example",
                         "to": ["support@millau.example"]}})["id"]
        for user, role in [("tech", "technician"), ("lecteur", "read_only")]:
            s.request("POST", "/api/v1/users", {"username": user, "password": PASSWORD, "role": role, "tenants": None})

    @classmethod
    def tearDownClass(cls):
        for r in ("hook", "smtp"):
            if hasattr(cls, r):
                getattr(cls, r).stop()
        super().tearDownClass()

    def row(self, channel_id):
        return f"tr[data-channel-id='{channel_id}']"

    def test_tester_sends_a_signed_test_message_and_shows_the_outcome(self):
        b = self.browser
        self.sign_in("tech")
        b.go(f"#/alertes/canaux?commune={self.millau}")
        b.wait_css(self.row(self.webhook_channel))
        before = len(self.hook.requests)
        b.css(f"{self.row(self.webhook_channel)} [data-testid=channel-test]")[0].click()
        b.wait_css(f"{self.row(self.webhook_channel)} [data-testid=channel-test-result]",
                   text="Notification de test reçue par le webhook.")
        self.assertEqual(before + 1, len(self.hook.requests))
        got = self.hook.requests[-1]
        self.assertEqual("/parc", got["path"])
        headers = {k.lower(): v for k, v in got["headers"].items()}
        self.assertEqual("test", headers["x-parc-event"])
        expected = hmac.new(SECRET.encode(), headers["x-parc-timestamp"].encode() + b"." + got["body"],
                            hashlib.sha256).hexdigest()
        self.assertEqual("sha256=" + expected, headers["x-parc-signature"])
        doc = json.loads(got["body"])
        self.assertEqual("Parc : notification de test", doc["subject"])
        self.assertEqual("user:tech", doc["requested_by"])
        self.screenshot_row("canal-test-reussi", self.webhook_channel)

        # The relay refuses: its reason is shown as text, markup and all, and nothing runs.
        b.css(f"{self.row(self.email_channel)} [data-testid=channel-test]")[0].click()
        result = b.wait_css(f"{self.row(self.email_channel)} [data-testid=channel-test-result]",
                            text="Échec de l'envoi de test")
        self.assertIn("SMTP: greeting refused: " + HOSTILE, result.text)
        self.assertEqual([], b.css(f"{self.row(self.email_channel)} [data-testid=channel-test-result] *"))
        self.assertIsNone(b.driver.execute_script("return window.__xss"))
        self.screenshot_row("canal-test-echec", self.email_channel)
        self.assertEqual([], a11y_audit.audit(b, "canaux-test")["issues"])
        audit = self.server.request("GET", "/api/v1/audit?action=channel.test&limit=10")["items"]
        self.assertEqual({"ok", "failed"}, {a["result"] for a in audit})
        # Nothing about the channels changed.
        channels = {c["id"]: c for c in self.server.request("GET", "/api/v1/channels")["items"]}
        self.assertTrue(channels[self.email_channel]["enabled"])
        self.assertNoBrowserErrors()

    def screenshot_row(self, name, channel_id):
        b = self.browser
        b.driver.execute_script("document.getElementById('toast').replaceChildren();"
                                "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
                                self.row(channel_id))
        os.makedirs(e2e.ARTIFACTS, exist_ok=True)
        b.driver.save_screenshot(os.path.join(e2e.ARTIFACTS, name + ".png"))

    def test_read_only_sees_no_tester_button(self):
        b = self.browser
        self.sign_in("lecteur")
        b.go(f"#/alertes/canaux?commune={self.millau}")
        b.wait_css(self.row(self.webhook_channel))
        self.assertEqual([], b.css("[data-testid=channel-test]"))
        token = self.server.request("POST", "/api/v1/login", {"username": "lecteur", "password": PASSWORD},
                                    token="")["token"]
        with self.assertRaises(e2e.ApiError) as refused:
            self.server.request("POST", f"/api/v1/channels/{self.webhook_channel}/test", {}, token=token)
        self.assertEqual(403, refused.exception.status)
        self.assertNoBrowserErrors()


if __name__ == "__main__":
    e2e.main()
