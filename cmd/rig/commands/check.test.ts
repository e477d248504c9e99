import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { rigCommand } from '../../../test/support/rig-process.ts';

const run = promisify(execFile);
const rig = (args: string[]) =>
  run(...rigCommand([...args]), { cwd: process.cwd() }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('rig check', () => {
  it('lists every problem of scenario and config files with file:line:col and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-check-'));
    const scenario = join(dir, 's.yaml');
    const config = join(dir, 'rig.toml');
    await writeFile(scenario, 'id: s\ngears:\n  - { id: a, type: logg }\n');
    await writeFile(config, '[nats]\nurl = 5\n');
    const result = await rig(['check', scenario, config]);
    assert.equal(result.code, 1);
    assert.match(result.stdout, new RegExp(`problem ${scenario}:3:20 gears\\[0\\]\\.type: unknown gear type "logg" \\(did you mean "log"\\?\\)`));
    assert.match(result.stdout, new RegExp(`problem ${config}:2:1 nats\\.url: expected string`));
    assert.match(result.stdout, /2 problems in 2 of 2 file\(s\)/);
  });

  it('passes the shipped example scenarios and config', async () => {
    const scenarios = (await readdir('configs/scenarios')).filter((name) => name.endsWith('.yaml')).map((name) => join('configs/scenarios', name));
    assert.ok(scenarios.includes('configs/scenarios/payment-switch-durable.yaml'), scenarios.join());
    const result = await rig(['check', '--json', ...scenarios, 'configs/rig.toml']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(JSON.parse(result.stdout).ok, true);
  });
});
