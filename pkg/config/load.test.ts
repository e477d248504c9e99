import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RigError } from '../errors/index.ts';
import { loadConfig } from './load.ts';

function failure(run: () => unknown): RigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof RigError, `expected a RigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig: layers', () => {
  it('without file, env or flags gives the schema defaults, all sourced "default"', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'rig-config-empty-'));
    const { config, sources, file } = loadConfig({ cwd: empty, env: {} });
    await rm(empty, { recursive: true });
    assert.equal(file, undefined);
    assert.equal(config.nats.url, '');
    assert.equal(config.rack.heartbeat_interval, 5000);
    assert.equal(config.log.rotate_size, 10_000_000);
    assert.ok(Object.values(sources).every((source) => source.layer === 'default'));
  });
  it('the file overrides defaults and records file:line:col', () => {
    const { config, sources } = loadConfig({ text: '[nats]\nurl = "nats://a:4222"\n', env: {} });
    assert.equal(config.nats.url, 'nats://a:4222');
    assert.deepEqual(sources['nats.url'], { layer: 'file', where: 'rig.toml:2:1' });
  });
  it('env overrides the file and is coerced to the field type', () => {
    const { config, sources } = loadConfig({
      text: '[nats]\nembedded_port = 5000\n',
      env: { FLUXRIG_NATS_EMBEDDED_PORT: '6000', FLUXRIG_TELEMETRY_ENABLED: 'no', FLUXRIG_RACK_LABELS: 'zone=eu, tier=gold' },
    });
    assert.equal(config.nats.embedded_port, 6000);
    assert.equal(config.telemetry.enabled, false);
    assert.deepEqual(config.rack.labels, { zone: 'eu', tier: 'gold' });
    assert.deepEqual(sources['nats.embedded_port'], { layer: 'env', where: 'FLUXRIG_NATS_EMBEDDED_PORT' });
  });
  it('flags override env', () => {
    const { config, sources } = loadConfig({
      env: { FLUXRIG_LOG_LEVEL: 'warn' },
      flags: [{ key: 'log.level', value: 'debug', flag: '--log-level' }],
    });
    assert.equal(config.log.level, 'debug');
    assert.deepEqual(sources['log.level'], { layer: 'flag', where: '--log-level' });
  });
  it('FLUXRIG_TRACE forces trace and FLUXRIG_DISABLE_TELEMETRY forces telemetry off, over flags', () => {
    const { config, sources } = loadConfig({
      env: { FLUXRIG_TRACE: '1', FLUXRIG_DISABLE_TELEMETRY: '1' },
      flags: [{ key: 'log.level', value: 'info', flag: '--log-level' }],
    });
    assert.equal(config.log.level, 'trace');
    assert.equal(config.telemetry.enabled, false);
    assert.equal(sources['telemetry.enabled']?.where, 'FLUXRIG_DISABLE_TELEMETRY');
  });
  it('keeps input-form values ("5s") next to the parsed config (5000)', () => {
    const { config, values } = loadConfig({ text: '[rack]\nheartbeat_interval = "1m"\n', env: {} });
    assert.equal(values['rack.heartbeat_interval'], '1m');
    assert.equal(config.rack.heartbeat_interval, 60_000);
  });
  it('accepts machine_id as "auto" or an integer, from the file or env', () => {
    assert.equal(loadConfig({ env: {} }).config.node.machine_id, 'auto');
    assert.equal(loadConfig({ env: { FLUXRIG_NODE_MACHINE_ID: '42' } }).config.node.machine_id, 42);
  });
});

describe('loadConfig: files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rig-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('reads ./rig.toml from the working directory when no file is named', async () => {
    await writeFile(join(dir, 'rig.toml'), '[node]\nrole = "rack"\n');
    const { config, file } = loadConfig({ cwd: dir, env: {} });
    assert.equal(config.node.role, 'rack');
    assert.equal(file, 'rig.toml');
  });
  it('a named file that does not exist is CONFIG_NOT_FOUND, exit code 2', () => {
    const error = failure(() => loadConfig({ cwd: dir, file: 'missing.toml', env: {} }));
    assert.equal(error.code, 'CONFIG_NOT_FOUND');
    assert.equal(error.exitCode, 2);
    assert.equal(error.where, 'missing.toml');
  });
});

describe('loadConfig: errors', () => {
  it('broken TOML is CONFIG_PARSE with file:line:col', () => {
    const error = failure(() => loadConfig({ file: 'conf/rig.toml', text: '[nats]\nurl = "x\n', env: {} }));
    assert.equal(error.code, 'CONFIG_PARSE');
    assert.equal(error.exitCode, 2);
    assert.match(error.where ?? '', /^conf\/rig\.toml:2:\d+$/);
  });
  it('a bad value names file:line:col and key path, and the expected type', () => {
    const error = failure(() => loadConfig({ text: '[node]\nid = "n1"\n\n[nats]\n  embedded_port = "x"\n', env: {} }));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.exitCode, 2);
    assert.equal(error.where, 'rig.toml:5:3 nats.embedded_port');
    assert.match(error.message, /expected integer 0\.\.65535, got string "x"/);
  });
  it('an unknown key suggests the closest known key', () => {
    const error = failure(() => loadConfig({ text: '[nats]\nurll = "nats://x:1"\n', env: {} }));
    assert.equal(error.where, 'rig.toml:2:1 nats.urll');
    assert.match(error.message, /unknown key "urll"; did you mean "nats.url"\?/);
  });
  it('an unknown section suggests the closest section', () => {
    const error = failure(() => loadConfig({ text: '[natz]\nurl = "x"\n', env: {} }));
    assert.equal(error.where, 'rig.toml:1:2 natz');
    assert.match(error.message, /unknown section "natz"; did you mean "nats"\?/);
  });
  it('a known key in the wrong section points to where it belongs', () => {
    const error = failure(() => loadConfig({ text: '[node]\nnamespace = "x"\n', env: {} }));
    assert.match(error.message, /did you mean "temporal.namespace"\?/);
  });
  it('an enum outside its options lists them', () => {
    const error = failure(() => loadConfig({ text: 'log.level = "loud"\n', env: {} }));
    assert.equal(error.where, 'rig.toml:1:1 log.level');
    assert.match(error.message, /expected one of "trace" \| "debug"/);
  });
  it('a semantic check on a value (nats.url scheme) reports with its location', () => {
    const error = failure(() => loadConfig({ text: '[nats]\nurl = "http://x"\n', env: {} }));
    assert.equal(error.where, 'rig.toml:2:1 nats.url');
    assert.match(error.message, /nats:\/\/host:port/);
  });
  it('a bad env value names the variable', () => {
    const error = failure(() => loadConfig({ env: { FLUXRIG_MIXER_PORT: 'eighty' } }));
    assert.equal(error.where, 'env FLUXRIG_MIXER_PORT (mixer.port)');
    assert.match(error.message, /expected a number/);
  });
  it('an env value the schema rejects names the variable', () => {
    const error = failure(() => loadConfig({ env: { FLUXRIG_MIXER_PORT: '70000' } }));
    assert.equal(error.where, 'env FLUXRIG_MIXER_PORT (mixer.port)');
  });
  it('a bad flag value names the flag', () => {
    const error = failure(() => loadConfig({ env: {}, flags: [{ key: 'log.level', value: 'loud', flag: '--log-level' }] }));
    assert.equal(error.where, 'flag --log-level (log.level)');
  });
  it('reports every problem at once, in file order', () => {
    const error = failure(() =>
      loadConfig({ text: '[nats]\nembedded_port = -1\nurll = 1\n', env: { FLUXRIG_MIXER_PORT: 'x' } }),
    );
    const issues = error.details?.issues as Array<{ where: string }>;
    assert.deepEqual(
      issues.map((issue) => issue.where),
      ['rig.toml:2:1 nats.embedded_port', 'rig.toml:3:1 nats.urll', 'env FLUXRIG_MIXER_PORT (mixer.port)'],
    );
    assert.equal(error.where, 'rig.toml:2:1 nats.embedded_port');
  });
  it('never echoes a secret value in an error', () => {
    const error = failure(() => loadConfig({ text: '[nats]\ntoken = 12345678\n', env: {} }));
    assert.equal(error.where, 'rig.toml:2:1 nats.token');
    assert.ok(!error.message.includes('12345678'), error.message);
  });
});

describe('loadConfig: warnings', () => {
  it('warns about an env variable that looks like a misspelt config variable', () => {
    const { warnings } = loadConfig({ env: { FLUXRIG_NATS_UR: 'x', FLUXRIG_TEST_NATS_URL: 'y' } });
    assert.deepEqual(warnings, ['FLUXRIG_NATS_UR is not a config variable and is ignored; did you mean FLUXRIG_NATS_URL?']);
  });
});
