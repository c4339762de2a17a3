#!/usr/bin/env python3
"""Coverage of a GLPI inventory: sections and filled fields.

Reads GLPI's native JSON ({"action": "inventory", "content": {...}}, as written by
`parc-agent inventory --format glpi`) or the XML of FusionInventory / GLPI Agent
(<REQUEST><CONTENT>...). Both are counted the same way:

- a section is a child of the content that holds fields (an object, a list of objects,
  or an XML element with children); scalars beside them (versionclient) are not;
- a filled field is a leaf whose value is not empty (non-blank text, any number, any
  boolean); "distinct" counts field paths (softwares.name once), "values" counts every
  filled leaf (softwares.name once per package).

The XML names that GLPI's JSON format renamed are mapped to the JSON ones
(FusionInventory's MACADDR is GLPI's networks.mac), so that the same data counts once
under one name. With --schema (GLPI's inventory.schema.json), a second count keeps only
the fields that GLPI's format defines: what a GLPI server can store.

Usage: coverage.py [--schema S] FILE...        one line per file
       coverage.py [--schema S] --compare A B  Markdown table, section by section
"""
import json
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def _filled(value):
    if value is None:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, (int, float)):
        return True
    return str(value).strip() != ""


def _walk_json(path, value, out):
    if isinstance(value, dict):
        for key, child in value.items():
            _walk_json(f"{path}.{key.lower()}", child, out)
    elif isinstance(value, list):
        for child in value:
            _walk_json(path, child, out)
    elif _filled(value):
        out[path] += 1


# FusionInventory XML name -> GLPI JSON name, for the same data.
XML_RENAMES = {
    "firewall": "firewalls",
    "networks.macaddr": "networks.mac",
    "storages.serialnumber": "storages.serial",
    "local_groups.member": "local_groups.members",
}


def _walk_xml(path, element, out):
    children = list(element)
    if not children:
        if _filled(element.text):
            out[XML_RENAMES.get(path, path)] += 1
        return
    for child in children:
        _walk_xml(f"{path}.{child.tag.lower()}", child, out)


def leaves(filename):
    """{section: {field path: number of filled values}} of one inventory file."""
    with open(filename, "rb") as f:
        data = f.read()
    sections = defaultdict(lambda: defaultdict(int))
    if data.lstrip().startswith(b"<"):
        content = ET.fromstring(data).find("CONTENT")
        for element in content if content is not None else []:
            if len(element):
                tag = element.tag.lower()
                name = XML_RENAMES.get(tag, tag)
                _walk_xml(name, element, sections[name])
    else:
        doc = json.loads(data)
        content = doc.get("content", doc) if isinstance(doc, dict) else {}
        for key, value in content.items():
            if isinstance(value, (dict, list)):
                name = key.lower()
                _walk_json(name, value, sections[name])
    return sections


def schema_fields(schema_file):
    """{"section.field", ...}: the paths GLPI's inventory schema defines (nested ones too)."""
    with open(schema_file) as f:
        schema = json.load(f)
    known = set()

    def walk(path, node):
        if node.get("type") == "array" or "items" in node:
            node = node.get("items", {})
        props = node.get("properties")
        if not props:
            known.add(path)
            return
        for key, child in props.items():
            walk(f"{path}.{key}", child)

    for section, node in schema["properties"]["content"]["properties"].items():
        walk(section, node)
    return known


def restrict(sections, known):
    out = defaultdict(lambda: defaultdict(int))
    for name, fields in sections.items():
        for path, count in fields.items():
            if path in known:
                out[name][path] += count
    return out


def totals(sections):
    sections = {name: fields for name, fields in sections.items() if fields}
    distinct = sum(len(fields) for fields in sections.values())
    values = sum(sum(fields.values()) for fields in sections.values())
    return len(sections), distinct, values


def compare(a, b, known=None):
    la, lb = leaves(a), leaves(b)
    if known is not None:
        la, lb = restrict(la, known), restrict(lb, known)
    print(f"| Section | {a}: fields (values) | {b}: fields (values) |")
    print("|---|---|---|")
    for name in sorted(set(la) | set(lb)):
        cells = []
        for side in (la, lb):
            if name in side:
                fields = side[name]
                cells.append(f"{len(fields)} ({sum(fields.values())})")
            else:
                cells.append("—")
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    ta, tb = totals(la), totals(lb)
    print(f"| **total: {ta[0]} / {tb[0]} sections** | **{ta[1]} ({ta[2]})** | **{tb[1]} ({tb[2]})** |")


def line(filename, sections):
    count, distinct, values = totals(sections)
    return f"{count} sections, {distinct} distinct filled fields, {values} filled values"


def main(argv):
    args = argv[1:]
    known = None
    if len(args) >= 2 and args[0] == "--schema":
        known = schema_fields(args[1])
        args = args[2:]
    if len(args) == 3 and args[0] == "--compare":
        compare(args[1], args[2], known)
        return 0
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    for filename in args:
        sections = leaves(filename)
        text = f"{filename}: {line(filename, sections)}"
        if known is not None:
            text += f"; in GLPI's schema: {line(filename, restrict(sections, known))}"
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
