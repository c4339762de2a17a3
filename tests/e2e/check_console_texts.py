#!/usr/bin/env python3
"""Every text key the console's scripts name exists in the French dictionary, and the
web files hold no inline script or style and no innerHTML-like sink (static checks)."""
import os
import re
import sys
import unittest

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "server", "console", "web")


MODULES = os.path.join(WEB, "..", "..", "modules")


def read_all(ext):
    """The console's files by URL path, the modules' pages (server/modules/<name>/console/,
    served under js/pages/modules/<name>/) included."""
    out = {}
    trees = [(WEB, "")]
    for name in sorted(os.listdir(MODULES)):
        pages = os.path.join(MODULES, name, "console")
        if os.path.isdir(pages):
            trees.append((pages, f"js/pages/modules/{name}/"))
    for top, prefix in trees:
        for root, _, files in os.walk(top):
            for f in files:
                if f.endswith(ext):
                    p = os.path.join(root, f)
                    with open(p, encoding="utf-8") as fh:
                        out[prefix + os.path.relpath(p, top)] = fh.read()
    return out


class ConsoleTextsTest(unittest.TestCase):
    def setUp(self):
        self.scripts = read_all(".js")
        fr = self.scripts["js/i18n/fr.js"]
        self.keys = set(re.findall(r"'([a-zA-Z0-9_.]+)':", fr))

    def test_every_literal_key_exists(self):
        prefixes = ("common.", "time.", "role.", "nav.", "error.", "login.", "status.", "dash.", "hosts.", "host.",
                    "alerts.", "alert.", "admin.", "account.", "inv.", "rules.", "channels.",
                    "backups.", "files.", "groups.")
        # Permission names of session.js look like keys but are not texts.
        abilities = {"hosts.read", "hosts.write", "hosts.command", "tenants.read", "tenants.write", "tokens.read",
                     "tokens.write", "audit.read", "users.admin", "alerts.write", "hosts.remote_support",
                     "channels.write", "backups.restore",
                     "nav.module.admin"}  # modules/nav.js: a link key whose text is set by the module
        missing = set()
        for path, text in self.scripts.items():
            # Examples in comments (a line comment ends at its line: DOTALL only for blocks).
            text = re.sub(r"(?<!:)//.*", "", re.sub(r"/\*.*?\*/", "", text, flags=re.S))
            if path == "js/i18n/fr.js":
                continue
            for key in re.findall(r"'([a-z]+(?:\.[a-zA-Z0-9_]+)+)'", text):
                if key.startswith(prefixes) and key not in self.keys and key not in abilities:
                    missing.add(f"{path}: {key}")
        self.assertEqual(set(), missing)

    def test_dynamic_keys_exist(self):
        dynamic = {
            "role": ["administrator", "technician", "helpdesk", "read_only", "town_hall_staff"],
            "inv.section": ["system", "os", "cpu", "memory", "storage", "network", "network_config", "monitors",
                            "batteries", "printers", "antivirus", "firewall", "software", "users", "sessions",
                            "pci_devices", "usb_devices", "processes", "warnings"],
            "inv.disk": ["hdd", "ssd", "nvme", "removable", "optical", "virtual", "unknown"],
            "alert.severity": ["critical", "warning", "info", "error"],
            "alert.state": ["firing", "acknowledged", "resolved"],
            "host.range": ["1h", "24h", "30j"],
            "login.reason": ["expiree", "partout"],
            "alert.rule": ["disk_usage", "disk_full_soon", "cpu_usage", "memory_usage", "temperature", "battery_worn",
                           "host_silent", "site_silent", "smart_failing", "unit_failed", "printer_stuck",
                           "time_unsynced", "backup_stale", "backup_damaged", "clone_suspected"],
            "alert.kind": ["threshold", "absence", "state", "prediction", "backup_stale",
                           "backup_damaged"],
            "alert.duration": ["30", "60", "120", "240", "480", "1440", "4320", "10080"],
            "channels.kind": ["email", "webhook", "glpi"],
            "channels.tls": ["starttls", "implicit", "none"],
            "channels.testSent": ["email", "webhook", "glpi"],
            "channels.setting": ["to", "from", "host", "port", "tls", "username", "password", "digest_hour", "url",
                                 "secret", "app_token", "user_token", "entities_id", "itilcategories_id"],
            "channels.field": ["to", "from", "host", "port", "tls", "username", "password", "digest_hour", "url",
                               "secret", "app_token", "user_token", "entities_id", "itilcategories_id"],
        }
        for prefix, names in dynamic.items():
            for name in names:
                self.assertIn(f"{prefix}.{name}", self.keys)

    def test_no_html_sinks_in_scripts(self):
        sinks = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|"
                           r"setAttribute\(['\"]on|\.style\.")
        for path, text in self.scripts.items():
            self.assertIsNone(sinks.search(text), f"{path} uses an HTML/script sink")

    def test_no_inline_script_or_style_in_html(self):
        for path, text in read_all(".html").items():
            self.assertNotRegex(text, r"<script(?![^>]*\bsrc=)[^>]*>", path)
            self.assertNotIn("style=", text, path)
            self.assertNotIn("<style", text, path)
            self.assertNotRegex(text, r"\son[a-z]+=", path)


if __name__ == "__main__":
    unittest.main(verbosity=2)
