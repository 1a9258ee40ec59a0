#!/usr/bin/env python3
"""Regenerates cli/src/help_table.txt, the prompt's fallback help table, from Redis 7.0.15's
command JSON files (name, group, since, argument syntax; no summaries).

    python3 cli/tools/gen-help-table.py /work/ref/src/commands > cli/src/help_table.txt
"""
import glob
import json
import os
import sys


def syntax(arg):
    kind = arg.get("type")
    token = arg.get("token")
    token = ('""' if token == "" else token) if token is not None else ""
    if kind == "oneof":
        repeat = "|".join(syntax(a) for a in arg.get("arguments", []))
    elif kind == "block":
        repeat = " ".join(syntax(a) for a in arg.get("arguments", []))
    elif kind == "pure-token":
        repeat = ""
    else:
        repeat = arg.get("name") or '""'
    if token and kind != "pure-token":
        token += " "
    out = "[" if arg.get("optional") else ""
    out += token + repeat
    if arg.get("multiple"):
        out += " [" + (token if arg.get("multiple_token") else "") + repeat + " ...]"
    if arg.get("optional"):
        out += "]"
    return out


rows = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    with open(path) as f:
        for name, spec in json.load(f).items():
            if "container" in spec:
                name = spec["container"] + " " + name
            params = " ".join(syntax(a) for a in spec.get("arguments", []))
            rows.append((name.upper(), spec.get("group", ""), spec.get("since", ""), params))
for row in sorted(rows):
    print("\t".join(row))
