"""See run.sh. Prints one line per measure; nothing is written outside a temp dir."""
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import shutil

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "e2e"))
import console_e2e as e2e  # noqa: E402

WEB = os.path.join(os.path.dirname(__file__), "..", "..", "server", "console", "web")
SOFTWARE = ["firefox-esr", "libreoffice-writer", "libreoffice-calc", "thunderbird", "vlc", "gimp", "chromium",
            "openssh-server", "cups", "clamav", "keepassxc", "evince", "gnome-shell", "xfce4", "zoom"]


def seed(db_path, count, tenants=400):
    db = sqlite3.connect(db_path, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    now = int(time.time())
    rnd = random.Random(42)
    with db:
        for t in range(1, tenants + 1):
            db.execute("INSERT INTO tenants(name, insee_code, created_at) VALUES (?,?,?)",
                       (f"Mairie n°{t:03d}", f"{12000 + t:05d}", now))
        tenant_ids = [r[0] for r in db.execute("SELECT id FROM tenants")]
        for i in range(1, count + 1):
            name = f"pc-{i:05d}"
            serial = f"SN{rnd.randrange(16**8):08X}"
            online = rnd.random() < 0.8
            last = now - (rnd.randrange(600) if online else rnd.randrange(30 * 86400))
            cur = db.execute(
                "INSERT INTO hosts(tenant_id, uid, hostname, device_id, cert_fingerprint, cert_serial, cert_not_after,"
                " enrolled_at, last_seen, inventory_at, os_name, hardware, serial, online, offline_since)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rnd.choice(tenant_ids), f"uid-{i:05d}", name, f"dev-{i}", f"fp-{i:05d}", f"{i:x}", now + 365 * 86400,
                 now - 90 * 86400, last, last, "Debian GNU/Linux 12 (bookworm)",
                 rnd.choice(["Dell Inc. OptiPlex 7070", "HP EliteDesk 800 G4", "Lenovo ThinkCentre M720q"]), serial,
                 1 if online else 0, None if online else last))
            inv = e2e.sample_inventory(name, serial, software=[
                {"name": s, "version": "1.0", "architecture": "amd64"} for s in rnd.sample(SOFTWARE, 8)])
            db.execute("INSERT INTO host_inventory(host_id, document) VALUES (?,?)",
                       (cur.lastrowid, json.dumps(inv, sort_keys=True, separators=(",", ":"))))
            # The search index, as the server fills it on each inventory (hostname, serial,
            # MAC, IP, software names).
            terms = [name, serial, "d8:9e:f3:12:34:56", "192.168.1.23"] + [x["name"] for x in inv["software"]]
            db.execute("INSERT INTO host_search(rowid, terms) VALUES (?,?)", (cur.lastrowid, " ".join(terms)))
    db.close()


def timed(server, path, n=20):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        res = server.request("GET", path)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return res, statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    tmp = tempfile.mkdtemp(prefix="parc-bench-console-")
    try:
        server = e2e.Server(tmp)  # creates the schema, then stops: seed with the server down
        server.stop()
        t0 = time.perf_counter()
        seed(os.path.join(server.data, "parc.db"), count)
        print(f"seeded {count} hosts in 400 communes in {time.perf_counter() - t0:.1f} s")
        os.remove(os.path.join(server.data, "server.json"))
        server = e2e.Server(tmp)
        server.login_admin()
        paging = "total" in server.request("GET", "/api/v1/hosts?limit=1")
        print(f"server-side paging: {'yes' if paging else 'NO (the API returns every host)'}")
        for label, path in [("first page (50, by name)", "/api/v1/hosts?limit=50&offset=0&sort=hostname&order=asc"),
                            ("page 100 by last contact", "/api/v1/hosts?limit=50&offset=4950&sort=last_seen&order=desc"),
                            ("search serial prefix", "/api/v1/hosts?limit=50&q=SN0"),
                            ("search hostname", "/api/v1/hosts?limit=50&q=pc-09999"),
                            ("search software name", "/api/v1/hosts?limit=50&q=keepassxc"),
                            ("offline filter", "/api/v1/hosts?limit=50&online=false")]:
            res, median, p95 = timed(server, path)
            print(f"API {label:28s} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                  f"items {len(res['items'])} total {res.get('total', res.get('count'))}")
        browser = e2e.Browser(server, tmp)
        try:
            browser.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
                "new MutationObserver((m, o) => { if (document.querySelector('[data-testid=host-table] tbody tr')) {"
                " window.__tableAt = performance.now(); o.disconnect(); } })"
                ".observe(document, {childList: true, subtree: true});")})
            browser.login("admin", server.admin_password)
            browser.wait_css("[data-testid=username]", 30)
            loads = []
            for _ in range(5):
                browser.open("#/postes")
                e2e.wait_for(lambda: browser.driver.execute_script("return window.__tableAt"), 60, what="table")
                loads.append(browser.driver.execute_script("return window.__tableAt"))
            print(f"browser: host list page, full load to first rows: median {statistics.median(loads):.0f} ms "
                  f"(runs: {', '.join(f'{x:.0f}' for x in loads)})")
            dash = []
            for _ in range(3):
                start = time.perf_counter()
                browser.open("#/")
                browser.wait_css("[data-testid=dash-total]", 60, text=f"{count:,}".replace(",", "\u202f"))
                dash.append((time.perf_counter() - start) * 1000)
            print(f"browser: dashboard (every host read in pages of 500), full load: median "
                  f"{statistics.median(dash):.0f} ms (incl. WebDriver polling)")
            browser.open("#/postes")
            browser.wait_css("[data-testid=host-range]", 30)
            start = time.perf_counter()
            browser.go("#/postes?q=pc-09999")
            browser.wait_css("[data-testid=host-range]", 30, text="sur 1")
            print(f"browser: search to result rendered {(time.perf_counter() - start) * 1000:.0f} ms (incl. WebDriver polling)")
        finally:
            browser.quit()
        server.stop()
        total = gz = 0
        import gzip
        for root, _, files in os.walk(WEB):
            for f in files:
                data = open(os.path.join(root, f), "rb").read()
                total += len(data)
                gz += len(gzip.compress(data, 9))
        print(f"console bundle: {total / 1024:.1f} KiB in {sum(len(f) for _, _, f in os.walk(WEB))} files "
              f"({gz / 1024:.1f} KiB gzip -9, not compressed by the server)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
