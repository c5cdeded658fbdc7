#!/usr/bin/env python3
"""Prints (or checks) README's table of every libssl function Debian's
mod_ssl imports, with sslshim's status, from symbols/libssl.txt.

    tools/status-table.py            # print the table
    tools/status-table.py --update   # rewrite it in README.md between the markers
    tools/status-table.py --check    # exit 1 if README.md is out of date
"""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- status-table:begin -->"
END = "<!-- status-table:end -->"


def table():
    status = {}
    for line in open(os.path.join(TOP, "symbols/libssl.txt")):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        status[parts[0]] = (parts[1], parts[2] if len(parts) > 2 else "")
    imports = [l.strip() for l in open(os.path.join(TOP, "symbols/imports/imports-mod_ssl.txt")) if l.strip()]
    counts = {}
    rows = ["| function | status | notes |", "|---|---|---|"]
    for name in imports:
        st, note = status.get(name, ("MISSING", "not exported"))
        counts[st] = counts.get(st, 0) + 1
        rows.append(f"| `{name}` | {st} | {note} |")
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    return f"{len(imports)} functions: {summary}.\n\n" + "\n".join(rows) + "\n"


def main():
    t = table()
    if len(sys.argv) == 1:
        sys.stdout.write(t)
        return
    readme = os.path.join(TOP, "README.md")
    text = open(readme).read()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n" + t + text[end:]
    if sys.argv[1] == "--update":
        open(readme, "w").write(new)
    elif sys.argv[1] == "--check":
        if new != text:
            print("README.md's status table is out of date: run tools/status-table.py --update")
            sys.exit(1)
        print("README status table is up to date")


main()
