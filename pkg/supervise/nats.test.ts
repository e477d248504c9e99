import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { isRigError } from '../errors/index.ts';
import { startNats } from './nats.ts';
import { isAlive } from './testdata/process-state.ts';

describe('startNats', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluxrig-supervise-nats-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('starts nats-server with JetStream on free ports: a stream stores a published message', async () => {
    const server = await startNats({ dataDir: join(root, 'js') });
    try {
      assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(server.port, server.monitorPort);
      const nc = await connect({ servers: server.url });
      try {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: 'SUPERVISE_TEST', subjects: ['supervise.test.>'] });
        await jetstream(nc).publish('supervise.test.one', 'hello');
        const info = await jsm.streams.info('SUPERVISE_TEST');
        assert.equal(info.state.messages, 1);
      } finally {
        await nc.close();
      }
    } finally {
      await server.stop();
    }
  });

  test('a restart on the same data dir keeps the JetStream streams and their messages', async () => {
    const dataDir = join(root, 'restart');
    const first = await startNats({ dataDir });
    const nc = await connect({ servers: first.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'KEPT', subjects: ['kept.>'] });
    await jetstream(nc).publish('kept.a', 'one');
    await nc.close();
    await first.stop();

    const second = await startNats({ dataDir });
    try {
      const again = await connect({ servers: second.url });
      const info = await (await jetstreamManager(again)).streams.info('KEPT');
      await again.close();
      assert.equal(info.state.messages, 1);
    } finally {
      await second.stop();
    }
  });

  test('stop() shuts the server down cleanly and the process is gone', async () => {
    const server = await startNats({ dataDir: join(root, 'stop') });
    assert.equal(server.running, true);
    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(server.running, false);
    assert.equal(isAlive(server.pid), false);
    assert.deepEqual(await server.stop(), exit, 'a second stop() is harmless');
  });

  test('a server that cannot start is an ENGINE_NOT_READY error quoting its log', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const takenPort = (squatter.address() as AddressInfo).port;
    try {
      await assert.rejects(startNats({ dataDir: join(root, 'taken'), port: takenPort }), (error: unknown) => {
        assert.ok(isRigError(error));
        assert.equal(error.code, 'ENGINE_NOT_READY');
        assert.match(error.message, /address already in use/);
        assert.equal(error.where, join(root, 'taken', 'nats.log'));
        assert.match(error.hint ?? '', /nats\.log/);
        return true;
      });
    } finally {
      squatter.close();
    }
  });

  test('an ephemeral data dir is removed once the server has stopped', async () => {
    const dataDir = mkdtempSync(join(root, 'ephemeral-'));
    const server = await startNats({ dataDir, ephemeral: true });
    await server.stop();
    assert.throws(() => rmSync(dataDir), { code: 'ENOENT' });
  });
});
