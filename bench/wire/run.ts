/**
 * bench/wire: envelope encode/decode throughput, side by side in one run with
 *   - JSON.stringify/parse of the same envelope (bytes as base64, the CloudEvents JSON way) — the baseline,
 *   - bare cbor-x on the same plain map (what our safety layers cost: validation, the plain-value walk,
 *     the well-formedness scan, and copying byte strings out of the input — about 0.4 µs of the
 *     decode gap for a 180-byte payload, kept so decoded data never pins a NATS socket chunk),
 *   - cbor-x with record structures (the compact JS-only encoding we chose not to put on the wire).
 * Prints ops per CPU-second (median of 3 rounds), bytes per message and ratios to the JSON baseline.
 * Cheap: about 1 s of CPU per case.
 *
 *   node --import tsx bench/wire/run.ts [--seconds 1]
 */
import { Decoder, Encoder } from 'cbor-x';
import { decodeEnvelope, encodeEnvelope } from '../../pkg/wire/codec.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 1;

/** An ISO 8583 authorisation request as it travels between gears: raw bytes plus routing fields. */
const binary: Envelope = {
  id: '468395841827012609',
  type: 'fluxrig.iso8583.request',
  source: 'rack/r1/gear/tcp-in',
  subject: 'T0001',
  time: '2026-11-23T18:00:00.123Z',
  datacontenttype: 'application/octet-stream',
  data: new Uint8Array(180).map((_, i) => (i * 31) & 0xff),
  scenario: 'payment-switch',
  gear: 'tcp-in',
  port: 'out',
  key: 'T0001',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  headers: { 'reply-to': 'conn-7' },
};

/** The same message after parsing: a structured field map. */
const structured: Envelope = {
  ...binary,
  type: 'fluxrig.iso8583.parsed',
  datacontenttype: 'application/cbor',
  data: {
    mti: '0100',
    fields: {
      '2': '4111111111111111',
      '3': '000000',
      '4': '000000001500',
      '7': '1123180000',
      '11': '000123',
      '14': '2812',
      '22': '051',
      '37': '332718000123',
      '41': 'T0001   ',
      '42': 'MERCHANT0000001',
      '49': '978',
    },
    receivedAt: 1_795_000_000_123,
  },
};

/** JSON form: bytes as base64, like CloudEvents' data_base64. */
function toJsonShape(envelope: Envelope): Record<string, unknown> {
  return envelope.data instanceof Uint8Array
    ? { ...envelope, data: undefined, data_base64: Buffer.from(envelope.data).toString('base64') }
    : { ...envelope };
}
function fromJsonShape(value: Record<string, unknown>): Record<string, unknown> {
  if (typeof value.data_base64 === 'string') value.data = Buffer.from(value.data_base64, 'base64');
  return value;
}

/** Process CPU time in ns: on a shared machine wall-clock figures swing with other processes' load. */
function cpuNanos(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

/** Runs `fn` for about SECONDS of CPU time and returns operations per CPU-second (median of 3 rounds). */
function measure(fn: () => unknown): number {
  for (let i = 0; i < 20_000; i++) fn(); // warm-up: let V8 optimise
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    let ops = 0;
    const start = cpuNanos();
    const budget = (SECONDS * 1e9) / 3;
    let elapsed = 0;
    while (elapsed < budget) {
      for (let i = 0; i < 1000; i++) fn();
      ops += 1000;
      elapsed = cpuNanos() - start;
    }
    rounds.push((ops * 1e9) / elapsed);
  }
  return rounds.sort((a, b) => a - b)[1] as number;
}

const plainEncoder = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true, tagUint8Array: false });
const plainDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const recordEncoder = new Encoder({ structures: [] });
const recordDecoder = new Decoder({ structures: [] });

interface Row {
  label: string;
  encode: number;
  decode: number;
  bytes: number;
}

function rows(envelope: Envelope): Row[] {
  const wire = encodeEnvelope(envelope);
  const jsonText = JSON.stringify(toJsonShape(envelope));
  const jsonBytes = Buffer.from(jsonText);
  const plainMap = plainEncoder.encode(envelope);
  // Records pay off once the structure is known, so prime the shared structures first.
  recordEncoder.encode(envelope);
  const records = recordEncoder.encode(envelope);
  return [
    {
      label: 'JSON.stringify/parse (baseline)',
      encode: measure(() => Buffer.from(JSON.stringify(toJsonShape(envelope)))),
      decode: measure(() => fromJsonShape(JSON.parse(jsonBytes.toString()))),
      bytes: jsonBytes.length,
    },
    {
      label: 'pkg/wire encodeEnvelope/decodeEnvelope',
      encode: measure(() => encodeEnvelope(envelope)),
      decode: measure(() => decodeEnvelope(wire)),
      bytes: wire.length,
    },
    {
      label: 'bare cbor-x, plain map (no checks/copy)',
      encode: measure(() => plainEncoder.encode(envelope)),
      decode: measure(() => plainDecoder.decode(plainMap)),
      bytes: plainMap.length,
    },
    {
      label: 'cbor-x records (JS-only, not used)',
      encode: measure(() => recordEncoder.encode(envelope)),
      decode: measure(() => recordDecoder.decode(records)),
      bytes: records.length,
    },
  ];
}

const format = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);

for (const [name, envelope] of [
  ['binary ISO 8583 payload (180 B)', binary],
  ['structured parsed message', structured],
] as const) {
  const table = rows(envelope);
  const baseline = table[0] as Row;
  console.log(`\n${name}`);
  console.log(`${'case'.padEnd(40)} ${'encode/s'.padStart(11)} ${'×JSON'.padStart(6)} ${'decode/s'.padStart(11)} ${'×JSON'.padStart(6)} ${'bytes'.padStart(6)}`);
  for (const row of table) {
    console.log(
      `${row.label.padEnd(40)} ${format(row.encode)} ${(row.encode / baseline.encode).toFixed(2).padStart(6)} ${format(row.decode)} ${(row.decode / baseline.decode).toFixed(2).padStart(6)} ${String(row.bytes).padStart(6)}`,
    );
  }
}
