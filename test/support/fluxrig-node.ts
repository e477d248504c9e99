/**
 * A private fluxrig control plane for integration tests: its own nats-server (the mixer and racks use
 * fixed stream and bucket names, so tests that run them must not share a server), a mixer on a free
 * port and any number of racks, all in this process, each with its own bus connection.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import type { GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { createIdGenerator } from '../../pkg/idgen/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { type RunningMixer, startMixer } from '../../pkg/mixer/mixer.ts';
import { Rack } from '../../pkg/rack/rack.ts';
import { type NatsHandle, startNats } from '../../pkg/supervise/index.ts';

export interface TestControlPlane {
  nats: NatsHandle;
  mixer: RunningMixer;
  token: string;
  startRack(id: string, labels?: Record<string, string>, catalogue?: readonly GearDescriptor[]): Promise<Rack>;
  /** fetch against the mixer with the bearer token on mutating calls. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

let machine = 100;

export async function startControlPlane(options: { heartbeatMs?: number } = {}): Promise<TestControlPlane> {
  const heartbeatMs = options.heartbeatMs ?? 300;
  const nats = await startNats({ dataDir: await mkdtemp(join(tmpdir(), 'fluxrig-cp-')), ephemeral: true });
  const buses: Bus[] = [];
  const connect = async (name: string) => {
    const bus = await openBus({ servers: nats.url, name, logger: silentLogger() });
    buses.push(bus);
    return bus;
  };
  const token = `test-${Math.random().toString(36).slice(2)}`;
  const mixer = await startMixer({
    bus: await connect('mixer'),
    catalogue: gearCatalogue,
    logger: silentLogger(),
    ids: createIdGenerator({ machineId: machine++ }),
    host: '127.0.0.1',
    port: 0,
    apiToken: token,
    version: 'test',
    reconcileEveryMs: heartbeatMs,
  });
  const racks: Rack[] = [];
  return {
    nats,
    mixer,
    token,
    async startRack(id, labels = {}, catalogue = gearCatalogue) {
      const rack = new Rack({
        bus: await connect(`rack-${id}`),
        id,
        labels,
        catalogue,
        logger: silentLogger(),
        ids: createIdGenerator({ machineId: machine++ }),
        version: 'test',
        heartbeatMs,
        drainTimeoutMs: 2000,
      });
      await rack.start();
      racks.push(rack);
      return rack;
    },
    async api(method, path, body) {
      const response = await fetch(`${mixer.url}${path}`, {
        method,
        headers: { ...(method === 'GET' ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      for (const rack of racks) await rack.stop().catch(() => undefined);
      await mixer.stop();
      for (const bus of buses) await bus.close().catch(() => undefined);
      await nats.stop();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
