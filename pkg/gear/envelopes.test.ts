import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Envelope } from '../wire/envelope.ts';
import { emittedCopy, envelopeFactory } from './envelopes.ts';

describe('envelopeFactory', () => {
  let next = 0;
  const options = { nextId: () => String(++next), scenario: 's1', gearId: 'g1', sourcePrefix: 'rack/r1' };

  it('stamps the time of its making to the millisecond, in order', async () => {
    const make = envelopeFactory(options);
    const times: string[] = [];
    const before = Date.now();
    for (let i = 0; i < 2000; i++) {
      times.push(make(null).time);
      if (i === 1000) await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const after = Date.now();
    for (const time of times) assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const ms = times.map((time) => Date.parse(time));
    assert.ok(ms.every((t) => t >= before && t <= after), `${ms[0]}..${ms.at(-1)} outside ${before}..${after}`);
    assert.ok(ms.every((t, i) => i === 0 || t >= (ms[i - 1] as number)), 'never goes back');
    assert.ok((ms.at(-1) as number) - (ms[0] as number) >= 3, 'moves on with the clock');
  });

  it("uses an injected clock, and carries the parent's trace, key, subject and headers", () => {
    const make = envelopeFactory({ ...options, now: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) });
    const parent = make({ a: 1 }, { key: 'k', subject: 'sub', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', headers: { h: '1' } });
    const child = make({ b: 2 }, { parent, headers: { h2: '2' } });
    assert.equal(child.time, '2026-01-02T03:04:05.006Z');
    assert.deepEqual([child.key, child.subject, child.traceparent, child.headers], [parent.key, parent.subject, parent.traceparent, { h: '1', h2: '2' }]);
    assert.equal(child.source, 'rack/r1/gear/g1');
    assert.notEqual(child.id, parent.id);
  });
});

describe('emittedCopy', () => {
  // Required<Envelope>: a field added to Envelope fails to compile here until this test (and so
  // emittedCopy, which the comparison below then checks) carries it.
  const full: Required<Envelope> = {
    id: '1',
    type: 't',
    source: 's',
    subject: 'sub',
    time: '2026-12-01T00:00:00.000Z',
    datacontenttype: 'application/cbor',
    data: { a: 1 },
    scenario: 'old-scenario',
    gear: 'old-gear',
    port: 'old-port',
    key: 'k',
    attempt: 2,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    headers: { h: 'v' },
  };

  it('copies every field and sets scenario, gear and port, as a spread would', () => {
    const copy = emittedCopy(full, 'sc', 'g', 'out');
    assert.deepEqual(copy, { ...full, scenario: 'sc', gear: 'g', port: 'out' });
    assert.notEqual(copy, full);
    assert.equal(full.port, 'old-port', 'the input is not changed');
  });

  it('leaves absent optional fields absent', () => {
    const minimal: Envelope = { id: '2', type: 't', source: 's', time: '2026-12-01T00:00:00.000Z', data: 'x' };
    const copy = emittedCopy(minimal, 'sc', 'g', 'out');
    assert.deepEqual(Object.keys(copy).sort(), ['data', 'gear', 'id', 'port', 'scenario', 'source', 'time', 'type']);
    assert.deepEqual(copy, { ...minimal, scenario: 'sc', gear: 'g', port: 'out' });
  });
});
