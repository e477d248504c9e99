/**
 * fluxrig's side of bench/iso8583: unpack+pack of one message through the public pkg/iso8583 API, in one
 * thread, warm-up then a measured window (both in process CPU time); prints one JSON line
 *   {"impl":"fluxrig","spec":"ascii","ops_per_cpu_sec":N,"ops_per_sec":N,"ops":…,"roundtrip_exact":true}
 * Same protocol as the jPOS harness and the moov program, so run.ts treats the three alike.
 * What it must never do: time anything but a full unpack and pack of the given bytes through the public API.
 *
 * Usage: node --import tsx bench/iso8583/fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms 2000] [--measure-ms 3000]
 *          [--opaque 55,…]   carry these data elements as plain bytes (their subfields, e.g. EMV TLV, not
 *                            decoded): the work jPOS's ascii-bytes55 spec and the binary specs' peers do.
 *          [--text 55]      carry these data elements as LLL text of up to 999 characters of any kind (type
 *                            any: no hex decoded, no character refused), which is how stock ISO87APackager
 *                            (IFA_LLLCHAR) reads DE 55.
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
    text: { type: 'string', default: '' },
  },
});
const specName = SPEC_NAMES[values.spec];
if (specName === undefined || values.hex === undefined) {
  process.stderr.write('usage: fluxrig.ts --spec ascii|binary --hex HEX [--warmup-ms N] [--measure-ms N] [--opaque 55,…] [--text 55,…]\n');
  process.exit(2);
}
/**
 * The shipped spec, or a copy of it whose `opaque` data elements keep no subfields and whose `text` ones are
 * LLL text (type any, up to 999 characters: IFA_LLLCHAR's field) instead of what the spec says.
 */
function openSpec(name: string, opaque: readonly string[], text: readonly string[]): IsoSpec {
  const shipped = builtinSpec(name);
  if (opaque.length === 0 && text.length === 0) return shipped;
  const document = structuredClone(shipped.document);
  const fieldOf = (option: string, n: string) => {
    const field = document.fields[n];
    if (field === undefined) throw new Error(`--${option} ${n}: ${name} defines no DE ${n}`);
    return field;
  };
  for (const n of opaque) delete fieldOf('opaque', n).subfields;
  for (const n of text) document.fields[n] = { description: fieldOf('text', n).description, type: 'any', length: 999, prefix: 'LLL' };
  return loadSpec(document);
}

const listed = (option: string) => (option === '' ? [] : option.split(','));
const opaque = listed(values.opaque);
const text = listed(values.text);
const spec = openSpec(specName, opaque, text);
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
  text,
  ops_per_cpu_sec: Math.round(ops / cpuSeconds),
  ops_per_sec: Math.round(ops / seconds),
  ops,
  cpu_seconds: cpuSeconds,
  seconds,
  roundtrip_exact: roundtripExact,
  sink,
};
process.stdout.write(`${JSON.stringify(figure)}\n`);
