import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startControlPlane, type TestControlPlane } from '../support/fluxrig-node.ts';

let cp: TestControlPlane;
let outFile: string;
const scenario = () => ({
  id: 'counter',
  gears: [
    { id: 'tick', type: 'generator', config: { interval: '20ms', count: 5, expression: '{ "n": seq }' } },
    { id: 'double', type: 'transform', config: { expression: '{ "n": n * 2 }' } },
    { id: 'sink', type: 'file', config: { path: outFile } },
  ],
  wires: [
    { from: 'tick.out', to: 'double.in' },
    { from: 'double.out', to: 'sink.in' },
  ],
});

describe('mixer and rack over real NATS JetStream', () => {
  before(async () => {
    outFile = join(await mkdtemp(join(tmpdir(), 'fluxrig-out-')), 'out.jsonl');
    cp = await startControlPlane();
    await cp.startRack('r1', { zone: 'a' });
  });
  after(() => cp.stop());

  it('lists the registered rack with its labels and liveness', async () => {
    const racks = await eventually(async () => {
      const { body } = await cp.api('GET', '/v1/racks');
      return (body as unknown[]).length === 1 ? (body as { id: string; labels: object; live: boolean }[]) : undefined;
    });
    assert.deepEqual([racks[0]?.id, racks[0]?.labels, racks[0]?.live], ['r1', { zone: 'a' }, true]);
  });

  it('refuses mutating calls without the bearer token', async () => {
    const response = await fetch(`${cp.mixer.url}/v1/scenarios/counter`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenario()) });
    assert.equal(response.status, 401);
    const wrong = await fetch(`${cp.mixer.url}/v1/scenarios/counter/deploy`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
  });

  it('answers a bad body with 400 naming each field', async () => {
    const bad = { ...scenario(), gears: [{ id: 'tick', type: 'generator', config: { interval: 'soon' } }, { id: 'x', typ: 'log' }] };
    const { status, body } = await cp.api('PUT', '/v1/scenarios/counter', bad);
    assert.equal(status, 400);
    const problems = (body as { error: { problems: { path: string; message: string; hint?: string }[] } }).error.problems;
    assert.deepEqual(
      problems.map((p) => p.path),
      ['gears[1].type', 'gears[1].typ'],
    );
    assert.equal(problems[1]?.hint, 'did you mean "type"?');
    const graph = await cp.api('PUT', '/v1/scenarios/counter', { ...scenario(), gears: [{ id: 'tick', type: 'generator', config: { interval: 'soon' } }] });
    assert.equal(graph.status, 400);
    assert.equal((graph.body as { error: { problems: { path: string }[] } }).error.problems[0]?.path, 'gears[0].config.interval');
  });

  it('runs a deployed scenario on the rack and shows it in status; undeploy stops it', async () => {
    const put = await cp.api('PUT', '/v1/scenarios/counter', scenario());
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((put.body as { version: number }).version, 1);
    const before = await cp.api('GET', '/v1/scenarios/counter/status');
    assert.equal((before.body as { state: string }).state, 'undeployed');

    assert.equal((await cp.api('POST', '/v1/scenarios/counter/deploy')).status, 200);
    const running = await eventually(async () => {
      const { body } = await cp.api('GET', '/v1/scenarios/counter/status');
      return (body as { state: string }).state === 'running' ? (body as { gears: { rack: string }[] }) : undefined;
    });
    assert.deepEqual(running.gears.map((g) => g.rack), ['r1', 'r1', 'r1']);
    const lines = await eventually(async () => {
      const text = await readFile(outFile, 'utf8').catch(() => '');
      const parsed = text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line).data.n);
      return parsed.length >= 5 ? parsed : undefined;
    });
    assert.deepEqual(lines, [2, 4, 6, 8, 10]);

    assert.equal((await cp.api('POST', '/v1/scenarios/counter/undeploy')).status, 200);
    await eventually(async () => {
      const { body } = await cp.api('GET', '/v1/racks/r1');
      return Object.keys((body as { scenarios: object }).scenarios).length === 0 ? true : undefined;
    });
    assert.equal(((await cp.api('GET', '/v1/scenarios/counter/status')).body as { state: string }).state, 'undeployed');
  });

  it('reports a gear that cannot start and retries it until it runs', async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as AddressInfo).port)));
    const busy = { id: 'busy', gears: [{ id: 'api', type: 'http-in', config: { port, mode: 'accept' } }, { id: 'audit', type: 'log' }], wires: [{ from: 'api.out', to: 'audit.in' }] };
    assert.equal((await cp.api('PUT', '/v1/scenarios/busy', busy)).status, 200);
    assert.equal((await cp.api('POST', '/v1/scenarios/busy/deploy')).status, 200);
    const failed = await eventually(async () => {
      const { body } = await cp.api('GET', '/v1/scenarios/busy/status');
      const api = (body as { gears: { gear: string; state: string; error?: string }[] }).gears.find((g) => g.gear === 'api');
      return api?.state === 'failed' ? api : undefined;
    });
    assert.match(failed.error ?? '', /EADDRINUSE/);
    assert.equal(((await cp.api('GET', '/v1/scenarios/busy/status')).body as { state: string }).state, 'degraded');
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    await eventually(async () => {
      const { body } = await cp.api('GET', '/v1/scenarios/busy/status');
      return (body as { state: string }).state === 'running' ? true : undefined;
    });
    const accepted = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(accepted.status, 202);
    assert.equal((await cp.api('POST', '/v1/scenarios/busy/undeploy')).status, 200);
  });

  it('publishes an OpenAPI document covering the routes', async () => {
    const { status, body } = await cp.api('GET', '/openapi.json');
    assert.equal(status, 200);
    const paths = Object.keys((body as { paths: object }).paths);
    for (const path of ['/v1/racks', '/v1/scenarios/{id}', '/v1/scenarios/{id}/deploy', '/v1/scenarios/{id}/status', '/v1/gears']) assert.ok(paths.includes(path), path);
  });
});
