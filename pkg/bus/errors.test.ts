import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { RigError } from '../errors/index.ts';
import { translateNatsError } from './errors.ts';

test('a timeout anywhere in the cause chain is BUS_TIMEOUT with the subject and timeout', () => {
  const error = translateNatsError(new RequestError('request failed', { cause: new TimeoutError() }), {
    operation: 'request',
    subject: 'fluxrig.control.r1.ping',
    timeoutMs: 250,
  });
  assert.equal(error.code, 'BUS_TIMEOUT');
  assert.equal(error.where, 'fluxrig.control.r1.ping');
  assert.match(error.message, /timed out after 250 ms/);
});

test('no responders means BUS_NO_STREAM for a durable publish and BUS_NO_RESPONDERS for a request', () => {
  const noResponders = () => new RequestError('no responders', { cause: new NoRespondersError('x') });
  assert.equal(translateNatsError(noResponders(), { operation: 'publish', subject: 'x' }).code, 'BUS_NO_STREAM');
  assert.equal(translateNatsError(noResponders(), { operation: 'request', subject: 'x' }).code, 'BUS_NO_RESPONDERS');
});

test('a RigError passes through unchanged; anything else is BUS_ERROR keeping the cause', () => {
  const rig = new RigError('WIRE_INVALID', 'bad');
  assert.equal(translateNatsError(rig, { operation: 'publish' }), rig);
  const other = new Error('boom');
  const translated = translateNatsError(other, { operation: 'kv', subject: 'bucket/key' });
  assert.equal(translated.code, 'BUS_ERROR');
  assert.equal(translated.cause, other);
});
