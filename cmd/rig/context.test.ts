import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Command } from 'commander';
import { machineIdSeed } from '../../pkg/config/index.ts';
import { decomposeId, deriveMachineId } from '../../pkg/idgen/index.ts';
import { type CommandContext, type ContextOptions, openCommandContext } from './context.ts';
import { buildProgram } from './main.ts';

/** Parses `argv` with the real program plus a `probe` command whose action opens a context. */
async function contextFor(argv: string[], options: ContextOptions): Promise<CommandContext> {
  const program = buildProgram();
  let opened: Promise<CommandContext> | undefined;
  program
    .command('probe')
    .option('--nats-url <url>')
    .action((probeOptions: { natsUrl?: string }, command: Command) => {
      const flags = probeOptions.natsUrl === undefined ? [] : [{ key: 'nats.url', value: probeOptions.natsUrl, flag: '--nats-url' }];
      opened = openCommandContext(command, { ...options, flags });
    });
  await program.parseAsync(['node', 'rig', ...argv]);
  assert.ok(opened, 'probe action ran');
  return opened;
}

describe('openCommandContext', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rig-context-'));
    await writeFile(join(dir, 'custom.toml'), '[node]\nid = "node-7"\n[log]\nstderr = false\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('feeds --config, --data-dir, --log-level and command flags into the config', async () => {
    const context = await contextFor(
      ['--config', 'custom.toml', 'probe', '--data-dir', 'state', '--log-level', 'debug', '--nats-url', 'nats://n:4222'],
      { cwd: dir, env: {} },
    );
    try {
      assert.equal(context.configFile, 'custom.toml');
      assert.equal(context.config.node.id, 'node-7');
      assert.equal(context.config.node.data_dir, 'state');
      assert.equal(context.config.nats.url, 'nats://n:4222');
      assert.deepEqual(context.sources['log.level'], { layer: 'flag', where: '--log-level' });
      assert.equal(context.logger.level, 'debug');
    } finally {
      await context.close();
    }
  });

  it('makes ids with the machine id derived from node id, role, rack id and data directory', async () => {
    const context = await contextFor(['--config', 'custom.toml', 'probe'], { cwd: dir, env: {} });
    try {
      assert.equal(decomposeId(context.ids.next()).machineId, deriveMachineId(machineIdSeed(context.config, dir)));
    } finally {
      await context.close();
    }
  });

  it('makes ids with node.machine_id when it is set', async () => {
    const context = await contextFor(['--config', 'custom.toml', 'probe'], { cwd: dir, env: { FLUXRIG_NODE_MACHINE_ID: '77' } });
    try {
      assert.equal(decomposeId(context.ids.next()).machineId, 77);
    } finally {
      await context.close();
    }
  });

  it('with logToFile writes masked JSON lines under the data directory', async () => {
    const dataDir = join(dir, 'data');
    const context = await contextFor(['--config', 'custom.toml', '--data-dir', dataDir, 'probe'], { cwd: dir, env: {}, logToFile: true });
    context.logger.info({ pan: '4111111111111111' }, 'hello file');
    await context.close();
    const files = await readdir(join(dataDir, 'logs'));
    assert.equal(files.length, 1);
    const text = await readFile(join(dataDir, 'logs', files[0] as string), 'utf8');
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    assert.equal(line.msg, 'hello file');
    assert.equal(line.pan, '411111******1111');
    assert.equal(line.node, 'node-7');
  });
});
