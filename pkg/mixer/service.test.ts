import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Scenario } from '../scenario/model.ts';
import type { DesiredState, RackRecord, RackScenarioStatus, ScenarioRecord } from './records.ts';
import { summarise } from './service.ts';

// A scenario with two gears on two racks and one durable flow fed by `source` (so it lives on r1).
const scenario = {
  id: 'pay',
  gears: [
    { id: 'source', type: 'generator', config: {} },
    { id: 'sink', type: 'file', config: { path: '/tmp/x' } },
  ],
  wires: [
    { id: 'orders', from: 'source.out', to: 'settle.in' },
    { id: 'settled', from: 'settle.out', to: 'sink.in' },
  ],
  flows: [{ id: 'settle', durable: true, trigger: { wire: 'orders' }, steps: [] }],
} as unknown as Scenario;

const NOW = Date.parse('2026-01-01T00:00:10Z');
const record = (deployed = true): ScenarioRecord => ({ id: 'pay', version: 2, deployed, updatedAt: '2026-01-01T00:00:00Z', scenario });
const desired: DesiredState[] = [
  { rack: 'r1', revision: 1, scenarios: { pay: { version: 2, gears: ['source'] } } },
  { rack: 'r2', revision: 1, scenarios: { pay: { version: 2, gears: ['sink'] } } },
];
const rack = (id: string, gears: RackScenarioStatus['gears'], version = 2): RackRecord => ({
  id,
  labels: {},
  gearTypes: [],
  host: 'h',
  pid: 1,
  version: 'test',
  startedAt: '2026-01-01T00:00:00Z',
  heartbeatAt: '2026-01-01T00:00:09Z',
  heartbeatMs: 1000,
  draining: false,
  scenarios: { pay: { version, gears } },
});

describe('scenario status', () => {
  it('is running only when every gear and the durable flow report running, each on its rack', () => {
    const status = summarise(record(), [rack('r1', { source: { state: 'running' }, 'flow:settle': { state: 'running' } }), rack('r2', { sink: { state: 'running' } })], desired, [], NOW);
    assert.equal(status.state, 'running');
    assert.deepEqual(status.flows, [{ flow: 'settle', rack: 'r1', state: 'running' }]);
    assert.deepEqual(status.gears.map((g) => [g.gear, g.rack, g.state]), [['source', 'r1', 'running'], ['sink', 'r2', 'running']]);
  });

  it('is pending while the flow\'s rack has not reported it, degraded with the error once it fails', () => {
    const pending = summarise(record(), [rack('r1', { source: { state: 'running' } }), rack('r2', { sink: { state: 'running' } })], desired, [], NOW);
    assert.equal(pending.state, 'pending');
    assert.deepEqual(pending.flows, [{ flow: 'settle', rack: 'r1', state: 'assigned' }]);

    const failing = { source: { state: 'running' as const }, 'flow:settle': { state: 'failed' as const, error: 'ORCH_UNAVAILABLE: no Temporal' } };
    const degraded = summarise(record(), [rack('r1', failing), rack('r2', { sink: { state: 'running' } })], desired, [], NOW);
    assert.equal(degraded.state, 'degraded');
    assert.deepEqual(degraded.flows, [{ flow: 'settle', rack: 'r1', state: 'failed', error: 'ORCH_UNAVAILABLE: no Temporal' }]);
  });

  it('ignores reports of an older version and of a dead rack', () => {
    const old = summarise(record(), [rack('r1', { source: { state: 'running' }, 'flow:settle': { state: 'running' } }, 1), rack('r2', { sink: { state: 'running' } })], desired, [], NOW);
    assert.equal(old.flows[0]?.state, 'assigned');
    assert.equal(old.state, 'pending');
    const dead = summarise(record(), [rack('r1', { source: { state: 'running' }, 'flow:settle': { state: 'running' } }), rack('r2', { sink: { state: 'running' } })], desired, [], NOW + 60_000);
    assert.deepEqual([dead.state, dead.flows[0]?.state], ['pending', 'assigned']);
  });

  it('shows gears and flows unplaced when the scenario is not deployed', () => {
    const status = summarise(record(false), [], [], [], NOW);
    assert.equal(status.state, 'undeployed');
    assert.deepEqual(status.flows, [{ flow: 'settle', state: 'unplaced' }]);
    assert.ok(status.gears.every((g) => g.state === 'unplaced'));
  });
});
