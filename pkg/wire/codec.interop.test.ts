/**
 * Interop proof for the wire format: an independent CBOR implementation (Python cbor2, installed by
 * test/interop/install into .cache/venv) decodes our envelopes to exactly the same plain map, and
 * envelopes it encodes decode here. No cbor-x tag, record or extension may appear on the wire.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { decodeEnvelope, encodeEnvelope } from './codec.ts';
import type { Envelope } from './envelope.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** test/run.ts exports the oracle interpreter; a file run on its own finds the venv directly. */
const python = process.env.FLUXRIG_TEST_PYTHON || `${repoRoot}.cache/venv/bin/python`;
const oracle = fileURLToPath(new URL('./testdata/cbor2_oracle.py', import.meta.url));

type Request = { decode: string } | { encode: unknown };
type Response = { value?: unknown; hex?: string; error?: string };

/** Runs a batch of requests through the cbor2 oracle in one Python process. */
function cbor2(requests: Request[]): Response[] {
  assert.ok(existsSync(python), `${python} is missing: run test/interop/install (or make oracles)`);
  const run = spawnSync(python, [oracle], {
    input: requests.map((request) => JSON.stringify(request)).join('\n'),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Response);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** The tagged-JSON view the oracle prints for a plain value (bytes → {$bytes}, non-integers → {$float}). */
function expectedView(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: hex(value) };
  if (typeof value === 'number' && !Number.isInteger(value)) return { $float: value };
  if (Array.isArray(value)) return value.map(expectedView);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expectedView(item)]));
  }
  return value;
}

const binaryEnvelope: Envelope = {
  id: '468395841827012609',
  type: 'fluxrig.iso8583.request',
  source: 'rack/r1/gear/tcp-in',
  subject: 'terminal-42',
  time: '2026-11-23T18:00:00.123Z',
  datacontenttype: 'application/octet-stream',
  data: new Uint8Array([0x02, 0x00, 0x72, 0x3a, 0x00, 0xff, 0x00]),
  scenario: 'payment-switch',
  gear: 'tcp-in',
  port: 'out',
  key: 'T0001',
  attempt: 2,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  headers: { 'reply-to': 'conn-7', stan: '000123' },
};

const structuredEnvelope: Envelope = {
  id: '1',
  type: 'fluxrig.test',
  source: 'test',
  time: '2026-11-23T18:00:00Z',
  datacontenttype: 'application/cbor',
  data: {
    mti: '0100',
    fields: { '2': '4111111111111111', '4': 1500, '55': new Uint8Array([0x9f, 0x26]) },
    flags: [true, false, null],
    amount: -12.5,
    epochMillis: 1_795_000_000_123,
    negativeWide: -(2 ** 40),
    empty: {},
    unicode: 'zürich €',
  },
};

describe('wire interop with Python cbor2', () => {
  test('cbor2 decodes an envelope with binary data to the same plain map, bytes as a byte string', () => {
    const [response] = cbor2([{ decode: hex(encodeEnvelope(binaryEnvelope)) }]);
    assert.deepEqual(response, { value: expectedView(binaryEnvelope) });
  });

  test('cbor2 decodes an envelope with structured data to the same nested map', () => {
    const [response] = cbor2([{ decode: hex(encodeEnvelope(structuredEnvelope)) }]);
    assert.deepEqual(response, { value: expectedView(structuredEnvelope) });
  });

  test('absent optional fields are left out of the map, not sent as null or undefined', () => {
    const minimal: Envelope = { id: '7', type: 't', source: 's', time: '2026-01-01T00:00:00Z', data: 'x' };
    const [response] = cbor2([{ decode: hex(encodeEnvelope(minimal)) }]);
    assert.deepEqual(Object.keys((response?.value ?? {}) as object).sort(), ['data', 'id', 'source', 'time', 'type']);
  });

  test('an envelope encoded by cbor2 decodes here to the same envelope', () => {
    const [binary, structured] = cbor2([
      { encode: expectedView(binaryEnvelope) },
      { encode: expectedView(structuredEnvelope) },
    ]);
    const decodedBinary = decodeEnvelope(Buffer.from(binary?.hex ?? '', 'hex'));
    assert.deepEqual({ ...decodedBinary, data: hex(decodedBinary.data as Uint8Array) }, {
      ...binaryEnvelope,
      data: hex(binaryEnvelope.data as Uint8Array),
    });
    assert.ok(decodedBinary.data instanceof Uint8Array, 'binary data arrives as bytes');
    assert.deepEqual(expectedView(decodeEnvelope(Buffer.from(structured?.hex ?? '', 'hex'))), expectedView(structuredEnvelope));
  });

  test('unknown keys from a foreign producer are dropped, known ones kept', () => {
    const [response] = cbor2([{ encode: { specversion: '1.0', id: '9', type: 't', source: 's', time: 'now', data: 1 } }]);
    const envelope = decodeEnvelope(Buffer.from(response?.hex ?? '', 'hex'));
    assert.deepEqual(envelope, { id: '9', type: 't', source: 's', time: 'now', data: 1 });
  });
});
