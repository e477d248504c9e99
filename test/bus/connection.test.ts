/**
 * The bus connection: token auth against a private nats-server that requires it (the secret never
 * reaches the log), a clear BUS_CONNECT error when nothing listens, and close() draining so a publish
 * made just before closing is still delivered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectBus } from '../../pkg/bus/connection.ts';
import { publishFast } from '../../pkg/bus/publish.ts';
import { subscribe } from '../../pkg/bus/request.ts';
import { RigError } from '../../pkg/errors/index.ts';
import { freePort, type NatsHandle, startNats } from '../../pkg/supervise/index.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { envelope, eventually, memoryLogger, uniqueToken } from './support.ts';

const TOKEN = 's3cr3t-token-for-test';
let nats: NatsHandle;

before(async () => {
  nats = await startNats({
    dataDir: mkdtempSync(join(tmpdir(), 'fluxrig-bus-auth-')),
    ephemeral: true,
    extraArgs: ['--auth', TOKEN],
  });
});

after(async () => {
  await nats.stop();
});

describe('bus connection', () => {
  test('with the right token it connects, names itself, and the token never appears in the log', async () => {
    const log = memoryLogger();
    const bus = await connectBus({ servers: nats.url, name: 'rig-test-auth', token: TOKEN, logger: log.logger });
    assert.ok(bus.nc.info?.jetstream, 'server offers JetStream');
    const connz = (await (await fetch(`${nats.monitorUrl}/connz`)).json()) as { connections: { name?: string }[] };
    assert.ok(connz.connections.some((connection) => connection.name === 'rig-test-auth'), 'the server knows our name');
    await bus.close();
    const text = JSON.stringify(log.lines());
    assert.match(text, /nats connected/);
    assert.match(text, /nats closed/);
    assert.doesNotMatch(text, new RegExp(TOKEN));
  });

  test('a comma-separated server list (as rig.toml writes it) connects to the one that answers', async () => {
    const dead = `nats://127.0.0.1:${await freePort()}`;
    const bus = await connectBus({
      servers: `${dead}, ${nats.url}`,
      name: 'rig-test-list',
      token: TOKEN,
      logger: memoryLogger().logger,
    });
    assert.equal(bus.nc.getServer(), nats.url.replace('nats://', ''));
    await bus.close();
  });

  test('without the token it fails with BUS_CONNECT naming the server', async () => {
    await assert.rejects(
      connectBus({ servers: nats.url, name: 'rig-test-noauth', logger: memoryLogger().logger, maxReconnectAttempts: 0 }),
      (error: unknown) => error instanceof RigError && error.code === 'BUS_CONNECT' && error.where === nats.url,
    );
  });

  test('nothing listening is BUS_CONNECT with a hint, not a hang', async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    await assert.rejects(
      connectBus({ servers: url, name: 'rig-test-nothing', logger: memoryLogger().logger, connectTimeoutMs: 2_000 }),
      (error: unknown) => error instanceof RigError && error.code === 'BUS_CONNECT' && /nats-server/.test(error.hint ?? ''),
    );
  });

  test('close() drains: publishes made right before it still arrive', async () => {
    const subject = `${uniqueToken()}.drain`;
    const receiver = await connectBus({ servers: nats.url, name: 'receiver', token: TOKEN, logger: memoryLogger().logger });
    const received: Envelope[] = [];
    const listener = subscribe(receiver, subject, async (message) => {
      received.push(message);
    });
    await receiver.nc.flush();
    const sender = await connectBus({ servers: nats.url, name: 'sender', token: TOKEN, logger: memoryLogger().logger });
    for (let i = 0; i < 500; i++) publishFast(sender, subject, envelope(i));
    await sender.close();
    await eventually('all 500 delivered', () => received.length === 500);
    await listener.stop();
    await receiver.close();
  });
});
