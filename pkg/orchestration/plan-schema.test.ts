import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { isRigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { validateFlowPlan } from './plan-schema.ts';
import { taskQueueFor } from './settings.ts';

const gear = (type: string, pure: boolean): GearDescriptor => ({
  type,
  summary: type,
  config: z.unknown(),
  inputs: [],
  outputs: [],
  pure,
  create: () => ({}),
});
const catalogue = [gear('parse', true), gear('http', false)];

function problemsOf(plan: unknown): string[] {
  try {
    validateFlowPlan(plan, catalogue);
  } catch (err) {
    assert.ok(isRigError(err));
    assert.equal(err.code, 'FLOW_PLAN_INVALID');
    return (err.details?.problems as string[]) ?? [];
  }
  return [];
}

describe('flow plan validation', () => {
  it('accepts a plan using every step kind', () => {
    const plan = validateFlowPlan(
      {
        flow: 'pay',
        scenario: 's',
        steps: [
          { kind: 'gear', id: 'p', gear: 'parse', local: true },
          { kind: 'request', id: 'ask', gear: 'http', replyTimeout: '5s', compensate: 'undo' },
          { kind: 'wait', id: 'ok', accept: ['approve'], timeout: 1000 },
          { kind: 'sleep', id: 'z', duration: '1m' },
        ],
        compensations: [{ id: 'undo', gear: 'http' }],
      },
      catalogue,
    );
    assert.equal(plan.steps.length, 4);
  });

  it('names unknown gears, duplicate ids, dangling compensations and impure local steps', () => {
    const problems = problemsOf({
      flow: 'pay',
      scenario: 's',
      steps: [
        { kind: 'gear', id: 'a', gear: 'nope' },
        { kind: 'gear', id: 'a', gear: 'http', local: true, compensate: 'missing' },
      ],
    });
    assert.deepEqual(problems, [
      'steps.0.gear: unknown gear type "nope"',
      'steps.1.id: duplicate step id "a"',
      'steps.1.local: gear "http" is not pure, it cannot run as a local activity',
      'steps.1.compensate: no compensation with id "missing"',
    ]);
  });

  it('reports shape errors with their path', () => {
    const problems = problemsOf({ flow: 'pay', scenario: 's', steps: [{ kind: 'sleep', id: 'z', duration: 'soon' }] });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^steps\.0\.duration: /);
  });
});

describe('task queues', () => {
  it('derive from the rack name', () => {
    assert.equal(taskQueueFor('r1'), 'fluxrig-r1');
  });
  it('reject names that cannot be a queue', () => {
    assert.throws(() => taskQueueFor('bad name'), (e: unknown) => isRigError(e) && e.code === 'ORCH_RACK_NAME');
  });
});
