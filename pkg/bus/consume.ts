/**
 * Durable pull consumers that feed envelopes to a handler, at least once, never losing a message:
 *
 *   - the handler gets the decoded Envelope (with `attempt` = JetStream delivery count, 1-based);
 *   - ack ONLY after the handler's promise resolves — the rack's handler resolves once the gear's
 *     output is stored downstream, so a crash in between means a redelivery, never a loss;
 *   - a rejection naks with backoff (`backoffMs[attempt-1]`), until `maxDeliver` attempts: then the
 *     message goes to the dead-letter subject with the reason, original subject and attempts in
 *     headers, and is term'd (only after the DLQ stored it; if that fails, it is nak'd and retried);
 *   - a payload that does not decode (malformed CBOR, wrong shape, too large) goes to the DLQ at once;
 *   - at most `concurrency` handlers run at a time; long handlers are kept alive with `working()`;
 *   - stop() stops pulling, lets in-flight handlers finish and their acks flush.
 *
 * The server-side max_deliver is unlimited on purpose: the attempt limit is enforced here, so the
 * server never silently parks an exhausted message that the DLQ step failed to take.
 * Handlers never see NATS types. This module must never ack a message whose handler did not finish.
 */
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  type JsMsg,
  JetStreamApiCodes,
  JetStreamApiError,
  ReplayPolicy,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { isRigError, RigError } from '../errors/index.ts';
import { maskText } from '../mask/index.ts';
import { DEFAULT_MAX_BYTES, decodeEnvelope } from '../wire/codec.ts';
import type { Envelope } from '../wire/envelope.ts';
import { dlqSubject } from '../wire/subjects.ts';
import type { BusConnection } from './connection.ts';
import { translateNatsError } from './errors.ts';
import { publishBytesDurable } from './publish.ts';

/** Headers on every dead letter (names are stable API: the mixer and `rig` read them). */
export const DLQ_HEADERS = {
  reason: 'Fluxrig-Dlq-Reason',
  code: 'Fluxrig-Dlq-Code',
  subject: 'Fluxrig-Original-Subject',
  stream: 'Fluxrig-Original-Stream',
  sequence: 'Fluxrig-Original-Sequence',
  attempts: 'Fluxrig-Attempts',
  consumer: 'Fluxrig-Consumer',
} as const;

export interface ConsumerSpec {
  /** Stream to read, e.g. FLUXRIG_DATA. */
  stream: string;
  /** Durable consumer name; racks sharing it share the work. Letters, digits, - and _. */
  durable: string;
  /** Subjects to read from the stream, e.g. [dataSubject('s1', 'parse_to_route')]. */
  filterSubjects: string[];
  /** Attempts before a message is dead-lettered; default 5. */
  maxDeliver?: number;
  /** Redelivery delay after the n-th failed attempt (last value repeats); default [200, 1000, 5000, 15000]. */
  backoffMs?: number[];
  /** Server redelivers an unacked message after this; running handlers are kept alive. Default 10 s. */
  ackWaitMs?: number;
  /** Handlers running at once; default 16. */
  concurrency?: number;
  /** Unacked messages the server allows across all instances of this durable; default 1000. */
  maxAckPending?: number;
  /** Where dead letters go; default `fluxrig.dlq.<durable>`. */
  dlqSubject?: string;
  /** Start with everything in the stream (default) or only new messages. */
  deliverPolicy?: 'all' | 'new';
  /** Inbound size limit for decoding; default DEFAULT_MAX_BYTES. */
  maxBytes?: number;
}

/** What a handler learns about the delivery besides the envelope. */
export interface Delivery {
  /** 1-based; > 1 means a redelivery (the handler may have run before, at least partially). */
  attempt: number;
  subject: string;
  stream: string;
  streamSequence: number;
  /** Encoded size of the message in bytes (for telemetry). */
  size: number;
}

export type EnvelopeHandler = (envelope: Envelope, delivery: Delivery) => Promise<void>;

export interface ConsumerStats {
  acked: number;
  retried: number;
  deadLettered: number;
  malformed: number;
  inFlight: number;
}

export interface RunningConsumer {
  readonly durable: string;
  readonly stats: Readonly<ConsumerStats>;
  /** Stop pulling, wait for in-flight handlers (up to `graceMs`, default 30 s), flush acks. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const DEFAULT_BACKOFF_MS = [200, 1_000, 5_000, 15_000];

function resolved(spec: ConsumerSpec) {
  return {
    maxDeliver: spec.maxDeliver ?? 5,
    backoffMs: spec.backoffMs && spec.backoffMs.length > 0 ? spec.backoffMs : DEFAULT_BACKOFF_MS,
    ackWaitMs: spec.ackWaitMs ?? 10_000,
    concurrency: Math.max(1, spec.concurrency ?? 16),
    maxAckPending: spec.maxAckPending ?? 1_000,
    dlqSubject: spec.dlqSubject ?? dlqSubject(spec.durable),
    maxBytes: spec.maxBytes ?? DEFAULT_MAX_BYTES,
  };
}

function consumerConfig(spec: ConsumerSpec): Partial<ConsumerConfig> {
  const options = resolved(spec);
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    filter_subjects: spec.filterSubjects,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: options.maxAckPending,
  };
}

/** Creates the durable consumer, or updates the settings that may change. Idempotent. */
export async function ensureConsumer(bus: BusConnection, spec: ConsumerSpec): Promise<void> {
  assertDurableName(spec.durable);
  const config = consumerConfig(spec);
  try {
    await bus.jsm.consumers.info(spec.stream, spec.durable);
  } catch (error) {
    const notFound = error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound;
    if (!notFound) throw translateNatsError(error, { operation: 'consume', subject: spec.stream });
    try {
      await bus.jsm.consumers.add(spec.stream, config);
    } catch (cause) {
      throw translateNatsError(cause, { operation: 'consume', subject: spec.stream });
    }
    bus.log.info({ stream: spec.stream, durable: spec.durable, filter: spec.filterSubjects }, 'consumer created');
    return;
  }
  const { durable_name: _durable, deliver_policy: _deliver, ack_policy: _ack, replay_policy: _replay, ...updatable } =
    config;
  try {
    await bus.jsm.consumers.update(spec.stream, spec.durable, updatable);
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'consume', subject: spec.stream });
  }
}

/**
 * Header values are single-line, and people read them (`nats stream view FLUXRIG_DLQ`): error messages
 * may span lines or quote a PAN, so they are flattened, masked and capped.
 */
function headerValue(text: string): string {
  return maskText(text.replace(/[\r\n]+/g, ' ')).slice(0, 1024);
}

/**
 * Ensures the consumer and starts feeding `handler`. Resolves once pulling has begun.
 */
export async function startConsumer(
  bus: BusConnection,
  spec: ConsumerSpec,
  handler: EnvelopeHandler,
): Promise<RunningConsumer> {
  const options = resolved(spec);
  const { log } = bus;
  await ensureConsumer(bus, spec);
  let messages: Awaited<ReturnType<Awaited<ReturnType<typeof bus.js.consumers.get>>['consume']>>;
  try {
    const consumer = await bus.js.consumers.get(spec.stream, spec.durable);
    messages = await consumer.consume({ max_messages: options.concurrency });
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'consume', subject: spec.stream });
  }

  const stats: ConsumerStats = { acked: 0, retried: 0, deadLettered: 0, malformed: 0, inFlight: 0 };
  /** In-flight messages and when their handler started: the keep-alive ticker reads it. */
  const running = new Map<JsMsg, number>();
  let stopping = false;
  let slotFreed: (() => void) | undefined;
  let idle: (() => void) | undefined;

  const backoff = (attempt: number) =>
    options.backoffMs[Math.min(attempt - 1, options.backoffMs.length - 1)] as number;

  async function deadLetter(message: JsMsg, code: string, reason: string, attempts: number): Promise<void> {
    const info = message.info;
    try {
      await publishBytesDurable(bus, options.dlqSubject, message.data, `dlq:${info.stream}:${info.streamSequence}`, {
        headers: {
          [DLQ_HEADERS.reason]: headerValue(reason),
          [DLQ_HEADERS.code]: code,
          [DLQ_HEADERS.subject]: message.subject,
          [DLQ_HEADERS.stream]: info.stream,
          [DLQ_HEADERS.sequence]: String(info.streamSequence),
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.consumer]: spec.durable,
        },
      });
    } catch (error) {
      // The DLQ did not store it: keep the message in the stream and try again later.
      log.error({ durable: spec.durable, seq: info.streamSequence, err: error }, 'dead-lettering failed; will retry');
      message.nak(backoff(attempts));
      stats.retried++;
      return;
    }
    message.term(headerValue(`${code}: ${reason}`));
    stats.deadLettered++;
    log.warn(
      { durable: spec.durable, subject: message.subject, seq: info.streamSequence, attempts, code, reason },
      'message dead-lettered',
    );
  }

  async function handleDelivery(message: JsMsg): Promise<void> {
    const info = message.info;
    const attempt = info.deliveryCount;
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.data, { maxBytes: options.maxBytes });
    } catch (error) {
      stats.malformed++;
      const code = isRigError(error) ? error.code : 'WIRE_MALFORMED';
      await deadLetter(message, code, (error as Error).message, attempt);
      return;
    }
    if (attempt > options.maxDeliver) {
      // Exhausted on an earlier delivery, but the DLQ publish failed then: finish the job now.
      await deadLetter(message, 'MAX_DELIVER', `exceeded ${options.maxDeliver} attempts`, attempt);
      return;
    }
    envelope.attempt = attempt;
    const delivery: Delivery = {
      attempt,
      subject: message.subject,
      stream: info.stream,
      streamSequence: info.streamSequence,
      size: message.data.length,
    };
    try {
      await handler(envelope, delivery);
    } catch (error) {
      const code = isRigError(error) ? error.code : 'HANDLER_ERROR';
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt >= options.maxDeliver) {
        await deadLetter(message, code, `handler failed ${attempt} times; last: ${reason}`, attempt);
      } else {
        message.nak(backoff(attempt));
        stats.retried++;
        log.warn({ durable: spec.durable, subject: message.subject, attempt, code, reason }, 'handler failed; retrying');
      }
      return;
    }
    // Handed to the client with the turn's other writes (outbox.ts); the handler has finished.
    bus.outbox.add(() => message.ack());
    stats.acked++;
  }

  /** One delivery start to finish; one async frame instead of a .catch().finally() chain per message. */
  async function deliver(message: JsMsg): Promise<void> {
    try {
      await handleDelivery(message);
    } catch (error) {
      // handleDelivery() handles its own failures; reaching here is a bug: leave the message unacked so
      // the server redelivers it, and say so loudly.
      log.error({ durable: spec.durable, err: error }, 'consumer bug: message left unacked');
    } finally {
      settle(message);
    }
  }

  // Keeps running handlers' messages from being redelivered while they work.
  const keepAliveEvery = Math.max(250, Math.floor(options.ackWaitMs / 3));
  const keepAlive = setInterval(() => {
    const cutoff = Date.now() - keepAliveEvery;
    for (const [message, started] of running) if (started <= cutoff) message.working();
  }, keepAliveEvery);
  keepAlive.unref();

  function settle(message: JsMsg): void {
    running.delete(message);
    stats.inFlight--;
    if (slotFreed) {
      const wake = slotFreed;
      slotFreed = undefined;
      wake();
    }
    if (stats.inFlight === 0 && idle) idle();
  }

  const loop = (async () => {
    for await (const message of messages) {
      while (stats.inFlight >= options.concurrency && !stopping) {
        await new Promise<void>((resolve) => {
          slotFreed = resolve;
        });
      }
      if (stopping) {
        // Pulled before stop() took effect: hand it back for immediate redelivery elsewhere.
        message.nak();
        continue;
      }
      stats.inFlight++;
      running.set(message, Date.now());
      void deliver(message);
    }
  })();
  loop.catch((error: unknown) => {
    log.error({ durable: spec.durable, err: error }, 'consumer stopped with an error');
  });

  (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed' || status.type === 'consumer_not_found' || status.type === 'stream_not_found') {
        log.warn({ durable: spec.durable, status }, 'consumer status');
      } else {
        log.debug({ durable: spec.durable, status: status.type }, 'consumer status');
      }
    }
  })().catch((error: unknown) => {
    log.error({ durable: spec.durable, err: error }, 'consumer status watcher stopped');
  });

  log.info({ stream: spec.stream, durable: spec.durable, concurrency: options.concurrency }, 'consumer started');

  let stopped: Promise<void> | undefined;
  return {
    durable: spec.durable,
    stats,
    stop(graceMs = 30_000) {
      stopped ??= (async () => {
        stopping = true;
        messages.stop();
        slotFreed?.();
        await loop.catch(() => undefined); // its error was logged above
        if (stats.inFlight > 0) {
          const drained = new Promise<void>((resolve) => {
            idle = resolve;
          });
          const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, graceMs, 'timeout').unref());
          if ((await Promise.race([drained, timer])) === 'timeout') {
            log.warn({ durable: spec.durable, inFlight: stats.inFlight }, 'stop: handlers still running; they will be redelivered');
          }
        }
        clearInterval(keepAlive);
        // Acks are buffered writes on the connection: a flush makes sure the server has them.
        bus.outbox.flush();
        try {
          await bus.nc.flush();
        } catch (error) {
          log.warn({ durable: spec.durable, err: error }, 'stop: flushing acks failed; unacked messages will be redelivered');
        }
        log.info({ durable: spec.durable, ...stats }, 'consumer stopped');
      })();
      return stopped;
    },
  };
}

/** Throws unless `value` is a usable durable name (JetStream names: no dots, spaces or wildcards). */
export function assertDurableName(value: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new RigError('BUS_CONSUMER_NAME', `consumer name ${JSON.stringify(value)} is not valid`, {
      where: 'durable',
      hint: 'use 1-64 letters, digits, - and _',
      exitCode: 2,
    });
  }
}
