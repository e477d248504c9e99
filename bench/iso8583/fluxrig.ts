/**
 * fluxrig's side of bench/iso8583: unpack+pack of one message through the public pkg/iso8583 API, in one
 * thread, warm-up then a measured window (both in process CPU time); prints one JSON line
 *   {"impl":"fluxrig","spec":"ascii","ops_per_cpu_sec":N,"ops_per_sec":N,"ops":…,"roundtrip_exact":true}
 * Same protocol as the jPOS harness and the moov program, so run.ts treats the three alike.
 * What it must never do: time anything but a full unpack and pack of the given bytes through the public API.
 *
 * Usage: node --import tsx bench/iso8583/fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms 2000] [--measure-ms 3000]
 *          [--opaque 55,…]   carry these data elements as plain bytes (their subfields, e.g. EMV TLV, not
 *                            decoded), the way jPOS and moov carry them: a like-for-like comparison.
 */
import { parseArgs } from 'node:util';
import { builtinSpec, type IsoSpec, loadSpec, pack, unpack } from '../../pkg/iso8583/index.ts';

const SPEC_NAMES: Record<string, string> = { ascii: 'iso87ascii', binary: 'iso87binary' };
const BATCH = 256;

const { values } = parseArgs({
  options: {
    spec: { type: 'string', default: 'ascii' },
    hex: { type: 'string' },
    'warmup-ms': { type: 'string', default: '2000' },
    'measure-ms': { type: 'string', default: '3000' },
    opaque: { type: 'string', default: '' },
  },
});
const specName = SPEC_NAMES[values.spec];
if (specName === undefined || values.hex === undefined) {
  process.stderr.write('usage: fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms N] [--measure-ms N]\n');
  process.exit(2);
}
/** The shipped spec, or a copy of it whose `opaque` data elements keep no subfields. */
function openSpec(name: string, opaque: readonly string[]): IsoSpec {
  const shipped = builtinSpec(name);
  if (opaque.length === 0) return shipped;
  const document = structuredClone(shipped.document);
  for (const n of opaque) {
    const field = document.fields[n];
    if (field === undefined) throw new Error(`--opaque ${n}: ${name} defines no DE ${n}`);
    delete field.subfields;
  }
  return loadSpec(document);
}

const opaque = values.opaque === '' ? [] : values.opaque.split(',');
const spec = openSpec(specName, opaque);
const bytes = new Uint8Array(Buffer.from(values.hex, 'hex'));

function batch(): number {
  let sink = 0;
  for (let i = 0; i < BATCH; i++) sink += pack(unpack(bytes, spec), spec).length;
  return sink;
}

const roundtripExact = Buffer.from(pack(unpack(bytes, spec), spec)).equals(bytes);
/** CPU time (user + system, all threads) this process has used so far, in milliseconds. */
function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

// Both windows are measured in process CPU time (as the jPOS and moov loops do), so a busy shared machine
// slows the run down without changing the figure much; wall-clock throughput is reported beside it.
let sink = 0;
const warmupEnd = processCpuMs() + Number(values['warmup-ms']);
while (processCpuMs() < warmupEnd) sink += batch();

let ops = 0;
const wallStart = performance.now();
const cpuStart = processCpuMs();
const cpuEnd = cpuStart + Number(values['measure-ms']);
let cpuNow = cpuStart;
do {
  sink += batch();
  ops += BATCH;
  cpuNow = processCpuMs();
} while (cpuNow < cpuEnd);
const seconds = (performance.now() - wallStart) / 1000;
const cpuSeconds = (cpuNow - cpuStart) / 1000;

const figure = {
  impl: 'fluxrig',
  spec: values.spec,
  opaque,
  ops_per_cpu_sec: Math.round(ops / cpuSeconds),
  ops_per_sec: Math.round(ops / seconds),
  ops,
  cpu_seconds: cpuSeconds,
  seconds,
  roundtrip_exact: roundtripExact,
  sink,
};
process.stdout.write(`${JSON.stringify(figure)}\n`);
