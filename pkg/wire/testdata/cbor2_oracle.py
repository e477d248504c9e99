"""Independent CBOR reader/writer for pkg/wire interop tests (Python cbor2, not cbor-x).

stdin: one JSON request per line
  {"decode": "<hex>"}   -> {"value": <decoded value as tagged JSON>}  or {"error": "..."}
  {"encode": <tagged JSON value>} -> {"hex": "<cbor2.dumps(value)>"}
Tagged JSON: bytes are {"$bytes": "<hex>"}, any CBOR tag cbor2 could not map is {"$tag": n, "value": ...},
datetimes are {"$datetime": "<iso>"}, floats are {"$float": x} (so an integer sent as a float shows), CBOR undefined is {"$undefined": true}. Plain maps stay objects,
so a test can assert "decodes to the same map" exactly.
"""
import datetime
import json
import sys

import cbor2


def to_json(value):
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, cbor2.CBORTag):
        return {"$tag": value.tag, "value": to_json(value.value)}
    if value is cbor2.undefined:
        return {"$undefined": True}
    if isinstance(value, float):
        return {"$float": value}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                return {"$nonstring_keys": True}
            out[key] = to_json(item)
        return out
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return {"$set": [to_json(item) for item in value]}
    return value


def from_json(value):
    if isinstance(value, dict):
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        if "$float" in value:
            return float(value["$float"])
        return {key: from_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_json(item) for item in value]
    return value


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    request = json.loads(line)
    try:
        if "decode" in request:
            response = {"value": to_json(cbor2.loads(bytes.fromhex(request["decode"])))}
        else:
            response = {"hex": cbor2.dumps(from_json(request["encode"])).hex()}
    except Exception as error:  # report, the TS test decides
        response = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(response) + "\n")
