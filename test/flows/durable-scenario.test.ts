/**
 * Durable flows of a deployed scenario, end to end on real engines: a private control plane (nats-server
 * + mixer) with one rack that runs a Temporal worker on the run's Temporal dev server.
 *
 *   generator → wire `orders` → flow `settle` (charge over HTTP: 503, 503, then 200; then reshape)
 *             → wire `settled` → file sink
 *   flow `approve` (manual): waits for an `approve` signal sent by `rig flow signal` as a child process
 *   flow `tick` (cron, every 2 s) → wire `ticks` → file sink; undeploy deletes its schedule
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import { createIdGenerator } from '../../pkg/idgen/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { type FlowClient, connectFlowClient, flowResult } from '../../pkg/orchestration/index.ts';
import { Rack } from '../../pkg/rack/rack.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { dataSubject } from '../../pkg/wire/subjects.ts';
import { useTemporal } from '../support/engines.ts';
import { eventually, startControlPlane, type TestControlPlane } from '../support/fluxrig-node.ts';
import { rigCommand } from '../support/rig-process.ts';

const suffix = randomBytes(3).toString('hex');
/** Scenario ids carry a suffix: workflow and schedule ids start with them and Temporal is shared. */
const SCENARIO = `settle${suffix}`;

let cp: TestControlPlane;
let rack: Rack;
/** A second rack, only for the placement test (last: it changes where unlabelled gears go). */
let other: Rack | undefined;
let bus: Bus;
let flows: FlowClient;
let temporal: { address: string; namespace: string };
let dir: string;
let server: Server;
let serverUrl: string;
/** Per order number: attempts seen, and effects applied (only a 200 applies one). */
const attempts = new Map<number, number>();
const effects: number[] = [];
const refunds: number[] = [];
/** Every request as `<path> <n>`, in arrival order. */
const calls: string[] = [];

function startChargeServer(): Promise<void> {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const { n } = JSON.parse(body || '{}') as { n: number };
      calls.push(`${request.url} ${n}`);
      const seen = (attempts.get(n) ?? 0) + 1;
      attempts.set(n, seen);
      if (request.url === '/charge' && seen <= 2) {
        response.writeHead(503).end('busy');
        return;
      }
      if (request.url === '/fail') {
        response.writeHead(500).end('declined');
        return;
      }
      if (request.url === '/refund') {
        refunds.push(n);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      effects.push(n);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ receipt: `r-${n}`, n }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

const linesOf = async (file: string): Promise<Record<string, unknown>[]> =>
  (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

function rig(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    FLUXRIG_MIXER_URL: cp.mixer.url,
    FLUXRIG_MIXER_API_TOKEN: cp.token,
    FLUXRIG_TEMPORAL_ADDRESS: temporal.address,
    FLUXRIG_TEMPORAL_NAMESPACE: temporal.namespace,
    FLUXRIG_NODE_DATA_DIR: dir,
  };
  return new Promise((resolve) => {
    execFile(...rigCommand([...args]), { cwd: dir, env }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

async function deploy(scenario: Record<string, unknown>): Promise<void> {
  const put = await cp.api('PUT', `/v1/scenarios/${scenario.id}`, scenario);
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal((await cp.api('POST', `/v1/scenarios/${scenario.id}/deploy`)).status, 200);
  // The mixer's status covers the durable flows too: running only once their triggers run on the rack.
  await eventually(async () => {
    const { body } = await cp.api('GET', `/v1/scenarios/${scenario.id}/status`);
    const status = body as { state: string; flows: { flow: string; rack?: string; state: string; error?: string }[] };
    const failed = status.flows.find((flow) => flow.state === 'failed');
    if (failed) throw new Error(`flow ${failed.flow}: ${failed.error}`);
    assert.ok(status.flows.length > 0, 'the status lists the scenario\'s durable flows');
    return status.state === 'running' && status.flows.every((flow) => flow.rack === rack.id) ? true : undefined;
  }, 60_000, `flows of ${scenario.id} running`);
}

let machine = 900 + Math.floor(Math.random() * 50);
/** The rack under test (always the same id, hence the same task queue), over its own bus connection. */
async function startRack(connection: Bus, id = `flows-${suffix}`, labels: Record<string, string> = {}): Promise<Rack> {
  const started = new Rack({
    bus: connection,
    id,
    labels,
    catalogue: gearCatalogue,
    logger: silentLogger(),
    ids: createIdGenerator({ machineId: machine++ }),
    version: 'test',
    heartbeatMs: 300,
    drainTimeoutMs: 2000,
    temporal,
  });
  await started.start();
  return started;
}

describe('durable scenario flows on a rack (real NATS, real Temporal)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fluxrig-flows-'));
    await startChargeServer();
    serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    temporal = await useTemporal();
    cp = await startControlPlane();
    bus = await openBus({ servers: cp.nats.url, name: 'flows-test', logger: silentLogger() });
    rack = await startRack(bus);
    flows = await connectFlowClient(temporal);
  });
  after(async () => {
    await other?.stop();
    await rack?.stop();
    await flows?.close();
    await bus?.close();
    await cp?.stop();
    server?.close();
  });

  it('runs a wire-triggered flow per message: retried step charges exactly once, the result continues on the output wire', async () => {
    const out = join(dir, 'settled.jsonl');
    await deploy({
      id: SCENARIO,
      gears: [
        { id: 'orders', type: 'generator', config: { interval: '50ms', count: 3, expression: '{ "n": seq }' } },
        { id: 'charge', type: 'http-out', config: { url: `${serverUrl}/charge` } },
        { id: 'sink', type: 'file', config: { path: out } },
      ],
      wires: [
        { id: 'orders', from: 'orders.out', to: 'settle.in' },
        { id: 'settled', from: 'settle.out', to: 'sink.in' },
      ],
      flows: [
        {
          id: 'settle',
          durable: true,
          trigger: { wire: 'orders' },
          steps: [
            { kind: 'gear', id: 'charge', gear: 'charge', retry: { initialInterval: '100ms', backoff: 1, maxAttempts: 5 } },
            { kind: 'gear', id: 'shape', gear: 'transform', config: { expression: '{ "order": body.n, "receipt": body.receipt }' }, local: true },
          ],
        },
      ],
    });
    const lines = await eventually(async () => {
      const found = await linesOf(out);
      return found.length >= 3 ? found : undefined;
    }, 60_000, 'three settled orders in the sink');
    assert.deepEqual(lines.map((l) => l.data).sort((a, b) => (a as { order: number }).order - (b as { order: number }).order), [
      { order: 1, receipt: 'r-1' },
      { order: 2, receipt: 'r-2' },
      { order: 3, receipt: 'r-3' },
    ]);
    assert.deepEqual([...effects].sort(), [1, 2, 3], 'one effect per order at the receiving server');
    assert.deepEqual([1, 2, 3].map((n) => attempts.get(n)), [3, 3, 3], 'two 503s then the 200, per order');
  });

  it('starts no second run for a redelivered message: same envelope id, one charge, one result', async () => {
    const out = join(dir, 'settled.jsonl');
    const envelope: Envelope = { id: `77${Date.now()}`, type: 'test.order', source: 'test', time: new Date().toISOString(), data: { n: 100 } };
    await bus.publish(dataSubject(SCENARIO, 'orders'), envelope, { msgId: `${envelope.id}/first` });
    await bus.publish(dataSubject(SCENARIO, 'orders'), envelope, { msgId: `${envelope.id}/again` });
    // The consumer starts the run asynchronously: wait until it exists, then for its result.
    const result = await eventually(() => flowResult(flows.client, `${SCENARIO}.settle/${envelope.id}`), 30_000, 'the run of the redelivered order');
    assert.deepEqual(result.outputs[0]?.envelope.data, { order: 100, receipt: 'r-100' });
    // A later message proves the consumer went past both copies before we count.
    const marker: Envelope = { ...envelope, id: `78${Date.now()}`, data: { n: 101 } };
    await bus.publish(dataSubject(SCENARIO, 'orders'), marker);
    await eventually(async () => ((await linesOf(out)).some((l) => (l.data as { order: number }).order === 101) ? true : undefined), 30_000, 'marker order settled');
    assert.equal(effects.filter((n) => n === 100).length, 1);
    assert.equal((await linesOf(out)).filter((l) => (l.data as { order: number }).order === 100).length, 1);
  });

  it('resumes a waiting flow started by `rig flow start` with `rig flow signal`, both spawned as CLIs', async () => {
    const id = `approve${suffix}`;
    const out = join(dir, 'approved.jsonl');
    await deploy({
      id,
      gears: [{ id: 'sink', type: 'file', config: { path: out } }],
      wires: [{ id: 'approved', from: 'gate.out', to: 'sink.in' }],
      flows: [
        {
          id: 'gate',
          durable: true,
          trigger: { manual: true },
          steps: [
            { kind: 'wait', id: 'approval', accept: ['approve'], reject: ['reject'], timeout: '2m', into: 'approval' },
            { kind: 'gear', id: 'stamp', gear: 'transform', config: { expression: '$merge([$, { "approved": true }])' } },
          ],
        },
      ],
    });
    const started = await rig(['--json', 'flow', 'start', id, 'gate', '--data', '{"amount": 5, "pan": "4111111111111111"}']);
    assert.equal(started.code, 0, started.stderr);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    assert.ok(workflowId.startsWith(`${id}.gate/`), workflowId);

    const waiting = await eventually(async () => {
      const shown = await rig(['--json', 'flow', 'show', workflowId]);
      const view = JSON.parse(shown.stdout) as { state?: string; current?: string };
      return view.state === 'waiting' ? view : undefined;
    }, 30_000, 'flow waiting');
    assert.equal(waiting.current, 'approval');
    assert.deepEqual(await linesOf(out), [], 'nothing passes before the signal');

    const signalled = await rig(['flow', 'signal', workflowId, 'approve', '--data', '{"by": "ops"}']);
    assert.equal(signalled.code, 0, signalled.stderr);
    const [line] = await eventually(async () => {
      const found = await linesOf(out);
      return found.length > 0 ? found : undefined;
    }, 30_000, 'approved line');
    assert.deepEqual(line?.data, { amount: 5, pan: '4111111111111111', approval: { by: 'ops' }, approved: true });

    const shown = await rig(['flow', 'show', workflowId]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /COMPLETED/);
    assert.match(shown.stdout, /approval\s+wait\s+completed/);
    assert.doesNotMatch(shown.stdout, /4111111111111111/, 'the PAN is masked in what people see');

    const listed = await rig(['--json', 'flow', 'list', '--scenario', id]);
    assert.deepEqual((JSON.parse(listed.stdout) as { workflowId: string }[]).map((f) => f.workflowId), [workflowId]);
  });

  it('finishes a flow that waited across a restart of its rack, its result delivered once', async () => {
    const id = `approve${suffix}`;
    const out = join(dir, 'approved.jsonl');
    const before = (await linesOf(out)).length;
    const started = await rig(['--json', 'flow', 'start', id, 'gate', '--data', '{"amount": 7}']);
    assert.equal(started.code, 0, started.stderr);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    await eventually(async () => (JSON.parse((await rig(['--json', 'flow', 'show', workflowId])).stdout).state === 'waiting' ? true : undefined), 30_000, 'waiting');

    await rack.stop(); // drains, stops its Temporal worker and leaves the registry
    rack = await startRack(bus);
    await eventually(async () => {
      const { body } = await cp.api('GET', `/v1/racks/${rack.id}`);
      return (body as { scenarios?: Record<string, { gears: Record<string, { state: string }> }> }).scenarios?.[id]?.gears['flow:gate']?.state === 'running' ? true : undefined;
    }, 30_000, 'flow back on the restarted rack');

    assert.equal((await rig(['flow', 'signal', workflowId, 'approve', '--data', '{"by": "night shift"}'])).code, 0);
    const lines = await eventually(async () => {
      const found = await linesOf(out);
      return found.length > before ? found : undefined;
    }, 30_000, 'approved after the restart');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual((await linesOf(out)).slice(before).map((l) => l.data), [{ amount: 7, approval: { by: 'night shift' }, approved: true }]);
    assert.equal(lines.length, before + 1);
  });

  it('cancels a waiting flow with `rig flow cancel` and refuses unknown ids and non-manual flows', async () => {
    const id = `approve${suffix}`;
    const started = await rig(['--json', 'flow', 'start', id, 'gate', '--data', '{}']);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    const cancelled = await rig(['flow', 'cancel', workflowId]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    await eventually(async () => (JSON.parse((await rig(['--json', 'flow', 'show', workflowId])).stdout).status === 'CANCELLED' ? true : undefined), 30_000, 'cancelled');

    const unknown = await rig(['flow', 'signal', `${id}.gate/nope`, 'approve']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no durable flow/);
    const notManual = await rig(['flow', 'start', SCENARIO, 'settle']);
    assert.equal(notManual.code, 2);
    assert.match(notManual.stderr, /does not allow manual starts/);
  });

  it('on a failing step runs the compensation, then publishes the error envelope to the wire leaving <flow>.error', async () => {
    const id = `undo${suffix}`;
    const out = join(dir, 'failed.jsonl');
    await deploy({
      id,
      gears: [{ id: 'sink', type: 'file', config: { path: out } }],
      wires: [{ id: 'failed', from: 'pay.error', to: 'sink.in' }],
      flows: [
        {
          id: 'pay',
          durable: true,
          trigger: { subject: `fluxrig.events.${id}` },
          steps: [
            { kind: 'gear', id: 'charge', gear: 'http-out', config: { url: `${serverUrl}/ok` }, compensate: 'refund' },
            { kind: 'gear', id: 'ship', gear: 'http-out', config: { url: `${serverUrl}/fail` }, retry: { initialInterval: '100ms', maxAttempts: 2 } },
          ],
          compensations: [{ id: 'refund', gear: 'http-out', config: { url: `${serverUrl}/refund` } }],
        },
      ],
    });
    await bus.publish(`fluxrig.events.${id}`, { id: `79${Date.now()}`, type: 'test.order', source: 'test', time: new Date().toISOString(), data: { n: 500 } });
    const [line] = await eventually(async () => {
      const found = await linesOf(out);
      return found.length > 0 ? found : undefined;
    }, 60_000, 'error envelope in the sink');
    const data = line?.data as { step: string; code: string; message: string };
    assert.equal(data.step, 'ship');
    assert.equal(data.code, 'HTTP_STATUS');
    assert.deepEqual(
      calls.filter((c) => c.startsWith('/ok') || c.startsWith('/fail') || c.startsWith('/refund')),
      // Later steps get the previous step's output (the HTTP response), hence no `n` past the first.
      ['/ok 500', '/fail undefined', '/fail undefined', '/refund undefined'],
      'charge once, the failing step twice (its retry policy), then one refund',
    );
  });

  it('runs one flow per key, and sends a message without a key to the flow\'s error wire instead of retrying it', async () => {
    const id = `keyed${suffix}`;
    const out = join(dir, 'keyed.jsonl');
    await deploy({
      id,
      gears: [{ id: 'sink', type: 'file', config: { path: out } }],
      wires: [
        { id: 'done', from: 'per-terminal.out', to: 'sink.in' },
        { id: 'problems', from: 'per-terminal.error', to: 'sink.in' },
      ],
      flows: [
        {
          id: 'per-terminal',
          durable: true,
          workflow_per: 'key',
          trigger: { subject: `fluxrig.events.${id}` },
          steps: [{ kind: 'gear', id: 'echo', gear: 'transform', config: { expression: '{ "seen": n }' } }],
        },
      ],
    });
    const base = { type: 'test.order', source: 'test', time: new Date().toISOString() };
    await bus.publish(`fluxrig.events.${id}`, { ...base, id: `80${Date.now()}`, data: { n: 1 } });
    await bus.publish(`fluxrig.events.${id}`, { ...base, id: `81${Date.now()}`, data: { n: 2 }, key: 'T-1' });
    const lines = await eventually(async () => {
      const found = await linesOf(out);
      return found.length >= 2 ? found : undefined;
    }, 30_000, 'both messages accounted for');
    const byKind = Object.fromEntries(lines.map((l) => [l.type === 'fluxrig.flow.error' ? 'error' : 'done', l]));
    const error = byKind.error?.data as { code: string; input: unknown } | undefined;
    assert.deepEqual([error?.code, error?.input], ['FLOW_NO_KEY', { n: 1 }]);
    assert.deepEqual(byKind.done?.data, { seen: 2 });
    assert.equal(byKind.done?.key, 'T-1');
    await flowResult(flows.client, `${id}.per-terminal/key/T-1`);
  });

  it('fires a cron-triggered flow from a Temporal Schedule; undeploy deletes the schedule', async () => {
    const id = `tick${suffix}`;
    const out = join(dir, 'ticks.jsonl');
    const scenario = (cron: string) => ({
      id,
      gears: [{ id: 'sink', type: 'file', config: { path: out } }],
      wires: [{ id: 'ticks', from: 'tick.out', to: 'sink.in' }],
      flows: [
        {
          id: 'tick',
          durable: true,
          trigger: { cron },
          steps: [{ kind: 'gear', id: 'stamp', gear: 'transform', config: { expression: '{ "tick": true, "cron": $headers."fluxrig-cron" }' } }],
        },
      ],
    });
    await deploy(scenario('*/2 * * * * * *'));
    const started = Date.now();
    const [line] = await eventually(async () => {
      const found = await linesOf(out);
      return found.length > 0 ? found : undefined;
    }, 20_000, 'a scheduled run in the sink');
    assert.deepEqual(line?.data, { tick: true, cron: '*/2 * * * * * *' });
    assert.ok(Date.now() - started < 20_000);

    const schedule = flows.client.schedule.getHandle(`schedule/${id}.tick`);
    const action = (await schedule.describe()).action;
    assert.deepEqual(action.type === 'startWorkflow' && [action.workflowType, action.taskQueue], ['durableFlow', `fluxrig-${rack.id}`], 'runs on the owning rack\'s queue');

    // A new version with another cron replaces the schedule; its runs say so.
    assert.equal((await cp.api('PUT', `/v1/scenarios/${id}`, scenario('*/3 * * * * * *'))).status, 200);
    await eventually(async () => ((await linesOf(out)).some((l) => (l.data as { cron: string }).cron === '*/3 * * * * * *') ? true : undefined), 30_000, 'a run of the new schedule');
    assert.equal((await cp.api('POST', `/v1/scenarios/${id}/undeploy`)).status, 200);
    await eventually(async () => {
      try {
        await schedule.describe();
        return undefined;
      } catch (error) {
        return (error as Error).name === 'ScheduleNotFoundError' ? true : undefined;
      }
    }, 15_000, 'schedule deleted');
  });
  it('places a wire-triggered flow on the rack that runs the gear feeding its wire', async () => {
    other = await startRack(bus, `flows-b-${suffix}`, { zone: 'b' });
    const id = `placed${suffix}`;
    const out = join(dir, 'placed.jsonl');
    const put = await cp.api('PUT', `/v1/scenarios/${id}`, {
      id,
      gears: [
        { id: 'feed', type: 'generator', config: { interval: '50ms', count: 2, expression: '{ "n": seq }' }, placement: { labels: { zone: 'b' } } },
        { id: 'sink', type: 'file', config: { path: out } },
      ],
      wires: [
        { id: 'fed', from: 'feed.out', to: 'relay.in' },
        { id: 'relayed', from: 'relay.out', to: 'sink.in' },
      ],
      flows: [{ id: 'relay', durable: true, trigger: { wire: 'fed' }, steps: [{ kind: 'gear', id: 'pass', gear: 'transform', config: { expression: '$' } }] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await cp.api('POST', `/v1/scenarios/${id}/deploy`)).status, 200);
    await eventually(async () => ((await linesOf(out)).length >= 2 ? true : undefined), 60_000, 'two relayed messages');
    const flowsOn = async (rackId: string) => {
      const { body } = await cp.api('GET', `/v1/racks/${rackId}`);
      const gears = (body as { scenarios: Record<string, { gears: Record<string, unknown> }> }).scenarios[id]?.gears ?? {};
      return Object.keys(gears).filter((key) => key.startsWith('flow:'));
    };
    assert.deepEqual(await flowsOn(other.id), ['flow:relay']);
    assert.deepEqual(await flowsOn(rack.id), []);
    const [first] = await linesOf(out);
    const headers = (first?.headers ?? {}) as Record<string, string>;
    const workflowId = (headers['idempotency-key'] ?? '').replace(/\/fluxrig\.output$/, '');
    assert.equal((await flows.client.workflow.getHandle(workflowId).describe()).taskQueue, `fluxrig-${other.id}`);
  });
});
