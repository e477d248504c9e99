import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { isRigError } from '../errors/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { scenarioSchema } from '../scenario/model.ts';
import { compileScenarioFlow } from './compile.ts';

const gear = (type: string, pure: boolean): GearDescriptor => ({
  type,
  summary: type,
  config: z.unknown(),
  inputs: [],
  outputs: [],
  pure,
  create: () => ({}),
});
const catalogue = [gear('transform', true), gear('http-out', false)];

const scenario = scenarioSchema.parse({
  id: 'payments',
  gears: [
    { id: 'shape', type: 'transform', config: { expression: '$' } },
    { id: 'charge', type: 'http-out', config: { url: 'http://pay/charge' } },
    { id: 'refund', type: 'http-out', config: { url: 'http://pay/refund' } },
    { id: 'notify', type: 'http-out', config: { url: 'http://notify' } },
  ],
  flows: [
    {
      id: 'pay',
      durable: true,
      workflow_per: 'key',
      trigger: { subject: 'payments.in' },
      steps: [
        { gear: 'shape' },
        { gear: 'charge', compensate: 'refund', retry: { max_attempts: 3, non_retryable: ['DECLINED'] } },
        { gear: 'notify', timeout: '5s' },
      ],
    },
    { id: 'inline', steps: [{ gear: 'shape' }] },
  ],
});

describe('compiling a scenario flow into a flow plan', () => {
  it('resolves gears to type and config, maps retry/timeout, compensations and pure gears as local', () => {
    const { plan, per, trigger } = compileScenarioFlow(scenario, 'pay', catalogue);
    assert.equal(per, 'key');
    assert.deepEqual(trigger, { subject: 'payments.in', manual: false });
    assert.deepEqual(plan, {
      flow: 'pay',
      scenario: 'payments',
      steps: [
        { kind: 'gear', id: 'shape', gear: 'transform', config: { expression: '$' }, local: true, timeout: '30s' },
        {
          kind: 'gear',
          id: 'charge',
          gear: 'http-out',
          config: { url: 'http://pay/charge' },
          timeout: '30s',
          retry: { initialInterval: '1s', backoff: 2, maxAttempts: 3, nonRetryable: ['DECLINED'] },
          compensate: 'refund',
        },
        { kind: 'gear', id: 'notify', gear: 'http-out', config: { url: 'http://notify' }, timeout: '5s' },
      ],
      compensations: [{ id: 'refund', gear: 'http-out', config: { url: 'http://pay/refund' } }],
    });
  });

  it('gives a gear used twice distinct step ids', () => {
    const twice = scenarioSchema.parse({
      id: 's',
      gears: [{ id: 'shape', type: 'transform' }],
      flows: [{ id: 'f', durable: true, steps: [{ gear: 'shape' }, { gear: 'shape' }] }],
    });
    assert.deepEqual(
      compileScenarioFlow(twice, 'f', catalogue).plan.steps.map((s) => s.id),
      ['shape', 'shape.2'],
    );
  });

  it('refuses a flow that is not durable', () => {
    assert.throws(() => compileScenarioFlow(scenario, 'inline', catalogue), (e: unknown) => isRigError(e) && e.code === 'FLOW_NOT_DURABLE');
  });

  it('refuses an unknown flow id', () => {
    assert.throws(() => compileScenarioFlow(scenario, 'nope'), (e: unknown) => isRigError(e) && e.code === 'FLOW_UNKNOWN');
  });
});
