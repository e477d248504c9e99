import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RackView } from '../../../pkg/mixer/client.ts';
import { formatAge, rackRows } from './inspect-cluster.ts';

const rack = (overrides: Partial<RackView> = {}): RackView => ({
  id: 'r1',
  labels: {},
  gearTypes: [],
  host: 'h',
  pid: 1,
  version: 'test',
  startedAt: '2026-01-01T00:00:00.000Z',
  heartbeatAt: '2026-01-01T00:00:10.000Z',
  heartbeatMs: 1000,
  draining: false,
  scenarios: {},
  live: true,
  ...overrides,
});

describe('inspect racks rendering', () => {
  it('formats ages short: ms, tenths of seconds, minutes, hours, days', () => {
    assert.deepEqual(
      [350, 4_240, 12 * 60_000 + 5, 3 * 3_600_000, 2 * 86_400_000, -5, Number.NaN].map(formatAge),
      ['350ms', '4.2s', '12m', '3h', '2d', '0ms', '?'],
    );
  });

  it('shows labels as k=v, flags as yes/no, and counts scenarios, gears and durable flows (flow:<id>) across them', () => {
    const rows = rackRows(
      [
        rack({
          labels: { zone: 'edge', tier: 'gold' },
          draining: true,
          scenarios: {
            a: { version: 1, gears: { g1: { state: 'running' }, g2: { state: 'failed', error: 'boom' } } },
            b: { version: 3, gears: { g3: { state: 'starting' }, 'flow:settle': { state: 'running' } } },
          },
        }),
        rack({ id: 'r2', live: false }),
      ],
      Date.parse('2026-01-01T00:00:12.500Z'),
    );
    assert.deepEqual(rows, [
      ['r1', 'zone=edge,tier=gold', 'yes', 'yes', '2', '3', '1', '2.5s ago'],
      ['r2', '-', 'no', 'no', '0', '0', '0', '2.5s ago'],
    ]);
  });
});
