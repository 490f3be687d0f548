#!/usr/bin/env python3
"""A host process for hlrun: serves the host functions that examples/bridge.yaml
declares, one JSON line in and one JSON line out per call (see hlrun-manifest(5)).

    hlrun examples/bridge.yaml AskHost Upper 'hello, world'     # prints HELLO, WORLD
"""
import json
import sys


def upper(text):
    return text.upper()


def reverse(text):
    return text[::-1]


def lookup(key):
    colours = {"sky": "blue", "grass": "green"}
    if key not in colours:
        raise KeyError(f"no colour for {key!r}")
    return colours[key]


FUNCTIONS = {"Upper": upper, "Reverse": reverse, "Lookup": lookup}

for line in sys.stdin:
    call = json.loads(line)
    try:
        reply = {"id": call["id"], "result": FUNCTIONS[call["function"]](*call["args"])}
    except Exception as e:  # the guest gets the error, and the next call is served
        reply = {"id": call["id"], "error": f"{type(e).__name__}: {e}"}
    # JSON has no NaN or infinity: floats that are not finite go as "nan", "inf", "-inf".
    print(json.dumps(reply, allow_nan=False), flush=True)
