import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RigError } from '../errors/index.ts';
import { fromCloudEvent, toCloudEvent } from './cloudevents.ts';
import type { Envelope } from './envelope.ts';

const envelope: Envelope = {
  id: '468395841827012609',
  type: 'fluxrig.iso8583.request',
  source: 'rack/r1/gear/tcp-in',
  subject: 'T1',
  time: '2026-11-23T18:00:00.123Z',
  data: new Uint8Array([0x02, 0x00, 0xff]),
  scenario: 'payment-switch',
  gear: 'tcp-in',
  port: 'out',
  key: 'T0001',
  attempt: 2,
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  headers: { 'reply-to': 'c7' },
};

function invalidAt(where: string, fn: () => unknown): void {
  assert.throws(fn, (error: unknown) => error instanceof RigError && error.code === 'WIRE_INVALID' && error.where === where);
}

describe('CloudEvents mapping', () => {
  test('binary data becomes data_base64 and the extensions use CloudEvents-legal names', () => {
    assert.deepEqual(toCloudEvent(envelope), {
      specversion: '1.0',
      id: '468395841827012609',
      type: 'fluxrig.iso8583.request',
      source: 'rack/r1/gear/tcp-in',
      time: '2026-11-23T18:00:00.123Z',
      subject: 'T1',
      datacontenttype: 'application/octet-stream',
      partitionkey: 'T0001',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      fluxrigscenario: 'payment-switch',
      fluxriggear: 'tcp-in',
      fluxrigport: 'out',
      fluxrigattempt: 2,
      fluxrigheaders: '{"reply-to":"c7"}',
      data_base64: 'AgD/',
    });
  });

  test('every extension name is lowercase alphanumeric and at most 20 characters', () => {
    for (const name of Object.keys(toCloudEvent(envelope))) {
      if (name === 'data_base64') continue; // a JSON-format member, not an attribute
      assert.match(name, /^[a-z0-9]{1,20}$/, name);
    }
  });

  test('an envelope survives the trip through CloudEvents JSON text', () => {
    const back = fromCloudEvent(JSON.parse(JSON.stringify(toCloudEvent(envelope))));
    assert.deepEqual({ ...back, data: [...(back.data as Uint8Array)] }, {
      ...envelope,
      datacontenttype: 'application/octet-stream',
      data: [0x02, 0x00, 0xff],
    });
  });

  test('structured data stays structured in `data`', () => {
    const event = toCloudEvent({ ...envelope, data: { amount: 1 }, datacontenttype: 'application/json' });
    assert.deepEqual(event.data, { amount: 1 });
    assert.equal(event.data_base64, undefined);
  });

  test('a missing time is filled with the time of arrival', () => {
    const arrived = new Date('2026-11-23T19:00:00Z');
    const back = fromCloudEvent({ specversion: '1.0', id: '1', type: 't', source: 's' }, () => arrived);
    assert.equal(back.time, '2026-11-23T19:00:00.000Z');
  });

  test('wrong specversion, missing id, bad base64 and both data forms are WIRE_INVALID naming the attribute', () => {
    const ok = { specversion: '1.0', id: '1', type: 't', source: 's', time: 'x' };
    invalidAt('cloudevent.specversion', () => fromCloudEvent({ ...ok, specversion: '0.3' }));
    invalidAt('cloudevent.id', () => fromCloudEvent({ ...ok, id: undefined }));
    invalidAt('cloudevent.data_base64', () => fromCloudEvent({ ...ok, data_base64: 'not base64!' }));
    invalidAt('cloudevent.data_base64', () => fromCloudEvent({ ...ok, data_base64: 'AA==', data: 1 }));
    invalidAt('cloudevent.fluxrigattempt', () => fromCloudEvent({ ...ok, fluxrigattempt: 'two' }));
  });

  test('header values that are not strings are refused with the envelope field path', () => {
    const ok = { specversion: '1.0', id: '1', type: 't', source: 's', time: 'x' };
    invalidAt('envelope.headers.n', () => fromCloudEvent({ ...ok, fluxrigheaders: '{"n":1}' }));
  });
});
