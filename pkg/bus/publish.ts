/**
 * Putting envelopes on subjects. Two ways, one job each:
 *   publishDurable — JetStream publish, resolves once the stream stored it; `Nats-Msg-Id` = envelope id,
 *                    so a retry (ours, or a gear re-emitting after a redelivery) is never a duplicate;
 *   publishFast    — core NATS publish for the hot path where loss on disconnect is acceptable
 *                    (request/reply legs, heartbeats); fire-and-forget, no ack round trip.
 * Both encode with pkg/wire. Durable publishes are pipelined: many in flight on the connection, each
 * ack matched by its reply token (pub-acks.ts), the writes of one event-loop turn sent together
 * (outbox.ts). publishDurable retries a publish whose ack did not come (timeout, or no stream
 * answering while JetStream recovers after a restart) a few times with backoff: safe, because the
 * stream drops the repeat by `Nats-Msg-Id`. These retries are what carries a publish across a server
 * restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PubHeaders } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encodeEnvelope } from '../wire/codec.ts';
import type { Envelope } from '../wire/envelope.ts';
import type { BusConnection } from './connection.ts';
import { RigError } from '../errors/index.ts';
import { SUBJECT_ROOT } from '../wire/subjects.ts';
import { translateNatsError } from './errors.ts';

/** FLUXRIG_CONTROL is a no-ack stream (streams.ts): nothing there can confirm a durable publish. */
const CONTROL_PREFIX = `${SUBJECT_ROOT}.control.`;

export interface PublishReceipt {
  stream: string;
  /** Stream sequence of the stored message (of the original, when `duplicate`). */
  seq: number;
  /** The stream had already stored an envelope with this id inside its duplicate window. */
  duplicate: boolean;
}

export interface DurablePublishOptions {
  /** How long to wait for the stream's ack, per attempt; defaults to the connection's API timeout. */
  timeoutMs?: number;
  /** Further attempts after a timeout or a missing stream; default 4 (pauses 100, 250, 500, 1000 ms, then 2 s). */
  retries?: number;
  /** Extra NATS headers (e.g. DLQ reason); envelope fields stay in the envelope. */
  headers?: Record<string, string>;
  /** Refuse unless the subject is captured by this stream (guards against a mis-routed subject). */
  expectStream?: string;
  /**
   * Dedup key instead of the envelope id. The rack sets it to `<input id>/<gear>/<port>/<n>` for what a
   * gear emits while handling a message, so a redelivered input re-emits the same keys and the stream
   * drops the repeats: effectively-once across a crash between publish and ack.
   */
  msgId?: string;
}

/** JetStream publish of `envelope` on `subject`, deduplicated by envelope id (or `options.msgId`). */
export function publishDurable(
  bus: BusConnection,
  subject: string,
  envelope: Envelope,
  options: DurablePublishOptions = {},
): Promise<PublishReceipt> {
  // Not async (one promise less per message on the hot path), but a bad envelope still rejects.
  let bytes: Uint8Array;
  try {
    bytes = encodeEnvelope(envelope);
  } catch (error) {
    return Promise.reject(error);
  }
  return publishBytesDurable(bus, subject, bytes, options.msgId ?? envelope.id, options);
}

/** JetStream publish of already-encoded bytes (DLQ forwarding of payloads that do not decode). */
export async function publishBytesDurable(
  bus: BusConnection,
  subject: string,
  bytes: Uint8Array,
  msgId: string,
  options: DurablePublishOptions = {},
): Promise<PublishReceipt> {
  if (subject.startsWith(CONTROL_PREFIX)) {
    throw new RigError('BUS_NOT_DURABLE', `control subjects take core NATS traffic, not durable publishes: ${subject}`, {
      where: subject,
      hint: 'use publishFast (heartbeats) or request (commands) on control subjects',
    });
  }
  const headers = natsHeaders();
  if (options.headers) {
    for (const [name, value] of Object.entries(options.headers)) headers.set(name, value);
  }
  headers.set(PubHeaders.MsgIdHdr, msgId);
  if (options.expectStream) headers.set(PubHeaders.ExpectedStreamHdr, options.expectStream);
  const timeoutMs = options.timeoutMs ?? bus.apiTimeoutMs;
  const retries = options.retries ?? 4;
  for (let attempt = 0; ; attempt++) {
    try {
      return await bus.pubAcks.publish(subject, bytes, headers, timeoutMs);
    } catch (cause) {
      const error = translateNatsError(cause, { operation: 'publish', subject, timeoutMs: options.timeoutMs });
      const transient = error.code === 'BUS_TIMEOUT' || error.code === 'BUS_NO_STREAM';
      if (!transient || attempt >= retries) throw error;
      bus.log.debug({ subject, msgId, attempt: attempt + 1, code: error.code }, 'publish not acked; retrying');
      await sleep(RETRY_PAUSES_MS[Math.min(attempt, RETRY_PAUSES_MS.length - 1)]);
    }
  }
}

const RETRY_PAUSES_MS = [100, 250, 500, 1_000, 2_000];

/** Core NATS publish: no stream ack, no dedup. Throws only for a closed connection or a bad envelope. */
export function publishFast(bus: BusConnection, subject: string, envelope: Envelope): void {
  const bytes = encodeEnvelope(envelope);
  try {
    bus.nc.publish(subject, bytes);
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'publish', subject });
  }
}
