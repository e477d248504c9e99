/**
 * Putting envelopes on subjects. Two ways, one job each:
 *   publishDurable — JetStream publish, resolves once the stream stored it; `Nats-Msg-Id` = envelope id,
 *                    so a retry (ours, or a gear re-emitting after a redelivery) is never a duplicate;
 *   publishFast    — core NATS publish for the hot path where loss on disconnect is acceptable
 *                    (request/reply legs, heartbeats); fire-and-forget, no ack round trip.
 * Both encode with pkg/wire; neither retries on its own (callers own retry policy and its backoff).
 */
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encodeEnvelope } from '../wire/codec.ts';
import type { Envelope } from '../wire/envelope.ts';
import type { BusConnection } from './connection.ts';
import { translateNatsError } from './errors.ts';

export interface PublishReceipt {
  stream: string;
  /** Stream sequence of the stored message (of the original, when `duplicate`). */
  seq: number;
  /** The stream had already stored an envelope with this id inside its duplicate window. */
  duplicate: boolean;
}

export interface DurablePublishOptions {
  /** How long to wait for the stream's ack; defaults to the connection's API timeout. */
  timeoutMs?: number;
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

/** JetStream publish of `envelope` on `subject`, deduplicated by envelope id. */
export async function publishDurable(
  bus: BusConnection,
  subject: string,
  envelope: Envelope,
  options: DurablePublishOptions = {},
): Promise<PublishReceipt> {
  return publishBytesDurable(bus, subject, encodeEnvelope(envelope), options.msgId ?? envelope.id, options);
}

/** JetStream publish of already-encoded bytes (DLQ forwarding of payloads that do not decode). */
export async function publishBytesDurable(
  bus: BusConnection,
  subject: string,
  bytes: Uint8Array,
  msgId: string,
  options: DurablePublishOptions = {},
): Promise<PublishReceipt> {
  let hdrs: ReturnType<typeof natsHeaders> | undefined;
  if (options.headers) {
    hdrs = natsHeaders();
    for (const [name, value] of Object.entries(options.headers)) hdrs.set(name, value);
  }
  try {
    const ack = await bus.js.publish(subject, bytes, {
      msgID: msgId,
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      ...(hdrs ? { headers: hdrs } : {}),
      ...(options.expectStream ? { expect: { streamName: options.expectStream } } : {}),
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'publish', subject });
  }
}

/** Core NATS publish: no stream ack, no dedup. Throws only for a closed connection or a bad envelope. */
export function publishFast(bus: BusConnection, subject: string, envelope: Envelope): void {
  const bytes = encodeEnvelope(envelope);
  try {
    bus.nc.publish(subject, bytes);
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'publish', subject });
  }
}
