/**
 * Core NATS request-reply with envelopes (control-plane commands, issuer simulator calls) and plain core
 * subscriptions for the hot path. No JetStream here: a request that times out is the caller's to retry.
 *
 *   request   one envelope out, one envelope back, or BUS_TIMEOUT / BUS_NO_RESPONDERS
 *   serve     answer requests on a subject (queue group so several instances share the load)
 *   subscribe receive envelopes published with publishFast
 *
 * Undecodable inbound messages are logged (with subject and error code) and dropped: core NATS has no
 * redelivery, so there is nothing to retry; a request with a bad payload gets no answer and times out.
 * This module must never let a handler's exception kill a subscription.
 */
import type { Msg, Subscription } from '@nats-io/transport-node';
import { encodeEnvelope, decodeEnvelope } from '../wire/codec.ts';
import type { Envelope } from '../wire/envelope.ts';
import type { BusConnection } from './connection.ts';
import { translateNatsError } from './errors.ts';

export interface RequestOptions {
  /** Default 5 s. */
  timeoutMs?: number;
  /** Inbound size limit for the reply. */
  maxBytes?: number;
}

/** Sends `envelope` to `subject` and resolves with the decoded reply envelope. */
export async function request(
  bus: BusConnection,
  subject: string,
  envelope: Envelope,
  options: RequestOptions = {},
): Promise<Envelope> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const bytes = encodeEnvelope(envelope);
  let reply: Msg;
  try {
    reply = await bus.nc.request(subject, bytes, { timeout: timeoutMs });
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'request', subject, timeoutMs });
  }
  return decodeEnvelope(reply.data, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
}

/** A running core subscription; stop() drains it (in-flight handlers finish). */
export interface Listener {
  readonly subject: string;
  stop(): Promise<void>;
}

export interface ListenOptions {
  /** Queue group: each message goes to one member. */
  queue?: string;
  maxBytes?: number;
}

function listen(
  bus: BusConnection,
  subject: string,
  options: ListenOptions,
  onMessage: (envelope: Envelope, message: Msg) => Promise<void>,
): Listener {
  let subscription: Subscription;
  try {
    subscription = bus.nc.subscribe(subject, options.queue === undefined ? {} : { queue: options.queue });
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'request', subject });
  }
  const decodeOptions = options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes };
  const inFlight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const message of subscription) {
      let envelope: Envelope;
      try {
        envelope = decodeEnvelope(message.data, decodeOptions);
      } catch (error) {
        bus.log.warn({ subject: message.subject, err: error }, 'undecodable message dropped');
        continue;
      }
      const work = onMessage(envelope, message)
        .catch((error: unknown) => {
          bus.log.error({ subject: message.subject, id: envelope.id, err: error }, 'handler failed');
        })
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    }
  })();
  return {
    subject,
    async stop() {
      if (!subscription.isClosed()) await subscription.drain();
      await loop;
      await Promise.all(inFlight);
    },
  };
}

/** Answers requests on `subject` with the handler's envelope. A handler that throws sends no reply. */
export function serve(
  bus: BusConnection,
  subject: string,
  handler: (envelope: Envelope) => Promise<Envelope>,
  options: ListenOptions = {},
): Listener {
  return listen(bus, subject, options, async (envelope, message) => {
    const reply = await handler(envelope);
    message.respond(encodeEnvelope(reply));
  });
}

/** Receives envelopes on `subject` (core NATS, at most once). */
export function subscribe(
  bus: BusConnection,
  subject: string,
  handler: (envelope: Envelope) => Promise<void>,
  options: ListenOptions = {},
): Listener {
  return listen(bus, subject, options, (envelope) => handler(envelope));
}
