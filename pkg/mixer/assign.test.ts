import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Scenario } from '../scenario/model.ts';
import { assign } from './assign.ts';
import type { DesiredState, RackRecord, ScenarioRecord } from './records.ts';

const now = Date.parse('2026-11-23T12:00:00Z');
const rack = (id: string, labels: Record<string, string> = {}, extra: Partial<RackRecord> = {}): RackRecord => ({
  id,
  labels,
  gearTypes: ['listener', 'parse', 'log'],
  host: 'h',
  pid: 1,
  version: '0',
  startedAt: '2026-11-23T11:00:00Z',
  heartbeatAt: '2026-11-23T11:59:59Z',
  heartbeatMs: 2000,
  draining: false,
  scenarios: {},
  ...extra,
});
const scenario = (id: string, gears: Scenario['gears'], placement: Record<string, string> = {}, deployed = true): ScenarioRecord => ({
  id,
  version: 3,
  deployed,
  updatedAt: '',
  scenario: { id, placement: { labels: placement }, gears, wires: [], flows: [] },
});
const gear = (id: string, type: string, labels?: Record<string, string>) => ({ id, type, config: {}, ...(labels ? { placement: { labels } } : {}) });

describe('assignment', () => {
  it('spreads gears over qualifying racks, fewest first, deterministically', () => {
    const { desired, unplaced } = assign([scenario('s', [gear('a', 'listener'), gear('b', 'parse'), gear('c', 'log')])], [rack('r2'), rack('r1')], new Map(), now);
    assert.deepEqual(unplaced, []);
    assert.deepEqual(Object.fromEntries(desired), { r1: { s: { version: 3, gears: ['a', 'c'] } }, r2: { s: { version: 3, gears: ['b'] } } });
  });

  it('honours scenario and gear placement labels', () => {
    const s = scenario('s', [gear('edge', 'listener', { zone: 'edge' }), gear('core', 'parse')], { tier: 'prod' });
    const racks = [rack('r1', { tier: 'prod' }), rack('r2', { tier: 'prod', zone: 'edge' }), rack('r3', { tier: 'test', zone: 'edge' })];
    const { desired } = assign([s], racks, new Map(), now);
    assert.deepEqual(desired.get('r2'), { s: { version: 3, gears: ['edge'] } });
    assert.deepEqual(desired.get('r1'), { s: { version: 3, gears: ['core'] } });
    assert.deepEqual(desired.get('r3'), {});
  });

  it('keeps a gear on its rack while that rack qualifies', () => {
    const previous = new Map<string, DesiredState['scenarios']>([['r2', { s: { version: 2, gears: ['a', 'b'] } }]]);
    const { desired } = assign([scenario('s', [gear('a', 'listener'), gear('b', 'parse')])], [rack('r1'), rack('r2')], previous, now);
    assert.deepEqual(desired.get('r2'), { s: { version: 3, gears: ['a', 'b'] } });
  });

  it('moves work off a rack that missed its heartbeats or drains', () => {
    const previous = new Map<string, DesiredState['scenarios']>([['r1', { s: { version: 3, gears: ['a'] } }]]);
    const dead = rack('r1', {}, { heartbeatAt: '2026-11-23T11:59:00Z' });
    assert.deepEqual(assign([scenario('s', [gear('a', 'listener')])], [dead, rack('r2')], previous, now).desired.get('r2'), { s: { version: 3, gears: ['a'] } });
    const draining = rack('r1', {}, { draining: true });
    assert.deepEqual(assign([scenario('s', [gear('a', 'listener')])], [draining, rack('r2')], previous, now).desired.get('r1'), {});
  });

  it('explains why a gear has no rack, and skips undeployed scenarios', () => {
    const { unplaced, desired } = assign(
      [scenario('s', [gear('x', 'http-out'), gear('y', 'log', { zone: 'mars' })]), scenario('off', [gear('z', 'log')], {}, false)],
      [rack('r1')],
      new Map(),
      now,
    );
    assert.deepEqual(unplaced, [
      { scenario: 's', gear: 'x', reason: 'no live rack can run gear type "http-out"' },
      { scenario: 's', gear: 'y', reason: 'no live rack carries the labels zone=mars' },
    ]);
    assert.deepEqual(desired.get('r1'), {});
    assert.deepEqual(assign([scenario('s', [gear('a', 'log')])], [], new Map(), now).unplaced[0]?.reason, 'no rack has registered');
  });
});
