import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RigError } from '../errors/index.ts';
import { parseIssuerRules, readIssuerRules } from './rules-file.ts';

function problemsOf(run: () => unknown): { where: string; path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RigError);
    assert.equal(error.code, 'SIM_RULES_INVALID');
    assert.equal(error.exitCode, 2);
    return error.details?.problems as { where: string; path: string; message: string }[];
  }
  assert.fail('expected SIM_RULES_INVALID');
}

describe('issuer rules file', () => {
  it('reads a YAML list of rules, filling defaults', () => {
    const rules = parseIssuerRules('- when: fields."4" = "000000000666"\n  code: "05"\n- { when: "true", respond: false }\n', 'r.yaml');
    assert.deepEqual(rules, {
      rules: [
        { when: 'fields."4" = "000000000666"', code: '05', delay_ms: 0, respond: true },
        { when: 'true', code: '05', delay_ms: 0, respond: false },
      ],
    });
  });

  it('reads a JSON map with rules and a default code', () => {
    const rules = parseIssuerRules('{ "default_code": "91", "rules": [{ "when": "mti = \\"0100\\"", "code": "00", "delay_ms": 5 }] }', 'r.json');
    assert.deepEqual(rules, { default_code: '91', rules: [{ when: 'mti = "0100"', code: '00', delay_ms: 5, respond: true }] });
  });

  it('names file:line:col and the key path of every problem', () => {
    const problems = problemsOf(() => parseIssuerRules('- when: "true"\n  code: 5\n- { whn: x }\n', 'r.yaml'));
    assert.deepEqual(
      problems.map((p) => `${p.where} ${p.path}`),
      ['r.yaml:2:9 rules[0].code', 'r.yaml:3:3 rules[1].when', 'r.yaml:3:3 rules[1]'],
    );
    assert.match(problems[2]?.message ?? '', /whn/);
  });

  it('reports a YAML syntax error with its position', () => {
    const problems = problemsOf(() => parseIssuerRules('rules:\n  - when: "x\n', 'bad.yaml'));
    assert.equal(problems.length >= 1, true);
    assert.match(problems[0]?.where ?? '', /^bad\.yaml:\d+:\d+$/);
    assert.match(problems[0]?.message ?? '', /^syntax: /);
  });

  it('refuses an unknown top-level key of the map form', () => {
    const problems = problemsOf(() => parseIssuerRules('rules: []\ndefault: "00"\n', 'r.yaml'));
    assert.deepEqual(
      problems.map((p) => p.where),
      ['r.yaml:1:1'],
    );
    assert.match(problems[0]?.message ?? '', /default/);
  });

  it('says which file it could not read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rules-'));
    await assert.rejects(readIssuerRules(join(dir, 'missing.yaml')), (error: RigError) => error.code === 'SIM_RULES_READ' && error.where === join(dir, 'missing.yaml'));
    await writeFile(join(dir, 'ok.yaml'), '[]\n');
    assert.deepEqual(await readIssuerRules(join(dir, 'ok.yaml')), { rules: [] });
  });
});
