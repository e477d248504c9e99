/**
 * Real engines for integration tests, one of each per test run:
 *   const { url } = await useNats();                       // nats-server with JetStream
 *   const { address, namespace } = await useTemporal();    // Temporal dev server
 * test/run.ts (`make test`) starts both once and passes them down in FLUXRIG_TEST_NATS_URL,
 * FLUXRIG_TEST_TEMPORAL_ADDRESS and FLUXRIG_TEST_TEMPORAL_NAMESPACE; every test file reuses them. A file
 * run on its own (`node --import tsx --test x.test.ts`) gets private ones instead, started on first use
 * on free ports in a temporary directory and stopped (directory removed) when the test process ends.
 *
 * Engines are shared by test files running in parallel: name streams, KV buckets, subjects, task queues
 * and workflow ids uniquely per test (e.g. with a random suffix) and never purge what you did not create.
 * Tests that must stop or restart an engine start their own with pkg/supervise instead.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, startTemporal } from '../../pkg/supervise/index.ts';

export interface TestNats {
  /** e.g. nats://127.0.0.1:4222 */
  url: string;
}

export interface TestTemporal {
  /** host:port of the frontend gRPC service. */
  address: string;
  namespace: string;
}

/** Namespace of the private Temporal server (and the one test/run.ts creates). */
export const TEST_TEMPORAL_NAMESPACE = 'fluxrig-test';

let nats: Promise<TestNats> | undefined;
let temporal: Promise<TestTemporal> | undefined;

/** The run's nats-server (JetStream enabled), or a private one started once per process. */
export function useNats(): Promise<TestNats> {
  nats ??= startPrivateNatsUnlessShared();
  return nats;
}

/** The run's Temporal dev server, or a private one started once per process. */
export function useTemporal(): Promise<TestTemporal> {
  temporal ??= startPrivateTemporalUnlessShared();
  return temporal;
}

async function startPrivateNatsUnlessShared(): Promise<TestNats> {
  const shared = process.env.FLUXRIG_TEST_NATS_URL;
  if (shared) return { url: shared };
  const handle = await startNats({ dataDir: scratchDir('nats'), ephemeral: true });
  handle.unref(); // the engine must not keep the test process alive; it stops when the process ends
  return { url: handle.url };
}

async function startPrivateTemporalUnlessShared(): Promise<TestTemporal> {
  const shared = process.env.FLUXRIG_TEST_TEMPORAL_ADDRESS;
  if (shared) return { address: shared, namespace: process.env.FLUXRIG_TEST_TEMPORAL_NAMESPACE || 'default' };
  const handle = await startTemporal({
    dataDir: scratchDir('temporal'),
    namespace: TEST_TEMPORAL_NAMESPACE,
    ephemeral: true,
  });
  handle.unref();
  return { address: handle.address, namespace: handle.namespace };
}

function scratchDir(engine: string): string {
  return mkdtempSync(join(tmpdir(), `fluxrig-test-${engine}-`));
}
