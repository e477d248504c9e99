"""pyiso8583 oracle for fluxrig's ISO 8583 interop tests: one process answers a whole batch.

What it is for: asking pyiso8583 (PyPI `pyiso8583`, an independent codec) how it reads and writes the
same bytes fluxrig reads and writes. What it must never do: bend pyiso8583 towards fluxrig. The stock
`iso8583.specs.default_ascii` spec is used exactly as shipped; differences must surface in the test.

Usage: python oracle.py MODE SPEC
  MODE unpack    stdin: one hex message per line      -> {"mti":"0200","fields":{"2":"..."}} per line
  MODE pack      stdin: one {"mti","fields"} per line  -> {"hex":"..."} per line
  MODE describe  -> {"spec": SPEC, "binary": [field numbers whose values are hex of raw bytes], "version": ...}
  SPEC ascii  = iso8583.specs.default_ascii (ASCII numerics, hex-ASCII bitmap, PIN/MAC/ICC as hex text).
  SPEC ebcdic = iso8583.specs.default (binary bitmap; PIN, MAC, ICC raw) with its ASCII encodings as cp037.
A failing line answers {"error": "..."} so one bad message never desynchronises the batch.

Why there is no "binary" SPEC (while "ebcdic" exists): pyiso8583's `default` spec has a binary bitmap but ASCII MTI, ASCII numeric
fields and ASCII length prefixes, so it is not the ISO 8583:1987 binary layout (BCD MTI, BCD numerics, BCD
lengths) that jPOS ISO87BPackager and fluxrig's iso87binary implement. It is a third, hybrid layout. Written in EBCDIC, that same layout is the IBM-host
1987 EBCDIC form (binary bitmap, cp037 text, numerics and lengths), which fluxrig's iso87ebcdic implements.
Field values: text as pyiso8583 decodes it; fields with data_enc "b" as upper-case hex (pyiso8583's own
convention). The MTI is "mti"; header, bitmaps ("h", "p", "1") are implied and left out.
"""

import json
import sys

import iso8583
from iso8583.specs import default, default_ascii


def ebcdic_variant(spec: dict) -> dict:
    """The stock spec with every ASCII encoding (data and length) replaced by EBCDIC code page 037:
    pyiso8583's documented way to describe EBCDIC ("cp500 or similar for EBCDIC data"). Nothing else
    changes: field lengths, length types and the binary fields stay as shipped."""
    return {
        key: {prop: ("cp037" if prop in ("data_enc", "len_enc") and value == "ascii" else value) for prop, value in field.items()}
        for key, field in spec.items()
    }


SPECS = {"ascii": default_ascii, "ebcdic": ebcdic_variant(default)}
IMPLIED_KEYS = ("h", "t", "p", "1")


def unpack(line: str, spec: dict) -> dict:
    decoded, _ = iso8583.decode(bytes.fromhex(line), spec)
    fields = {k: v for k, v in decoded.items() if k not in IMPLIED_KEYS}
    return {"mti": decoded["t"], "fields": dict(sorted(fields.items(), key=lambda kv: int(kv[0])))}


def pack(line: str, spec: dict) -> dict:
    message = json.loads(line)
    doc = {"t": message["mti"], **message["fields"]}
    raw, _ = iso8583.encode(doc, spec)
    return {"hex": bytes(raw).hex().upper()}


def describe(spec_name: str, spec: dict) -> dict:
    binary = sorted(int(k) for k, v in spec.items() if k.isdigit() and v["data_enc"] == "b")
    return {"spec": spec_name, "binary": binary, "version": iso8583.__version__}


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("unpack", "pack", "describe") or sys.argv[2] not in SPECS:
        print("usage: oracle.py unpack|pack|describe " + "|".join(SPECS), file=sys.stderr)
        return 2
    mode, spec_name = sys.argv[1], sys.argv[2]
    spec = SPECS[spec_name]
    if mode == "describe":
        print(json.dumps(describe(spec_name, spec)), flush=True)
        return 0
    handler = unpack if mode == "unpack" else pack
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            answer = handler(line, spec)
        except Exception as error:  # noqa: BLE001 - every failure is reported on its own line, never swallowed
            answer = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
