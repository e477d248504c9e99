// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are scenario-file text with ${VAR} references, not templates
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { checkScenarioText, checkScenarioValue, diffScenarios, durationMs, wireName, type Scenario } from './index.ts';

const gear = (type: string, inputs: GearDescriptor['inputs'], outputs: GearDescriptor['outputs'], config: z.ZodType = z.strictObject({})): GearDescriptor => ({
  type,
  summary: type,
  config,
  inputs,
  outputs: [...outputs, { name: 'error', summary: 'failures' }],
  pure: true,
  create: () => ({}),
});

const catalogue = [
  gear('listener', [{ name: 'reply', summary: 'responses', feeds: [], carries: 'iso8583/bytes' }], [{ name: 'out', summary: 'requests', carries: 'iso8583/bytes' }], z.strictObject({ port: z.number().int() })),
  gear('parse', [{ name: 'in', summary: 'bytes', carries: 'iso8583/bytes' }], [{ name: 'out', summary: 'message', carries: 'iso8583/message' }]),
  gear('build', [{ name: 'in', summary: 'message', carries: 'iso8583/message' }], [{ name: 'out', summary: 'bytes', carries: 'iso8583/bytes' }]),
  gear('passthrough', [{ name: 'in', summary: 'anything' }], [{ name: 'out', summary: 'anything' }]),
];

const valid = `id: switch
gears:
  - id: acquirer
    type: listener
    config: { port: 8583 }
  - id: parse
    type: parse
  - id: build
    type: build
wires:
  - { from: acquirer.out, to: parse.in }
  - { from: parse.out, to: build.in }
  - { id: answer, from: build.out, to: acquirer.reply }
`;

describe('scenario check', () => {
  it('accepts a request/response loop that ends at a reply port', () => {
    const result = checkScenarioText(valid, 'switch.yaml', catalogue);
    assert.deepEqual(result.problems, []);
    assert.equal(result.scenario?.gears.length, 3);
    assert.equal(wireName(result.scenario!.wires[2]!), 'answer');
    assert.equal(wireName(result.scenario!.wires[0]!), 'acquirer-out--parse-in');
  });

  it('names file, line and column of an unknown gear type and suggests the closest', () => {
    const result = checkScenarioText(valid.replace('type: parse', 'type: pars'), 'switch.yaml', catalogue);
    assert.equal(result.scenario, undefined);
    assert.deepEqual(result.problems, [
      { where: 'switch.yaml:7:11', path: 'gears[1].type', message: 'unknown gear type "pars"', hint: 'did you mean "parse"?' },
    ]);
  });

  it('validates gear config with the gear\'s own schema', () => {
    const result = checkScenarioText(valid.replace('port: 8583', 'port: "x"'), 'switch.yaml', catalogue);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.path, 'gears[0].config.port');
    assert.match(result.problems[0]?.where ?? '', /^switch\.yaml:5:/);
  });

  it('reports an unknown key with a suggestion', () => {
    const result = checkScenarioText(valid.replace('wires:', 'wirez:'), 'switch.yaml', catalogue);
    const problem = result.problems.find((p) => p.path === 'wirez');
    assert.ok(problem, JSON.stringify(result.problems));
    assert.equal(problem.hint, 'did you mean "wires"?');
    assert.equal(problem.where, 'switch.yaml:10:1');
  });

  it('reports dangling and mistyped ports', () => {
    const text = valid.replace('{ from: parse.out, to: build.in }', '{ from: parse.outt, to: biuld.in }').replace('{ from: acquirer.out, to: parse.in }', '{ from: acquirer.out, to: build.in }');
    const messages = checkScenarioText(text, 's.yaml', catalogue).problems.map((p) => `${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    assert.deepEqual(messages, [
      'wires[0]: port kinds differ: acquirer.out carries iso8583/bytes but build.in expects iso8583/message',
      'wires[1].from: parse has no output port "outt" (it has: out, error) (did you mean "out"?)',
      'wires[1].to: no gear "biuld" in this scenario (did you mean "build"?)',
    ]);
  });

  it('forbids a cycle through ports that feed their outputs', () => {
    const text = `id: loop
gears:
  - { id: a, type: passthrough }
  - { id: b, type: passthrough }
wires:
  - { from: a.out, to: b.in }
  - { from: b.out, to: a.in }
`;
    const [problem] = checkScenarioText(text, 'loop.yaml', catalogue).problems;
    assert.equal(problem?.message, 'wires form a cycle: a.out → b.in → b.out → a.in → a.out');
  });

  it('rejects duplicate gear ids and flows naming missing gears or compensations', () => {
    const text = `${valid}  - { from: parse.error, to: build.in }
flows:
  - id: durable
    durable: true
    trigger: { manual: true }
    steps:
      - { kind: gear, id: one, gear: prase, compensate: undo }
`;
    const result = checkScenarioText(text.replace('id: build\n', 'id: parse\n'), 's.yaml', catalogue);
    const byPath = new Map(result.problems.map((p) => [p.path, p]));
    assert.ok(byPath.has('gears[2].id'), [...byPath.keys()].join());
    assert.equal(byPath.get('flows[0].steps[0].gear')?.hint, 'did you mean "parse"?');
    assert.match(byPath.get('flows[0].steps[0].gear')?.where ?? '', /^s\.yaml:\d+:\d+$/);
    assert.ok(byPath.has('flows[0].steps[0].compensate'), [...byPath.keys()].join());
  });

  it('reports YAML syntax errors with their position', () => {
    const [problem] = checkScenarioText('id: x\ngears: [\n', 'broken.yaml', catalogue).problems;
    assert.match(problem?.where ?? '', /^broken\.yaml:\d+:\d+$/);
    assert.match(problem?.message ?? '', /^YAML syntax/);
  });

  it('checks REST bodies with key paths and `body` as the place', () => {
    const result = checkScenarioValue({ id: 'x y', gears: [] }, catalogue);
    assert.deepEqual(
      result.problems.map((p) => [p.where, p.path]),
      [
        ['body', 'id'],
        ['body', 'gears'],
      ],
    );
  });
});

describe('scenario diff', () => {
  const base = checkScenarioText(valid, 's.yaml', catalogue).scenario as Scenario;
  it('sees nothing when nothing a rack runs changed', () => {
    assert.equal(diffScenarios(base, { ...base, description: 'new words' }).unchanged, true);
  });
  it('lists changed, added and removed gears', () => {
    const next: Scenario = {
      ...base,
      gears: [{ ...base.gears[0]!, config: { port: 9000 } }, base.gears[1]!, { id: 'extra', type: 'passthrough', config: {} }],
    };
    const diff = diffScenarios(base, next);
    assert.deepEqual([diff.changedGears, diff.addedGears, diff.removedGears], [['acquirer'], ['extra'], ['build']]);
    assert.equal(diff.unchanged, false);
  });
});

describe('durations', () => {
  it('converts the units the schema accepts', () => {
    assert.deepEqual(['250ms', '5s', '2m', '1h', '1.5s'].map(durationMs), [250, 5000, 120000, 3600000, 1500]);
  });
});

describe('environment interpolation', () => {
  it('replaces ${NAME} and ${NAME:-default}, keeps $${ literal, and reports unset variables where they are', async () => {
    const { interpolateEnv } = await import('./interpolate.ts');
    const result = interpolateEnv('port: ${PORT}\nhost: ${HOST:-127.0.0.1}\nliteral: $${X}\nmissing: ${NOPE}\n', { PORT: '9000' }, 'f.yaml');
    assert.equal(result.text, 'port: 9000\nhost: 127.0.0.1\nliteral: ${X}\nmissing: ${NOPE}\n');
    assert.deepEqual(result.problems, [{ where: 'f.yaml:4:10', path: '', message: 'environment variable NOPE is not set', hint: 'set it, or give a default: ${NOPE:-value}' }]);
  });
});
