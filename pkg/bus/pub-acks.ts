/**
 * JetStream publishes with their stream acks matched on one inbox subscription, so any number can be
 * in flight on the connection at once. What nats.js's `js.publish` does per message — a request object,
 * a timer, a Promise.race, and a "cancelled" Error built (stack and all) after every successful ack —
 * is here one map entry and one shared deadline sweep; the profile of the rack's hot path had the
 * request machinery and that Error among its top self-time entries (bench/pipeline/README.md).
 *
 * Same answers as `js.publish`: the stream's PubAck (stream, seq, duplicate), or an error the bus
 * translates like any other: no stream captures the subject (503 no responders), the JetStream API
 * refused (an `error` in the ack), a timeout, a closed connection. A publish made while the client
 * reconnects is sent after the reconnect or times out; publish.ts retries it either way (dedup by
 * `Nats-Msg-Id` makes that safe).
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  NoRespondersError,
  type Subscription,
  TimeoutError,
} from '@nats-io/transport-node';
import type { Outbox } from './outbox.ts';

export interface StreamAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface Waiting {
  resolve(ack: StreamAck): void;
  /** Rejects with a NATS client error; publish.ts translates it. */
  reject(error: Error): void;
  subject: string;
  deadline: number;
}

/** How often expired publishes are looked for; a timeout fires at most this much late. */
const SWEEP_EVERY_MS = 50;

export class PubAcks {
  private readonly inbox: string;
  private subscription: Subscription | undefined;
  private readonly waiting = new Map<string, Waiting>();
  private sequence = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly nc: NatsConnection,
    private readonly outbox: Outbox,
  ) {
    this.inbox = createInbox();
    nc.closed()
      .then(() => this.failAll(new ClosedConnectionError()))
      .catch(() => undefined);
  }

  /**
   * Publishes `bytes` on `subject` with `headers` (Nats-Msg-Id and friends, set by the caller) and
   * resolves with the stream's ack, or rejects after `timeoutMs` without one.
   */
  publish(subject: string, bytes: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<StreamAck> {
    this.subscribe();
    const token = (++this.sequence).toString(36);
    const reply = `${this.inbox}.${token}`;
    return new Promise<StreamAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, subject, deadline: Date.now() + timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
      this.outbox.add(() => {
        if (!this.waiting.has(token)) return; // already timed out or failed
        try {
          this.nc.publish(subject, bytes, { reply, headers });
        } catch (error) {
          this.settle(token)?.reject(error as Error);
        }
      });
    });
  }

  private subscribe(): void {
    if (this.subscription) return;
    this.subscription = this.nc.subscribe(`${this.inbox}.*`, {
      callback: (error, message) => {
        if (error) return; // the subscription ends only with the connection: closed() fails the rest
        this.answer(message);
      },
    });
  }

  private answer(message: Msg): void {
    const token = message.subject.slice(this.inbox.length + 1);
    const waiting = this.settle(token);
    if (!waiting) return; // a late ack for a publish that timed out (and is being retried)
    if (message.data.length === 0 && message.headers?.code === 503) {
      waiting.reject(new NoRespondersError(waiting.subject));
      return;
    }
    let ack: { stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; err_code?: number; description: string } };
    try {
      ack = JSON.parse(this.decoder.decode(message.data));
    } catch (error) {
      waiting.reject(new Error(`unreadable stream ack: ${(error as Error).message}`));
      return;
    }
    if (ack.error) {
      waiting.reject(new JetStreamApiError({ code: ack.error.code, err_code: ack.error.err_code ?? 0, description: ack.error.description }));
    } else if (!ack.stream) {
      waiting.reject(new Error('invalid stream ack: no stream'));
    } else {
      waiting.resolve({ stream: ack.stream, seq: ack.seq ?? 0, duplicate: ack.duplicate === true });
    }
  }

  private settle(token: string): Waiting | undefined {
    const waiting = this.waiting.get(token);
    if (!waiting) return undefined;
    this.waiting.delete(token);
    if (this.waiting.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    return waiting;
  }

  private sweep(): void {
    const now = Date.now();
    // forEach, not for-of: no [key, value] array per entry, and thousands may be waiting.
    this.waiting.forEach((waiting, token) => {
      if (waiting.deadline <= now) this.settle(token)?.reject(new TimeoutError());
    });
  }

  private failAll(error: Error): void {
    for (const token of [...this.waiting.keys()]) this.settle(token)?.reject(error);
  }
}
