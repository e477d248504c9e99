/**
 * Stands in for sink-worker.ts in test/telemetry/sink-thread.test.ts: speaks the same messages, but the
 * first thread started on a data directory dies (exit code 3) right after reporting ready, and every
 * later one runs until asked to stop, reporting 7 batches. The marker file tells the two apart.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { SinkWorkerInput, SinkWorkerMessage } from '../../pkg/telemetry/sink-worker.ts';
import { moduleWorkerInput } from '../../pkg/threads/module-worker.ts';

const port = parentPort;
if (!port) throw new Error('a worker thread only');
const marker = join(moduleWorkerInput<SinkWorkerInput>().writer.dataDir, 'died-once');
const send = (message: SinkWorkerMessage) => port.postMessage(message);
if (!existsSync(marker)) {
  writeFileSync(marker, '');
  send({ kind: 'ready' });
  setTimeout(() => process.exit(3), 50);
} else {
  port.on('message', () => {
    send({ kind: 'stopped', stats: { batches: 7, rows: 0, duplicateBatches: 0, flushes: 0 } });
    port.close();
  });
  send({ kind: 'ready' });
}
