/**
 * The mixer process: the REST API over the KV-backed store, rack control over NATS request-reply, and
 * the reconcile loop (on every rack record change, and on a timer so a rack that stopped heartbeating
 * loses its work after three missed beats).
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus/index.ts';
import type { GearDescriptor } from '../gear/descriptor.ts';
import { envelopeFactory } from '../gear/envelopes.ts';
import type { IdGenerator } from '../idgen/index.ts';
import type { Logger } from '../log/index.ts';
import { controlSubject } from '../wire/subjects.ts';
import { createMixerHttp } from './http.ts';
import { openKvStore } from './kv-store.ts';
import { MixerService } from './service.ts';
import type { RackControl } from './store.ts';

export interface MixerOptions {
  bus: Bus;
  catalogue: readonly GearDescriptor[];
  logger: Logger;
  ids: IdGenerator;
  host: string;
  port: number;
  apiToken: string;
  version: string;
  /** How often to re-check assignments even without rack changes. */
  reconcileEveryMs: number;
}

export interface RunningMixer {
  service: MixerService;
  http: FastifyInstance;
  /** `http://host:port` the API listens on. */
  url: string;
  stop(): Promise<void>;
}

export async function startMixer(options: MixerOptions): Promise<RunningMixer> {
  const log = options.logger.child({ role: 'mixer' });
  await options.bus.ensureStreams();
  const store = await openKvStore(options.bus);
  const envelope = envelopeFactory({ nextId: () => options.ids.next(), scenario: '', gearId: 'control', sourcePrefix: 'mixer' });
  const control: RackControl = {
    async send(rack, verb, payload, timeoutMs) {
      const answer = await options.bus.request(controlSubject(rack, verb), envelope(payload, { type: `fluxrig.control.${verb}` }), { timeoutMs });
      return answer.data;
    },
  };
  const service = new MixerService({ store, control, catalogue: options.catalogue });
  const reconcile = () => void service.reconcile().catch((error: unknown) => log.error({ err: String(error) }, 'reconcile failed'));
  const stopWatching = await store.watchRacks(reconcile);
  const timer = setInterval(reconcile, options.reconcileEveryMs);
  timer.unref();
  reconcile();

  const http = await createMixerHttp({ service, apiToken: options.apiToken, version: options.version });
  await http.listen({ host: options.host, port: options.port });
  const address = http.server.address() as AddressInfo;
  const url = `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
  log.info({ url }, 'mixer API listening');
  return {
    service,
    http,
    url,
    async stop() {
      clearInterval(timer);
      await stopWatching();
      await http.close();
      await service.reconcile().catch(() => undefined);
    },
  };
}
