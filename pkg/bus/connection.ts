/**
 * The one NATS connection a fluxrig process holds (STYLE §3: transport, JetStream and KV are thin
 * layers over it). Connects with a client name and token/user/creds auth, reconnects forever by default,
 * logs every status change, and closes by draining so in-flight publishes and acks reach the server.
 *
 * This module must never leak NATS types past pkg/bus (gears see the Bus facade in index.ts) and
 * never log credentials.
 */
import { readFileSync } from 'node:fs';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import { RigError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { Outbox } from './outbox.ts';
import { PubAcks } from './pub-acks.ts';

/** The logging surface pkg/bus needs; a pino Logger (pkg/log) fits. */
export type BusLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface BusConnectionOptions {
  /** `nats://host:port`, or several for a cluster (an array, or one comma-separated string as in rig.toml). */
  servers: string | string[];
  /** Client name shown by the server (`nats server report connections`), e.g. `rig-rack-r1`. */
  name: string;
  /** Token auth. */
  token?: string;
  /** User/password auth. */
  user?: string;
  pass?: string;
  /** Path of a NATS `.creds` file (JWT + nkey seed). */
  credsFile?: string;
  /** -1 (default) = reconnect forever: engines restart, racks must not give up. */
  maxReconnectAttempts?: number;
  /** Pause between reconnect attempts; default 500 ms (plus the client's jitter). */
  reconnectTimeWaitMs?: number;
  /** First-connect timeout; default 5 s. */
  connectTimeoutMs?: number;
  /** Default timeout of JetStream API calls and publish acks; default 5 s. */
  apiTimeoutMs?: number;
  logger: BusLogger;
}

export interface BusConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly log: BusLogger;
  readonly name: string;
  /** Publishes and acks of one event-loop turn, handed to the client together (outbox.ts). */
  readonly outbox: Outbox;
  /** Durable publishes in flight, their stream acks matched on one inbox (pub-acks.ts). */
  readonly pubAcks: PubAcks;
  /** Timeout of JetStream API calls and publish acks unless a call says otherwise. */
  readonly apiTimeoutMs: number;
  /** Drain (flush publishes and acks, end subscriptions) and close. Safe to call twice. */
  close(): Promise<void>;
}

function authOptions(options: BusConnectionOptions): Partial<ConnectionOptions> {
  if (options.credsFile) {
    let creds: Uint8Array;
    try {
      creds = readFileSync(options.credsFile);
    } catch (cause) {
      throw new RigError('BUS_CONFIG', `cannot read NATS credentials file: ${(cause as Error).message}`, {
        where: options.credsFile,
        hint: 'point nats.creds_file at a readable .creds file',
        exitCode: 2,
        cause,
      });
    }
    return { authenticator: credsAuthenticator(creds) };
  }
  if (options.token) return { token: options.token };
  if (options.user) return { user: options.user, pass: options.pass };
  return {};
}

/** Logs each connection status change until the connection closes. */
async function logStatus(nc: NatsConnection, log: BusLogger, name: string): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        log.warn({ bus: name, server: status.server }, 'nats disconnected');
        break;
      case 'reconnecting':
        log.debug({ bus: name }, 'nats reconnecting');
        break;
      case 'reconnect':
        log.info({ bus: name, server: status.server }, 'nats reconnected');
        break;
      case 'ldm':
        log.warn({ bus: name }, 'nats server entering lame duck mode');
        break;
      case 'error':
        log.error({ bus: name, err: status.error }, 'nats async error');
        break;
      case 'staleConnection':
        log.warn({ bus: name }, 'nats connection stale');
        break;
      case 'slowConsumer':
        log.warn({ bus: name, sub: status.sub.getSubject() }, 'nats slow consumer');
        break;
      default:
        log.debug({ bus: name, status: status.type }, 'nats status');
    }
  }
}

export async function connectBus(options: BusConnectionOptions): Promise<BusConnection> {
  const servers = (Array.isArray(options.servers) ? options.servers : options.servers.split(','))
    .map((server) => server.trim())
    .filter((server) => server.length > 0);
  const log = options.logger;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: options.name,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
      timeout: options.connectTimeoutMs ?? 5_000,
      // Async traces capture a stack per request; JetStream publish pays for it on every message.
      noAsyncTraces: true,
      ...authOptions(options),
    });
  } catch (cause) {
    if (cause instanceof RigError) throw cause;
    throw new RigError('BUS_CONNECT', `cannot connect to NATS at ${servers.join(', ')}: ${(cause as Error).message}`, {
      where: servers.join(','),
      hint: 'is nats-server running with JetStream (-js)? check nats.url and credentials',
      cause,
    });
  }
  log.info({ bus: options.name, server: nc.getServer() }, 'nats connected');
  logStatus(nc, log, options.name).catch((error: unknown) => {
    log.error({ bus: options.name, err: error }, 'nats status watcher stopped');
  });

  const apiTimeout = options.apiTimeoutMs ?? 5_000;
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: apiTimeout });
  } catch (cause) {
    await nc.close();
    throw new RigError('BUS_NO_JETSTREAM', `NATS at ${nc.getServer()} has no JetStream: ${(cause as Error).message}`, {
      hint: 'start nats-server with -js (JetStream) or enable it in its config',
      cause,
    });
  }
  const js = jetstream(nc, { timeout: apiTimeout });
  const outbox = new Outbox();

  let closing: Promise<void> | undefined;
  return {
    nc,
    js,
    jsm,
    log,
    name: options.name,
    outbox,
    pubAcks: new PubAcks(nc, outbox),
    apiTimeoutMs: apiTimeout,
    close() {
      closing ??= (async () => {
        if (nc.isClosed()) return;
        outbox.flush(); // publishes and acks queued in this turn go out with the drain
        try {
          await nc.drain();
        } catch (error) {
          // Draining fails when the server is gone; closing is all that is left to do.
          log.warn({ bus: options.name, err: error }, 'nats drain failed, closing');
          await nc.close();
        }
        log.info({ bus: options.name }, 'nats closed');
      })();
      return closing;
    },
  };
}
