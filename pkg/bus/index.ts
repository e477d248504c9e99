/**
 * pkg/bus: fluxrig's only door to NATS. `openBus()` returns a small `Bus` facade over one connection;
 * its methods take and return Envelopes, subjects (pkg/wire/subjects.ts) and RigErrors — no NATS types
 * cross this line, so gears, the rack and the mixer never import @nats-io/*.
 *
 *   const bus = await openBus({ servers: url, name: 'rig-rack-r1', logger });
 *   await bus.ensureStreams();                                     // FLUXRIG_* streams, idempotent
 *   await bus.publish(dataSubject('s1', 'w1'), envelope);          // JetStream, dedup by envelope id
 *   const c = await bus.consume({ stream: 'FLUXRIG_DATA', durable: 's1-parse',
 *                                 filterSubjects: [dataSubject('s1', 'w1')] }, handler);
 *   const desired = await bus.kv<Desired>('desired');
 *   const reply = await bus.request(controlSubject('r1', 'ping'), envelope, { timeoutMs: 1000 });
 *   await c.stop(); await bus.close();                            // drain
 *
 * The layers beneath (connection, streams, publish, consume, kv, request) each do one job and can be
 * used directly by code inside pkg/bus and its tests.
 */
import { type BusConnectionOptions, connectBus } from './connection.ts';
import { type ConsumerSpec, type EnvelopeHandler, type RunningConsumer, startConsumer } from './consume.ts';
import { BUCKET_SPECS, type BucketSpec, type KvBucket, openBucket } from './kv.ts';
import { type DurablePublishOptions, type PublishReceipt, publishDurable, publishFast } from './publish.ts';
import { type Listener, type ListenOptions, type RequestOptions, request, serve, subscribe } from './request.ts';
import { ensureStreams, type StreamOverrides, type StreamReport } from './streams.ts';
import type { Envelope } from '../wire/envelope.ts';

export type { BusConnectionOptions, BusLogger } from './connection.ts';
export {
  type ConsumerSpec,
  type ConsumerStats,
  DLQ_HEADERS,
  type Delivery,
  type EnvelopeHandler,
  type RunningConsumer,
} from './consume.ts';
export { BUCKET_SPECS, type BucketSpec, type KvBucket, type KvChange, type KvRecord, type KvWatch } from './kv.ts';
export type { DurablePublishOptions, PublishReceipt } from './publish.ts';
export type { Listener, ListenOptions, RequestOptions } from './request.ts';
export { STREAM_SPECS, type StreamOverrides, type StreamReport, type StreamSpec } from './streams.ts';

export interface Bus {
  /** The client name given at connect. */
  readonly name: string;
  /** Creates or repairs the five FLUXRIG_* streams (STREAM_SPECS + overrides, else openBus's `streams`). */
  ensureStreams(overrides?: StreamOverrides): Promise<StreamReport[]>;
  /** Durable publish: resolves once stored; a repeated envelope id inside the window is a no-op (duplicate: true). */
  publish(subject: string, envelope: Envelope, options?: DurablePublishOptions): Promise<PublishReceipt>;
  /** Core publish for the hot path: no ack, no dedup, no persistence beyond what a stream captures. */
  publishFast(subject: string, envelope: Envelope): void;
  /** Durable pull consumer feeding `handler`; ack after it resolves, retry with backoff, DLQ after maxDeliver. */
  consume(spec: ConsumerSpec, handler: EnvelopeHandler): Promise<RunningConsumer>;
  /** Core subscription (at most once), e.g. for publishFast traffic. */
  subscribe(subject: string, handler: (envelope: Envelope) => Promise<void>, options?: ListenOptions): Listener;
  /** Request-reply; BUS_TIMEOUT after `timeoutMs`, BUS_NO_RESPONDERS when nobody serves the subject. */
  request(subject: string, envelope: Envelope, options?: RequestOptions): Promise<Envelope>;
  /** Answers requests on `subject`. */
  serve(subject: string, handler: (envelope: Envelope) => Promise<Envelope>, options?: ListenOptions): Listener;
  /** A KV bucket with CBOR values: one of the standard ones by name, or a custom spec. */
  kv<T>(bucket: keyof typeof BUCKET_SPECS | BucketSpec): Promise<KvBucket<T>>;
  /** Drains (publishes and acks flushed, subscriptions ended) and closes. Stop consumers first. */
  close(): Promise<void>;
}

export interface OpenBusOptions extends BusConnectionOptions {
  /** Stream limits from config; ensureStreams() without arguments applies them. */
  streams?: StreamOverrides;
}

export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const connection = await connectBus(options);
  return {
    name: connection.name,
    ensureStreams: (overrides) => ensureStreams(connection, overrides ?? options.streams),
    publish: (subject, envelope, publishOptions) => publishDurable(connection, subject, envelope, publishOptions),
    publishFast: (subject, envelope) => publishFast(connection, subject, envelope),
    consume: (spec, handler) => startConsumer(connection, spec, handler),
    subscribe: (subject, handler, listenOptions) => subscribe(connection, subject, handler, listenOptions),
    request: (subject, envelope, requestOptions) => request(connection, subject, envelope, requestOptions),
    serve: (subject, handler, listenOptions) => serve(connection, subject, handler, listenOptions),
    kv: <T>(bucket: keyof typeof BUCKET_SPECS | BucketSpec) =>
      openBucket<T>(connection, typeof bucket === 'string' ? BUCKET_SPECS[bucket] : bucket),
    close: () => connection.close(),
  };
}
