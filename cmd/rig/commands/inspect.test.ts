import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VERSION } from '../version.ts';
import { rigCommand } from '../../../test/support/rig-process.ts';


/** Runs `rig …` (rigCommand) in `cwd` with only the env given (plus PATH/HOME), never the caller's FLUXRIG_*. */
function rig(cwd: string, args: string[], env: Record<string, string> = {}) {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd };
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(...rigCommand([...args]), { cwd, env: { ...base, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('rig inspect config (spawned CLI)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rig-inspect-'));
    await writeFile(join(dir, 'rig.toml'), '[nats]\nurl = "nats://app:pw@nats:4222"\ntoken = "sekrit-token"\n\n[log]\nlevel = "warn"\n');
    await writeFile(join(dir, 'broken.toml'), '[nats]\nurl = "nats://x\n');
    await writeFile(join(dir, 'typo.toml'), '[mixer]\n  prot = 80\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints the effective config with each source, secrets redacted, flags over env over file', async () => {
    const { code, stdout } = await rig(dir, ['inspect', 'config', '--json', '--log-level', 'debug', '--data-dir', '/srv/rig'], {
      FLUXRIG_MIXER_PORT: '9000',
      FLUXRIG_LOG_LEVEL: 'error',
    });
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as {
      file: string;
      config: Record<string, Record<string, unknown>>;
      sources: Record<string, { layer: string; where?: string }>;
    };
    assert.equal(out.file, 'rig.toml');
    assert.equal(out.config.nats?.token, '***');
    assert.equal(out.config.nats?.url, 'nats://app:***@nats:4222');
    assert.equal(out.config.log?.level, 'debug');
    assert.equal(out.config.node?.data_dir, '/srv/rig');
    assert.equal(out.config.mixer?.port, 9000);
    assert.deepEqual(out.sources['log.level'], { layer: 'flag', where: '--log-level' });
    assert.deepEqual(out.sources['mixer.port'], { layer: 'env', where: 'FLUXRIG_MIXER_PORT' });
    assert.deepEqual(out.sources['nats.token'], { layer: 'file', where: 'rig.toml:3:1' });
    assert.deepEqual(out.sources['temporal.namespace'], { layer: 'default' });
    assert.ok(!stdout.includes('sekrit-token') && !stdout.includes(':pw@'));
  });

  it('prints a table with key, value and source for people', async () => {
    const { code, stdout } = await rig(dir, ['inspect', 'config']);
    assert.equal(code, 0);
    assert.match(stdout, /^config file: rig\.toml$/m);
    assert.match(stdout, /^KEY\s+VALUE\s+SOURCE$/m);
    assert.match(stdout, /^nats\.token\s+"\*\*\*"\s+file rig\.toml:3:1$/m);
    assert.match(stdout, /^temporal\.namespace\s+"default"\s+default$/m);
  });

  it('a broken TOML file gives file:line:col on stderr and exit code 2', async () => {
    const { code, stdout, stderr } = await rig(dir, ['--config', 'broken.toml', 'inspect', 'config']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^rig: broken\.toml:2:\d+: invalid TOML: /);
  });

  it('an unknown key gives file:line:col, the key path and a did-you-mean, exit code 2', async () => {
    const { code, stderr } = await rig(dir, ['inspect', 'config', '--config', 'typo.toml']);
    assert.equal(code, 2);
    assert.match(stderr, /^rig: typo\.toml:2:3 mixer\.prot: unknown key "prot"; did you mean "mixer\.port"\?/);
  });

  it('without rig.toml in the working directory it shows the built-in defaults', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'rig-inspect-empty-'));
    try {
      const { code, stdout } = await rig(empty, ['inspect', 'config', '--json']);
      assert.equal(code, 0);
      const out = JSON.parse(stdout) as { file: string | null; sources: Record<string, { layer: string }> };
      assert.equal(out.file, null);
      assert.ok(Object.values(out.sources).every((source) => source.layer === 'default'));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('rig help and --version (spawned CLI)', () => {
  it('rig help lists the command groups and exits 0', async () => {
    const { code, stdout } = await rig(tmpdir(), ['help']);
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: rig /m);
    assert.match(stdout, /^\s+inspect\s/m);
    assert.match(stdout, /^\s+help \[command\]/m);
  });
  it('rig help inspect shows the topics', async () => {
    const { code, stdout } = await rig(tmpdir(), ['help', 'inspect']);
    assert.equal(code, 0);
    assert.match(stdout, /^\s+config\s/m);
  });
  it('rig --version prints the version', async () => {
    const { code, stdout } = await rig(tmpdir(), ['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), VERSION);
  });
});
