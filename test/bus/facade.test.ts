/**
 * The Bus facade as a rack uses it, on the run's nats-server and the real FLUXRIG_* streams: a gear's
 * input consumer publishes its output before its message is acked, a downstream consumer sees it,
 * dead letters land in FLUXRIG_DLQ, control requests are answered, desired state sits in KV.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import { RigError } from '../../pkg/errors/index.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { controlSubject, dataSubject } from '../../pkg/wire/subjects.ts';
import { useNats } from '../support/engines.ts';
import { envelope, eventually, memoryLogger, uniqueToken } from './support.ts';

let bus: Bus;

before(async () => {
  bus = await openBus({ servers: (await useNats()).url, name: 'facade-test', logger: memoryLogger().logger });
  await bus.ensureStreams();
});

after(async () => {
  await bus.close();
});

test('the facade hands out only functions and a name: no NATS connection, client or manager', () => {
  assert.deepEqual(
    Object.entries(bus)
      .filter(([, value]) => typeof value !== 'function')
      .map(([key]) => key),
    ['name'],
  );
});

test('a gear consumer publishes its output downstream before its input is acked', async () => {
  const scenario = uniqueToken('s');
  const outputs: Envelope[] = [];
  const gear = await bus.consume(
    { stream: 'FLUXRIG_DATA', durable: `${scenario}-upper`, filterSubjects: [dataSubject(scenario, 'in')] },
    async (input) => {
      await bus.publish(dataSubject(scenario, 'out'), envelope(String(input.data).toUpperCase(), { gear: 'upper' }));
    },
  );
  const sink = await bus.consume(
    { stream: 'FLUXRIG_DATA', durable: `${scenario}-sink`, filterSubjects: [dataSubject(scenario, 'out')] },
    async (output) => {
      outputs.push(output);
    },
  );
  await bus.publish(dataSubject(scenario, 'in'), envelope('approved'));
  await eventually('output consumed', () => outputs.length === 1);
  assert.equal(outputs[0]?.data, 'APPROVED');
  assert.equal(outputs[0]?.gear, 'upper');
  await eventually('input acked', () => gear.stats.acked === 1);
  await gear.stop();
  await sink.stop();
});

test('a failing gear dead-letters into FLUXRIG_DLQ on fluxrig.dlq.<durable>', async () => {
  const scenario = uniqueToken('s');
  const durable = `${scenario}-broken`;
  const gear = await bus.consume(
    { stream: 'FLUXRIG_DATA', durable, filterSubjects: [dataSubject(scenario, 'in')], maxDeliver: 2, backoffMs: [20] },
    async () => {
      throw new RigError('GEAR_CONFIG', 'route table empty');
    },
  );
  const dead: Envelope[] = [];
  const dlqReader = await bus.consume(
    { stream: 'FLUXRIG_DLQ', durable: `${scenario}-dlq-reader`, filterSubjects: [`fluxrig.dlq.${durable}`] },
    async (message) => {
      dead.push(message);
    },
  );
  const sent = envelope('x');
  await bus.publish(dataSubject(scenario, 'in'), sent);
  await eventually('dead letter read back', () => dead.length === 1);
  assert.equal(dead[0]?.id, sent.id);
  assert.equal(gear.stats.deadLettered, 1);
  await gear.stop();
  await dlqReader.stop();
});

test('control subjects are core NATS: a request gets the responder\'s reply (not a stream ack), durable publish is refused', async () => {
  const rack = uniqueToken('r');
  const responder = bus.serve(controlSubject(rack, 'ping'), async (asked) =>
    envelope({ rack, pong: asked.id }, { type: 'fluxrig.control.pong' }),
  );
  const asked = envelope(null, { type: 'fluxrig.control.ping' });
  const reply = await bus.request(controlSubject(rack, 'ping'), asked, { timeoutMs: 2_000 });
  assert.deepEqual(reply.data, { rack, pong: asked.id });
  await responder.stop();
  await assert.rejects(
    bus.publish(controlSubject(rack, 'ping'), envelope(1)),
    (error: unknown) => error instanceof RigError && error.code === 'BUS_NOT_DURABLE',
  );
});

test('desired state lives in the KV bucket fluxrig-desired', async () => {
  const rack = uniqueToken('r');
  const desired = await bus.kv<{ scenarios: string[] }>('desired');
  await desired.put(`assignment.${rack}`, { scenarios: ['payment-switch'] });
  assert.deepEqual((await desired.get(`assignment.${rack}`))?.value, { scenarios: ['payment-switch'] });
  await desired.delete(`assignment.${rack}`);
});
