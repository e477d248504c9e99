import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { scenarioSchema, wireSchema } from './model.ts';
import { validateScenarioValue } from './parse.ts';

const scenario = (wire: Record<string, unknown>) => ({ id: 's1', gears: [{ id: 'a', type: 't' }], wires: [{ from: 'a.out', to: 'b.in', ...wire }] });

describe('wire model: fuse', () => {
  it('leaves fuse unset by default (fused where possible) and accepts fuse: false and fuse: always', () => {
    assert.equal(scenarioSchema.parse(scenario({})).wires[0]?.fuse, undefined);
    assert.equal(scenarioSchema.parse(scenario({ fuse: false })).wires[0]?.fuse, false);
    assert.equal(scenarioSchema.parse(scenario({ fuse: 'always' })).wires[0]?.fuse, 'always');
  });

  it('refuses a fuse that is neither a boolean nor "always", naming the key', () => {
    const { problems } = validateScenarioValue(scenario({ fuse: 'no' }));
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.path, 'wires[0].fuse');
  });

  it('documents the default in the published JSON Schema', () => {
    const schema = z.toJSONSchema(wireSchema, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    assert.match(schema.properties.fuse?.description ?? '', /Default true.*pure gear.*false keeps the durable JetStream hop.*"always" fuses it also into a gear that does I\/O/s);
  });
});
