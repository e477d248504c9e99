import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startTemporal } from './temporal.ts';
import { isAlive } from './testdata/process-state.ts';

describe('startTemporal', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluxrig-supervise-temporal-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('starts a headless dev server on a free port; a Temporal client sees the namespace', async () => {
    const server = await startTemporal({ dataDir: join(root, 'first'), namespace: 'supervise-test' });
    try {
      assert.match(server.address, /^127\.0\.0\.1:\d+$/);
      assert.equal(server.uiUrl, undefined, 'headless unless a UI port is asked for');
      const connection = await Connection.connect({ address: server.address });
      try {
        const described = await connection.workflowService.describeNamespace({ namespace: 'supervise-test' });
        assert.equal(described.namespaceInfo?.name, 'supervise-test');
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    assert.equal(isAlive(server.pid), false);
  });

  test('workflow state survives a restart on the same data dir', async () => {
    const dataDir = join(root, 'restart');
    const workflowId = `supervise-restart-${process.pid}`;
    const first = await startTemporal({ dataDir, namespace: 'restart-test' });
    try {
      const connection = await Connection.connect({ address: first.address });
      const client = new Client({ connection, namespace: 'restart-test' });
      // No worker polls this queue: the execution just stays open, which is all this test needs.
      await client.workflow.start('neverExecuted', { taskQueue: 'nobody-polls', workflowId, args: [] });
      await connection.close();
    } finally {
      await first.stop();
    }

    const second = await startTemporal({ dataDir, namespace: 'restart-test' });
    try {
      const connection = await Connection.connect({ address: second.address });
      const client = new Client({ connection, namespace: 'restart-test' });
      const description = await client.workflow.getHandle(workflowId).describe();
      await connection.close();
      assert.equal(description.status.name, 'RUNNING');
      assert.equal(description.type, 'neverExecuted');
    } finally {
      await second.stop();
    }
  });
});
