#!/usr/bin/env python3
"""Generates a reproducible office-like tree for the backup benchmark.

Usage: gen_tree.py DIR SIZE_MB [SEED]        creates the tree
       gen_tree.py --change DIR PERCENT [SEED] changes PERCENT % of its files

Composition by bytes, after what a town hall's PCs hold: 40 % scans (civil-registry
acts as JPEG/PDF: incompressible), 20 % office documents (docx/xlsx/odt are zip files:
incompressible), 30 % text exports (CSV, accounting, letters: compressible), 10 % a
mailbox file that grows (partly compressible). Content is deterministic: AES-CTR keyed
by the seed and the path for binary data, a seeded generator for text.
"""
import hashlib
import math
import os
import random
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SERVICES = ["État civil", "Comptabilité", "Courrier", "Urbanisme", "Écoles", "Élections",
            "Ressources humaines", "Cimetière"]
WORDS = ("acte naissance mariage décès mairie commune conseil municipal délibération budget "
         "mandat titre recette dépense facture fournisseur école cantine permis construire "
         "déclaration préalable cadastre parcelle électeur liste registre archive courrier "
         "arrêté maire adjoint secrétaire agent salaire congé cimetière concession").split()


def noise(seed, path, n):
    key = hashlib.sha256(f"{seed}:{path}".encode()).digest()
    enc = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16)).encryptor()
    return enc.update(b"\0" * n)


def text(rng, n):
    lines, size = [], 0
    while size < n:
        line = "%04d-%02d-%02d;%d;%s;%.2f\n" % (
            rng.randint(1990, 2026), rng.randint(1, 12), rng.randint(1, 28),
            rng.randint(1, 10**6), " ".join(rng.choices(WORDS, k=rng.randint(3, 12))),
            rng.random() * 10000)
        lines.append(line)
        size += len(line)
    return "".join(lines).encode()[:n]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def sizes(rng, budget, lo, hi):
    out = []
    while budget > lo:
        # Log-uniform: many small files, a few large ones, as on a real PC.
        s = min(budget, int(math.exp(rng.uniform(math.log(lo), math.log(hi)))))
        out.append(s)
        budget -= s
    return out


def generate(root, total_mb, seed):
    rng = random.Random(seed)
    total = total_mb << 20
    n = 0
    for i, s in enumerate(sizes(rng, total * 40 // 100, 150 << 10, 6 << 20)):
        svc = SERVICES[i % 3]  # scans live in the registry-heavy services
        p = f"{root}/{svc}/scans/{1990 + i % 36}/acte-{i:06d}.{'jpg' if i % 2 else 'pdf'}"
        write(p, noise(seed, p, s)); n += 1
    for i, s in enumerate(sizes(rng, total * 20 // 100, 20 << 10, 3 << 20)):
        svc = SERVICES[i % len(SERVICES)]
        ext = ["docx", "xlsx", "odt", "pptx"][i % 4]
        p = f"{root}/{svc}/documents/{2015 + i % 12}/document-{i:05d}.{ext}"
        write(p, noise(seed, p, s)); n += 1
    for i, s in enumerate(sizes(rng, total * 30 // 100, 4 << 10, 8 << 20)):
        svc = SERVICES[i % len(SERVICES)]
        ext = ["csv", "txt", "xml"][i % 3]
        p = f"{root}/{svc}/exports/export-{i:05d}.{ext}"
        write(p, text(rng, s)); n += 1
    # A mailbox: text with attachments (noise) in between.
    mbox, left = [], total * 10 // 100
    j = 0
    while left > 0:
        part = text(rng, 256 << 10) if j % 2 == 0 else noise(seed, f"mbox{j}", 512 << 10)
        mbox.append(part[:left]); left -= len(part); j += 1
    write(f"{root}/Courrier/messagerie/boite.pst", b"".join(mbox)); n += 1
    print(f"{n} files, {total_mb} MiB in {root}")


def change(root, percent, seed):
    rng = random.Random(seed + 1)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
    chosen = rng.sample(files, max(1, len(files) * percent // 100))
    for p in chosen:
        size = os.path.getsize(p)
        with open(p, "r+b") as f:
            if p.endswith((".csv", ".txt", ".xml")):
                f.seek(0, 2)
                f.write(text(rng, 4096))  # a few new lines at the end
            else:
                f.seek(rng.randrange(max(1, size - 4096)))
                f.write(noise(seed + 7, p, 4096))  # a page rewritten in place
    print(f"changed {len(chosen)} of {len(files)} files")


if __name__ == "__main__":
    if sys.argv[1] == "--change":
        change(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    else:
        generate(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 1)
