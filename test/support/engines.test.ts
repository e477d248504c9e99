import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { canConnect } from '../../pkg/supervise/ports.ts';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./testdata/use-engines.ts', import.meta.url));

/** Runs the fixture in a fresh process with the given test env vars (all others removed). */
async function useInChild(which: 'nats' | 'temporal', testEnv: Record<string, string>) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('FLUXRIG_TEST_')) delete env[key];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, which], {
    env: { ...env, ...testEnv },
    timeout: 90_000,
  });
  return JSON.parse(stdout) as { first: Record<string, string>; second: Record<string, string> };
}

async function portClosesWithin(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await canConnect(host, port, 500))) return true;
    await sleep(100);
  }
  return false;
}

describe('test engines (useNats / useTemporal)', () => {
  test('useNats() reuses the run-wide server named by FLUXRIG_TEST_NATS_URL', async () => {
    const { first, second } = await useInChild('nats', { FLUXRIG_TEST_NATS_URL: 'nats://127.0.0.1:4999' });
    assert.deepEqual(first, { url: 'nats://127.0.0.1:4999' });
    assert.deepEqual(second, first);
  });

  test('useTemporal() reuses FLUXRIG_TEST_TEMPORAL_ADDRESS and its namespace', async () => {
    const { first } = await useInChild('temporal', {
      FLUXRIG_TEST_TEMPORAL_ADDRESS: '127.0.0.1:7999',
      FLUXRIG_TEST_TEMPORAL_NAMESPACE: 'shared-ns',
    });
    assert.deepEqual(first, { address: '127.0.0.1:7999', namespace: 'shared-ns' });
  });

  test('without a run-wide server, useNats() starts one private server per process and it ends with the process', async () => {
    const { first, second } = await useInChild('nats', {});
    assert.match(first.url ?? '', /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(second, first, 'the second call reuses the first server');
    const port = Number(new URL(first.url!).port);
    assert.equal(await portClosesWithin('127.0.0.1', port, 15_000), true, 'the private server outlived its process');
  });

  test('without a run-wide server, useTemporal() starts a private dev server that ends with the process', async () => {
    const { first, second } = await useInChild('temporal', {});
    assert.equal(first.namespace, 'fluxrig-test');
    assert.deepEqual(second, first);
    const port = Number(first.address!.split(':')[1]);
    assert.equal(await portClosesWithin('127.0.0.1', port, 15_000), true, 'the private server outlived its process');
  });
});
