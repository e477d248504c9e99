import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { validateFlowPlan } from '../orchestration/plan-schema.ts';
import { FLOW_ERROR_STEP, FLOW_OUTPUT_GEAR, flowAnchorGear, flowPlanOf, flowsOwnedBy } from './flow-plan.ts';
import { checkScenarioText, type Scenario } from './index.ts';

const gear = (type: string, pure: boolean, config: z.ZodType = z.strictObject({ url: z.string() }).partial()): GearDescriptor => ({
  type,
  summary: type,
  config,
  inputs: [{ name: 'in', summary: 'in' }],
  outputs: [
    { name: 'out', summary: 'out' },
    { name: 'error', summary: 'failures' },
  ],
  pure,
  create: () => ({}),
});
const catalogue = [gear('http-out', false), gear('transform', true, z.strictObject({ expression: z.string() })), gear('generator', false, z.strictObject({})), gear('file', false, z.strictObject({ path: z.string() }))];

const text = `id: pay
gears:
  - { id: source, type: generator }
  - { id: charge, type: http-out, config: { url: "http://pay/charge" } }
  - { id: sink, type: file, config: { path: /tmp/x } }
wires:
  - { id: orders, from: source.out, to: settle.in }
  - { id: settled, from: settle.out, to: sink.in }
  - { id: failed, from: settle.error, to: sink.in }
flows:
  - id: settle
    durable: true
    trigger: { wire: orders, manual: true }
    workflow_per: key
    steps:
      - { kind: gear, id: charge, gear: charge, retry: { maxAttempts: 3 }, compensate: refund }
      - { kind: wait, id: approve, accept: [approve], timeout: 1m }
      - { kind: gear, id: shape, gear: transform, config: { expression: "$" }, local: true }
    compensations:
      - { id: refund, gear: http-out, config: { url: "http://pay/refund" } }
`;

const parse = (source: string) => checkScenarioText(source, 'pay.yaml', catalogue);

describe('scenario durable flows', () => {
  it('accepts a flow whose steps name scenario gears or gear types, wired in and out as a node', () => {
    const result = parse(text);
    assert.deepEqual(result.problems, []);
    assert.equal(result.scenario?.flows[0]?.workflow_per, 'key');
  });

  it('compiles to a plan that takes a referenced gear\'s type and config, keeps inline ones and appends the outputs', () => {
    const scenario = parse(text).scenario as Scenario;
    const plan = flowPlanOf(scenario, scenario.flows[0]!);
    assert.equal(plan.flow, 'pay.settle');
    assert.deepEqual(plan.steps[0], { kind: 'gear', id: 'charge', gear: 'http-out', config: { url: 'http://pay/charge' }, retry: { maxAttempts: 3 }, compensate: 'refund' });
    assert.deepEqual(plan.steps[2], { kind: 'gear', id: 'shape', gear: 'transform', config: { expression: '$' }, local: true });
    const output = plan.steps[3];
    assert.equal(output?.kind === 'gear' && output.gear, FLOW_OUTPUT_GEAR);
    assert.deepEqual(output?.kind === 'gear' && output.config, { flow: 'settle', port: 'out', targets: [{ wire: 'settled', subject: 'fluxrig.data.pay.settled' }] });
    assert.deepEqual(plan.onError?.map((h) => [h.gear, h.config]), [[FLOW_OUTPUT_GEAR, { flow: 'settle', port: 'error', targets: [{ wire: 'failed', subject: 'fluxrig.data.pay.failed' }] }]]);
    // What comes out passes the orchestration's own validation with the rack's catalogue.
    validateFlowPlan(plan, [...catalogue, gear(FLOW_OUTPUT_GEAR, false, z.unknown())]);
  });

  it('places a wire-triggered flow with the gear feeding the wire, any other with the first gear', () => {
    const scenario = parse(text).scenario as Scenario;
    assert.equal(flowAnchorGear(scenario, scenario.flows[0]!), 'source');
    assert.deepEqual(flowsOwnedBy(scenario, ['charge', 'sink']), []);
    assert.deepEqual(flowsOwnedBy(scenario, ['source']).map((f) => f.id), ['settle']);
    const cron = parse(text.replace('trigger: { wire: orders, manual: true }', 'trigger: { cron: "0 * * * *" }').replace('to: settle.in', 'to: sink.in')).scenario as Scenario;
    assert.equal(flowAnchorGear(cron, cron.flows[0]!), 'source');
  });

  it('reports an unknown gear reference with a suggestion and its position', () => {
    const problems = parse(text.replace('gear: charge,', 'gear: chrage,')).problems;
    assert.deepEqual(problems.map((p) => [p.path, p.hint]), [['flows[0].steps[0].gear', 'did you mean "charge"?']]);
    assert.match(problems[0]?.where ?? '', /^pay\.yaml:16:\d+$/);
  });

  it('validates an inline config against the gear type and refuses a second config for a referenced gear', () => {
    const problems = parse(text.replace('config: { expression: "$" }', 'config: { expresion: "$" }').replace('gear: charge,', 'gear: charge, config: { url: x },')).problems;
    assert.deepEqual(problems.map((p) => p.path).sort(), ['flows[0].steps[0].config', 'flows[0].steps[2].config', 'flows[0].steps[2].config.expression'].sort());
  });

  it('refuses local activities and before-stages for gears that are not pure', () => {
    const problems = parse(text.replace('local: true', 'local: true, before: [{ gear: charge }]').replace('gear: transform,', 'gear: http-out,').replace('config: { expression: "$" }', 'config: {}')).problems;
    assert.deepEqual(problems.map((p) => p.path).sort(), ['flows[0].steps[2].before[0].gear', 'flows[0].steps[2].local']);
  });

  it('refuses flows that are not durable, unknown trigger wires, and wires into a flow that are not its trigger', () => {
    assert.deepEqual(parse(text.replace('durable: true', 'durable: false')).problems.map((p) => [p.path, p.message]), [
      ['flows[0].durable', 'only durable flows are supported (durable: true); inline processing is gears joined by wires'],
    ]);
    const wrongWire = parse(text.replace('trigger: { wire: orders', 'trigger: { wire: order'));
    assert.deepEqual(wrongWire.problems.map((p) => [p.path, p.hint]), [
      ['flows[0].trigger.wire', 'did you mean "orders"?'],
      ['wires[0].to', 'set trigger.wire: orders on flow settle'],
    ]);
  });

  it('refuses a trigger subject outside the fluxrig streams and a trigger with nothing in it', () => {
    const subject = parse(text.replace('trigger: { wire: orders, manual: true }', 'trigger: { subject: "orders.in" }').replace('to: settle.in', 'to: sink.in'));
    assert.deepEqual(subject.problems.map((p) => p.path), ['flows[0].trigger.subject']);
    const empty = parse(text.replace('trigger: { wire: orders, manual: true }', 'trigger: {}').replace('to: settle.in', 'to: sink.in'));
    assert.match(empty.problems[0]?.message ?? '', /at least one of wire, subject, cron or manual/);
  });

  describe('emit', () => {
    // A flow that answers early: on failure the reshaped input goes out on `settle.out` at once, then refund.
    const early = text
      .replace('  - { id: failed, from: settle.error, to: sink.in }\n', '  - { id: failed, from: settle.error, to: sink.in }\n  - { id: early, from: settle.out, to: sink.in }\n')
      .concat(`    onError:
      - id: answer-now
        gear: transform
        config: { expression: "input" }
        before: [{ gear: transform, config: { expression: "$" } }]
        emit: out
        retry: { maxAttempts: 5 }
`);

    it('compiles a step that emits into the output gear for that port, its own gear running last before it', () => {
      const result = parse(early);
      assert.deepEqual(result.problems, []);
      const scenario = result.scenario as Scenario;
      const plan = flowPlanOf(scenario, scenario.flows[0]!);
      const targets = [
        { wire: 'settled', subject: 'fluxrig.data.pay.settled' },
        { wire: 'early', subject: 'fluxrig.data.pay.early' },
      ];
      assert.deepEqual(plan.onError?.[0], {
        id: 'answer-now',
        gear: FLOW_OUTPUT_GEAR,
        config: { flow: 'settle', port: 'out', targets },
        before: [
          { gear: 'transform', config: { expression: '$' } },
          { gear: 'transform', config: { expression: 'input' } },
        ],
        retry: { maxAttempts: 5 },
      });
      // The error port's own output still runs last, and the plan passes the orchestration's validation.
      assert.equal(plan.onError?.[1]?.id, FLOW_ERROR_STEP);
      validateFlowPlan(plan, [...catalogue, gear(FLOW_OUTPUT_GEAR, false, z.unknown())]);
    });

    it('compiles an emitting gear step with its kind and id kept', () => {
      const scenario = parse(early.replace('local: true', 'emit: out')).scenario as Scenario;
      const step = flowPlanOf(scenario, scenario.flows[0]!).steps[2];
      assert.deepEqual(step, {
        kind: 'gear',
        id: 'shape',
        gear: FLOW_OUTPUT_GEAR,
        config: { flow: 'settle', port: 'out', targets: [{ wire: 'settled', subject: 'fluxrig.data.pay.settled' }, { wire: 'early', subject: 'fluxrig.data.pay.early' }] },
        before: [{ gear: 'transform', config: { expression: '$' } }],
      });
    });

    it('refuses emitting from a gear that is not pure, as a local activity, with take, or to a port no wire leaves', () => {
      const broken = early
        .replace('gear: charge, retry', 'gear: charge, emit: out, retry')
        .replace('local: true', 'local: true, take: out, emit: out')
        .replace('emit: out\n        retry', 'emit: error\n        retry')
        .replace('  - { id: failed, from: settle.error, to: sink.in }\n', '');
      const problems = parse(broken).problems;
      assert.deepEqual(
        problems.map((p) => [p.path, p.message]),
        [
          ['flows[0].steps[0].emit', 'gear type "http-out" is not pure: a step that emits runs its gear inside the publishing activity'],
          ['flows[0].steps[2].local', 'a step that emits publishes to the bus: it cannot run as a local activity'],
          ['flows[0].steps[2].take', 'a step that emits publishes the first output of its gear: it cannot take a port'],
          ['flows[0].onError[0].emit', 'no wire leaves settle.error: nothing would receive what this step emits'],
        ],
      );
      // file:line:col of the `emit` value
      assert.equal(problems[3]?.where, `pay.yaml:${broken.split('\n').findIndex((line) => line.includes('emit: error')) + 1}:15`);
    });

    it('is a key of gear steps and invocations only', () => {
      const problems = parse(early.replace('accept: [approve]', 'accept: [approve], emit: out')).problems;
      assert.deepEqual(problems.map((p) => [p.path, p.message]), [['flows[0].steps[1].emit', 'unknown key']]);
    });
  });

  it('refuses reserved and duplicate step ids', () => {
    const problems = parse(text.replace('id: approve', 'id: fluxrig.wait').replace('id: shape', 'id: charge')).problems;
    assert.deepEqual(problems.map((p) => [p.path, p.message]), [
      ['flows[0].steps[1].id', 'step ids starting with "fluxrig." are reserved'],
      ['flows[0].steps[2].id', 'duplicate step id "charge"'],
    ]);
  });
});
