#!/usr/bin/env python3
"""Validate CII / Factur-X XML files against the official artefacts.

  facturx_validate.py [--rules cen,facturx,brfr] [--json OUT] FILE_OR_DIR...

- XSD: Factur-X 1.0.9 EN16931 (xmllint, one run for all files).
- Schematron: the compiled XSLTs run by Saxon-HE, one JVM per rule set for the whole
  batch (-s:dir -o:dir), the rule sets in parallel. A failed assert counts as fatal when
  flag="fatal" or when it has no flag.

Reference artefacts are read from $PARC_FACTURX_REFERENCE (default
/work/shared/reference/admin/facturation); nothing is copied into the repository.
Prints a JSON report (stdout or --json OUT); exit 0 when every file is XSD-valid with
zero fatal failures in every rule set run, 1 otherwise, 2 on a usage/environment error.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

REFERENCE = os.environ.get("PARC_FACTURX_REFERENCE", "/work/shared/reference/admin/facturation")
SAXON = os.environ.get("PARC_SAXON_JAR", "/usr/share/java/Saxon-HE.jar")
FX = "fnfe-france-rfe-factur-x-1.09/FNFE_RFE_INVOICE/Factur-X/EN16931"
XSD = f"{FX}/1xsd/Factur-X_EN16931.xsd"
RULES = {
    "cen": "cen-en16931-validation-1.3.16/cii/xslt/EN16931-CII-validation.xslt",
    # FACTUR-X_EN16931.xslt reads its codedb next to itself: Saxon runs from that folder.
    "facturx": f"{FX}/2xslt/FACTUR-X_EN16931.xslt",
    "brfr": f"{FX}/2xslt/BR-FR-Flux2-Schematron-CII.xslt",
}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"


def collect(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.endswith(".xml")]
        else:
            files.append(p)
    return files


def run_xsd(staged):
    """{name: [errors]} for every staged file (empty list = valid)."""
    names = sorted(staged)
    proc = subprocess.run(
        ["xmllint", "--noout", "--nonet", "--schema", os.path.join(REFERENCE, XSD)]
        + [staged[n] for n in names],
        capture_output=True, text=True, timeout=600)
    errors = {n: [] for n in names}
    by_path = {staged[n]: n for n in names}
    for line in proc.stderr.splitlines():
        m = re.match(r"^(.*?):(\d+): (.*)$", line)
        if m and m.group(1) in by_path:
            errors[by_path[m.group(1)]].append(f"line {m.group(2)}: {m.group(3)}")
            continue
        m = re.match(r"^(.*) fails to validate$", line)
        if m and m.group(1) in by_path and not errors[by_path[m.group(1)]]:
            errors[by_path[m.group(1)]].append("fails to validate")
        elif not line.endswith(" validates") and line.strip() and not m:
            # a schema-loading problem concerns every file
            for n in names:
                errors[n].append(line)
    return errors


def run_schematron(rule, indir, outroot):
    xslt = os.path.join(REFERENCE, RULES[rule])
    out = os.path.join(outroot, rule)
    os.makedirs(out)
    proc = subprocess.run(
        ["java", "-Xss8m", "-cp", SAXON, "net.sf.saxon.Transform", f"-s:{indir}", f"-xsl:{xslt}",
         f"-o:{out}"],
        cwd=os.path.dirname(xslt), capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"saxon {rule} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    results = {}
    for name in os.listdir(out):
        root = ET.parse(os.path.join(out, name)).getroot()
        fatal, other = [], []
        for fa in root.iter(f"{SVRL}failed-assert"):
            rid = fa.get("id") or fa.get("test")
            flag = fa.get("flag")
            text = " ".join("".join(fa.itertext()).split())[:300]
            entry = {"id": rid, "location": fa.get("location"), "text": text}
            (fatal if flag in (None, "fatal") else other).append(entry)
        results[name] = {"fatal": fatal, "warnings": other}
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--rules", default="cen,facturx,brfr")
    ap.add_argument("--json", help="write the JSON report here instead of stdout")
    args = ap.parse_args()
    rules = [r for r in args.rules.split(",") if r]
    for r in rules:
        if r not in RULES:
            print(f"unknown rule set {r}; known: {', '.join(RULES)}", file=sys.stderr)
            return 2
    if not os.path.isdir(REFERENCE):
        print(f"reference folder {REFERENCE} not found (set PARC_FACTURX_REFERENCE)",
              file=sys.stderr)
        return 2
    files = collect(args.paths)
    if not files:
        print("no XML file given", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="facturx-validate-") as tmp:
        indir = os.path.join(tmp, "in")
        os.makedirs(indir)
        staged = {}
        for f in files:
            name = os.path.basename(f)
            base, n = name, 1
            while name in staged:  # same basename from two folders
                n += 1
                name = f"{n}-{base}"
            shutil.copyfile(f, os.path.join(indir, name))
            staged[name] = os.path.join(indir, name)
        report = {name: {"source": src} for name, src in zip(staged, files)}
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(rules) + 1) as pool:
            xsd_future = pool.submit(run_xsd, staged)
            futures = {r: pool.submit(run_schematron, r, indir, tmp) for r in rules}
            for name, errs in xsd_future.result().items():
                report[name]["xsd"] = errs
            for r, fut in futures.items():
                for name, res in fut.result().items():
                    report[name][r] = res
    ok = all(not v["xsd"] and all(not v[r]["fatal"] for r in rules) for v in report.values())
    text = json.dumps({"ok": ok, "rules": rules, "files": report}, indent=1, ensure_ascii=False)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        print(text)
    for name, v in sorted(report.items()):
        parts = ["xsd " + ("ok" if not v["xsd"] else f"{len(v['xsd'])} errors")]
        for r in rules:
            ids = sorted({f["id"] for f in v[r]["fatal"]})
            parts.append(f"{r} {len(v[r]['fatal'])} fatal" + (f" {ids}" if ids else ""))
        print(f"{name}: " + ", ".join(parts), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
