/**
 * fluxrig's side of bench/iso8583: unpack+pack of one message through the public pkg/iso8583 API, in one
 * thread, warm-up then a measured window; prints one JSON line
 *   {"impl":"fluxrig","spec":"ascii","ops_per_sec":N,"ops":…,"seconds":…,"roundtrip_exact":true}
 * Same protocol as the jPOS harness and the moov program, so run.ts treats the three alike.
 * What it must never do: time anything but a full unpack and pack of the given bytes through the public API.
 *
 * Usage: node --import tsx bench/iso8583/fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms 2000] [--measure-ms 3000]
 */
import { parseArgs } from 'node:util';
import { builtinSpec, pack, unpack } from '../../pkg/iso8583/index.ts';

const SPEC_NAMES: Record<string, string> = { ascii: 'iso87ascii', binary: 'iso87binary' };
const BATCH = 256;

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'ascii' },
    hex: { type: 'string' },
    'warmup-ms': { type: 'string', default: '2000' },
    'measure-ms': { type: 'string', default: '3000' },
  },
});
const specName = SPEC_NAMES[values.spec];
if (specName === undefined || values.hex === undefined) {
  process.stderr.write('usage: fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms N] [--measure-ms N]\n');
  process.exit(2);
}
const spec = builtinSpec(specName);
const bytes = new Uint8Array(Buffer.from(values.hex, 'hex'));

function batch(): number {
  let sink = 0;
  for (let i = 0; i < BATCH; i++) sink += pack(unpack(bytes, spec), spec).length;
  return sink;
}

const roundtripExact = Buffer.from(pack(unpack(bytes, spec), spec)).equals(bytes);
let sink = 0;
const warmupEnd = performance.now() + Number(values['warmup-ms']);
while (performance.now() < warmupEnd) sink += batch();

let ops = 0;
const start = performance.now();
const end = start + Number(values['measure-ms']);
let now = start;
do {
  sink += batch();
  ops += BATCH;
  now = performance.now();
} while (now < end);
const seconds = (now - start) / 1000;

process.stdout.write(
  `${JSON.stringify({ impl: 'fluxrig', spec: values.spec, ops_per_sec: Math.round(ops / seconds), ops, seconds, roundtrip_exact: roundtripExact, sink })}\n`,
);
