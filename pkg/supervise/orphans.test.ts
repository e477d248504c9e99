import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isAlive, waitUntilGone } from './testdata/process-state.ts';

const parentScript = fileURLToPath(new URL('./testdata/nats-parent.ts', import.meta.url));

/** Starts a Node process that supervises a nats-server; resolves with both pids once NATS is ready. */
async function startParent(dataDir: string) {
  const parent = spawn(process.execPath, ['--import', 'tsx', parentScript, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
  const { pid } = JSON.parse(line) as { pid: number };
  return { parent, enginePid: pid };
}

describe('engines never outlive the process that started them', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluxrig-supervise-orphans-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const signal of ['SIGKILL', 'SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to the parent: nats-server is shut down cleanly and is gone`, async () => {
      const dataDir = join(root, signal);
      const { parent, enginePid } = await startParent(dataDir);
      assert.equal(isAlive(enginePid), true);

      parent.kill(signal);
      await once(parent, 'exit');

      assert.equal(await waitUntilGone(enginePid, 15_000), true, `nats-server ${enginePid} outlived its parent`);
      const log = readFileSync(join(dataDir, 'nats.log'), 'utf8');
      assert.match(log, /Trapped "terminated" signal/, 'the engine got SIGTERM (a clean stop), not SIGKILL');
      assert.match(log, /Server Exiting/);
    });
  }
});
