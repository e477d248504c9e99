/**
 * iso8583-client: the issuer-facing side. Keeps persistent TCP connection(s) to an issuer or network
 * host, signs on (0800, DE 70=001) and echoes periodically (0800, DE 70=301), sends each request from
 * `in` and pairs the answer with it by correlation key (match.ts). Answers go to `out` carrying the
 * request's headers (so a server's reply routing survives the round trip); a request with no answer
 * within `timeout_ms` goes to `error` with `reason=timeout`.
 *
 * Connections reconnect with exponential backoff and jitter; requests that arrive while no connection
 * is ready wait (bounded) and fail with `reason=not-connected` if none comes up in time. Requests in
 * flight on a connection that drops fail at once with `reason=connection-lost` — never silently lost,
 * never resent (a payment must not be sent twice without the flow deciding so).
 *
 * Requests (and network messages) for one connection within an event-loop turn leave in one socket
 * write (FrameWriter), in the order they were sent; a request's timeout runs from when it was queued.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { z } from 'zod';
import { RigError } from '../../pkg/errors/index.ts';
import { ERROR_PORT, type GearContext, type GearDescriptor, type GearInstance } from '../../pkg/gear/descriptor.ts';
import { isoDateTimeFields } from '../../pkg/iso8583/datetime.ts';
import { FrameWriter } from '../../pkg/iso8583/frame-writer.ts';
import { encodeFrame, FrameDecoder, type ResolvedFraming, resolveFraming } from '../../pkg/iso8583/framing.ts';
import { type IsoFieldValue, type IsoMessage, type IsoSpec, pack, unpack } from '../../pkg/iso8583/index.ts';
import { correlator, isRequestMti, responseMti } from '../../pkg/iso8583/match.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import {
  CARRIES,
  correlationConfig,
  correlationOptions,
  errorHeaders,
  framingConfig,
  framingOptions,
  ISO_HEADERS,
  ISO_TYPES,
  payloadMessage,
  resolveSpec,
  specConfig,
} from '../iso8583-parse/common.ts';

const networkMessage = z.strictObject({
  mti: z.string().regex(/^[0-9]{4}$/).default('0800'),
  /** Field values by data element number; the STAN and transmission time are filled in automatically. */
  fields: z.record(z.string().regex(/^[0-9]+$/), z.string()),
});

export const clientConfig = z.strictObject({
  host: z.string().min(1).describe('issuer host name or address'),
  port: z.number().int().min(1).max(65535).describe('issuer TCP port'),
  spec: specConfig,
  framing: framingConfig,
  correlation: correlationConfig,
  frame_header: z
    .string()
    .regex(/^([0-9A-Fa-f]{2})*$/)
    .optional()
    .describe('fixed header written before each request (hex, framing.header_length bytes), e.g. a TPDU'),
  connections: z.number().int().min(1).max(64).default(1).describe('parallel persistent connections (round robin)'),
  timeout_ms: z.number().int().min(1).default(30_000).describe('a request without response after this goes to error (reason=timeout)'),
  connect_timeout_ms: z.number().int().min(1).default(5000),
  reconnect: z
    .strictObject({
      initial_ms: z.number().int().min(1).default(200),
      max_ms: z.number().int().min(1).default(30_000),
      factor: z.number().min(1).default(2),
      jitter: z.number().min(0).max(1).default(0.2).describe('± fraction of each delay, so many racks do not reconnect in step'),
    })
    .prefault({}),
  sign_on: z
    .strictObject({ enabled: z.boolean().default(false), message: networkMessage.prefault({ fields: { '70': '001' } }) })
    .prefault({}),
  echo: z
    .strictObject({
      interval_ms: z.number().int().min(0).default(0).describe('0 = no echo test'),
      message: networkMessage.prefault({ fields: { '70': '301' } }),
    })
    .prefault({}),
  network: z
    .strictObject({
      stan_field: z.number().int().min(2).max(192).default(11),
      datetime_field: z.number().int().min(2).max(192).nullable().default(7).describe('MMDDhhmmss (UTC) in network messages; null = none'),
      answer_requests: z.boolean().default(true).describe('answer 08x0 requests from the issuer with 08x0+10, DE 39=00'),
    })
    .prefault({}),
  max_pending: z.number().int().min(1).default(10_000).describe('requests in flight or waiting; beyond it new ones go to error (reason=overloaded)'),
  drain_timeout_ms: z.number().int().min(0).default(5000).describe('on stop, how long to wait for outstanding responses'),
});
export type ClientConfig = z.infer<typeof clientConfig>;

type LinkState = 'connecting' | 'signing-on' | 'ready' | 'down';

interface Link {
  index: number;
  state: LinkState;
  socket: Socket | undefined;
  /** Writes to `socket`; every frame for this connection goes through it (batched per turn, in order). */
  writer: FrameWriter | undefined;
  decoder: FrameDecoder;
  attempt: number;
  pendingKeys: Set<string>;
  echoTimer: NodeJS.Timeout | undefined;
  reconnectTimer: NodeJS.Timeout | undefined;
}

/** How a request ended: its response, or why there is none. */
type Outcome = { message: IsoMessage; key: string } | { reason: string; error?: unknown };

type Pending =
  | { kind: 'request'; envelope: Envelope; link: Link; timer: NodeJS.Timeout; done: (outcome: Outcome) => void }
  | { kind: 'network'; resolve: (message: IsoMessage) => void; reject: (error: Error) => void; link: Link; timer: NodeJS.Timeout };

interface Queued {
  key: string;
  envelope: Envelope;
  /** The request framed for the wire (length prefix, header). */
  frame: Buffer;
  timer: NodeJS.Timeout;
  done: (outcome: Outcome) => void;
}

export class IsoClientGear implements GearInstance {
  private readonly spec: IsoSpec;
  private readonly framing: ResolvedFraming;
  private readonly header: Buffer | undefined;
  private readonly keyOf: (message: IsoMessage) => string;
  private readonly links: Link[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly queue = new Map<string, Queued>();
  private readonly readyWaiters = new Set<() => void>();
  private roundRobin = 0;
  private stan = 0;
  private stopping = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly context: GearContext,
  ) {
    this.spec = resolveSpec(config.spec);
    this.framing = resolveFraming(framingOptions(config.framing));
    this.keyOf = correlator(correlationOptions(config.correlation));
    if (this.framing.kind === 'none') {
      throw new RigError('ISO_GEAR_CONFIG', 'iso8583-client keeps connections open, so it needs a length-prefixed framing', {
        where: 'framing.kind',
        hint: 'use binary2 or ascii4 (what the issuer expects)',
        exitCode: 2,
      });
    }
    this.header = config.frame_header === undefined ? undefined : Buffer.from(config.frame_header, 'hex');
    if ((this.header?.length ?? 0) !== this.framing.headerLength) {
      throw new RigError('ISO_GEAR_CONFIG', `frame_header must be ${this.framing.headerLength} bytes (framing.header_length), got ${this.header?.length ?? 0}`, {
        where: 'frame_header',
        exitCode: 2,
      });
    }
  }

  /** How many connections are signed on and usable, and what is outstanding (tests, health output). */
  stats(): { ready: number; pending: number; queued: number } {
    return { ready: this.links.filter((link) => link.state === 'ready').length, pending: this.pending.size, queued: this.queue.size };
  }

  /** Opens the connections; returns once one is ready or connect_timeout_ms has passed (never throws for a down issuer). */
  async start(): Promise<void> {
    for (let index = 0; index < this.config.connections; index++) {
      const link: Link = {
        index,
        state: 'down',
        socket: undefined,
        writer: undefined,
        decoder: new FrameDecoder(this.framing),
        attempt: 0,
        pendingKeys: new Set(),
        echoTimer: undefined,
        reconnectTimer: undefined,
      };
      this.links.push(link);
      this.connect(link);
    }
    if (!(await this.whenReady(this.config.connect_timeout_ms))) {
      this.context.log.warn({ host: this.config.host, port: this.config.port }, 'iso8583-client: no connection ready yet; requests wait and retry');
    }
  }

  /** Resolves true once at least one connection is ready, false after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.links.some((link) => link.state === 'ready')) return Promise.resolve(true);
    const { signal } = this.context;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (ready: boolean) => {
        clearTimeout(timer);
        this.readyWaiters.delete(wake);
        signal.removeEventListener('abort', aborted);
        resolve(ready);
      };
      const wake = () => settle(true);
      const aborted = () => settle(false);
      const timer = setTimeout(aborted, timeoutMs);
      this.readyWaiters.add(wake);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  /**
   * Resolves only once the request's outcome (the response, or the reason there is none) has been
   * emitted and accepted by the host. A rack therefore acks the request after the response is safely
   * on its way: a crash in between redelivers the request instead of losing the answer.
   */
  async handle(port: string, envelope: Envelope): Promise<void> {
    if (port !== 'in') throw new Error(`iso8583-client has no input port ${port}`);
    const outcome = await this.exchange(envelope);
    if ('message' in outcome) {
      const { message, key } = outcome;
      await this.context.emit('out', this.context.envelope(message, { parent: envelope, type: ISO_TYPES.message, subject: key, headers: { [ISO_HEADERS.correlation]: key } }));
    } else {
      await this.context.emit(ERROR_PORT, this.failure(envelope, outcome.reason, outcome.error));
    }
  }

  /**
   * Sends the request (now, or once a link is ready) and resolves with how it ended. Not async: an
   * async function returning this promise would add two promises and a microtask per request.
   */
  private exchange(envelope: Envelope): Promise<Outcome> {
    if (this.stopping) return Promise.resolve({ reason: 'stopping' });
    let key: string;
    let frame: Buffer;
    try {
      const message = payloadMessage(envelope.data, 'iso8583-client');
      key = this.keyOf(message);
      // Framed here, not at the write: a message too large for the framing is invalid, not a lost link.
      frame = encodeFrame(pack(message, this.spec), this.framing, this.header);
    } catch (error) {
      return Promise.resolve({ reason: 'invalid-message', error });
    }
    if (this.pending.has(key) || this.queue.has(key)) return Promise.resolve({ reason: 'duplicate-request' });
    if (this.pending.size + this.queue.size >= this.config.max_pending) return Promise.resolve({ reason: 'overloaded' });
    return new Promise<Outcome>((done) => {
      const link = this.readyLink();
      if (!link) {
        const timer = setTimeout(() => {
          if (this.queue.delete(key)) done({ reason: 'not-connected' });
        }, this.config.timeout_ms);
        this.queue.set(key, { key, envelope, frame, timer, done });
        return;
      }
      this.send(link, key, envelope, frame, done);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const queued of this.queue.values()) {
      clearTimeout(queued.timer);
      queued.done({ reason: 'stopping' });
    }
    this.queue.clear();
    if (this.pending.size > 0 && this.config.drain_timeout_ms > 0) {
      const drained = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
      const timer = setTimeout(() => this.drained?.(), this.config.drain_timeout_ms);
      await drained;
      clearTimeout(timer);
    }
    const closing: Promise<unknown>[] = [];
    for (const link of this.links) {
      clearInterval(link.echoTimer);
      clearTimeout(link.reconnectTimer);
      const socket = link.socket;
      link.writer?.flush();
      if (socket && !socket.destroyed) {
        closing.push(once(socket, 'close'));
        socket.end();
        socket.destroySoon();
      }
    }
    await Promise.all(closing);
  }

  /* ---------------------------------------------------------------------------------------------------- */

  /**
   * The connection for the next request. Requests of one event-loop turn share a connection, the one
   * whose writer is still gathering this turn's frames: they leave in one write and the issuer can
   * answer them in one. The next turn goes on to the next ready connection (round robin), so every
   * connection carries traffic. (Per request, the example switch made two write and two read system
   * calls per authorisation where one of each does.)
   */
  private readyLink(): Link | undefined {
    const current = this.links[(this.roundRobin + this.links.length - 1) % this.links.length];
    if (current?.state === 'ready' && current.writer?.gathering) return current;
    const count = this.links.length;
    for (let i = 0; i < count; i++) {
      const link = this.links[(this.roundRobin + i) % count] as Link;
      if (link.state === 'ready') {
        this.roundRobin = (this.roundRobin + i + 1) % count;
        return link;
      }
    }
    return undefined;
  }

  private send(link: Link, key: string, envelope: Envelope, frame: Buffer, done: (outcome: Outcome) => void): void {
    // A plain function with a `then`, not an async one awaited by a `catch`: two promises fewer per request.
    let written: Promise<boolean>;
    try {
      const writer = link.writer as FrameWriter;
      const timer = setTimeout(() => this.timedOut(key), this.config.timeout_ms);
      this.pending.set(key, { kind: 'request', envelope, link, timer, done });
      link.pendingKeys.add(key);
      written = writer.send(frame);
    } catch (error) {
      done({ reason: 'connection-lost', error });
      return;
    }
    // Not written means the connection went away before this turn's write: the request never left.
    written.then((ok) => {
      if (!ok) this.connectionLost(key);
    });
  }

  private connect(link: Link): void {
    if (this.stopping) return;
    link.state = 'connecting';
    link.decoder = new FrameDecoder(this.framing);
    const socket = connect({ host: this.config.host, port: this.config.port, noDelay: true });
    link.socket = socket;
    link.writer = new FrameWriter(socket);
    socket.setTimeout(this.config.connect_timeout_ms, () => {
      if (link.state === 'connecting') socket.destroy(new Error(`connect timed out after ${this.config.connect_timeout_ms} ms`));
    });
    socket.on('connect', () => {
      socket.setTimeout(0);
      this.connected(link).catch((error: unknown) => {
        this.context.log.error({ link: link.index, err: String(error) }, 'iso8583-client: sign-on failed; reconnecting');
        socket.destroy();
      });
    });
    socket.on('data', (chunk: Buffer) => this.receive(link, chunk));
    socket.on('error', (error) => this.context.log.warn({ link: link.index, host: this.config.host, port: this.config.port, err: error.message }, 'iso8583-client connection error'));
    socket.on('close', () => this.closed(link, socket));
  }

  private async connected(link: Link): Promise<void> {
    this.context.log.info({ link: link.index, host: this.config.host, port: this.config.port }, 'iso8583-client connected');
    if (this.config.sign_on.enabled) {
      link.state = 'signing-on';
      const answer = await this.network(link, this.config.sign_on.message);
      if (answer.fields[39] !== '00') {
        throw new RigError('ISO_SIGN_ON_REFUSED', `issuer answered sign-on with DE 39=${JSON.stringify(answer.fields[39] ?? null)}`, { where: `link ${link.index}` });
      }
    }
    link.state = 'ready';
    link.attempt = 0;
    if (this.config.echo.interval_ms > 0) {
      link.echoTimer = setInterval(() => {
        this.network(link, this.config.echo.message).catch((error: unknown) => {
          this.context.log.warn({ link: link.index, err: String(error) }, 'iso8583-client: echo test failed; reconnecting');
          link.socket?.destroy();
        });
      }, this.config.echo.interval_ms);
      link.echoTimer.unref();
    }
    for (const wake of [...this.readyWaiters]) wake();
    this.flushQueue();
  }

  /** Requests that waited for a connection go out now, spread over the ready links. */
  private flushQueue(): void {
    for (const queued of [...this.queue.values()]) {
      const link = this.readyLink();
      if (!link) return;
      this.queue.delete(queued.key);
      clearTimeout(queued.timer);
      this.send(link, queued.key, queued.envelope, queued.frame, queued.done);
    }
  }

  /** Send a network management message on `link` and wait for its answer (sign-on, echo). */
  private network(link: Link, template: { mti: string; fields: Record<string, string> }): Promise<IsoMessage> {
    const fields: Record<number, IsoFieldValue> = {};
    for (const [field, value] of Object.entries(template.fields)) fields[Number(field)] = value;
    this.stan = (this.stan % 999_999) + 1;
    fields[this.config.network.stan_field] = String(this.stan).padStart(6, '0');
    if (this.config.network.datetime_field !== null) fields[this.config.network.datetime_field] = isoDateTimeFields(new Date()).transmission;
    const message: IsoMessage = { mti: template.mti, fields };
    const key = this.keyOf(message);
    const bytes = pack(message, this.spec);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.timedOut(key), this.config.timeout_ms);
      this.pending.set(key, { kind: 'network', resolve, reject, link, timer });
      link.pendingKeys.add(key);
      // Not written: the connection is closing, and its close fails this message (connection lost).
      link.writer?.queue(encodeFrame(bytes, this.framing, this.header));
    });
  }

  private receive(link: Link, chunk: Buffer): void {
    let frames: ReturnType<FrameDecoder['push']>;
    try {
      frames = link.decoder.push(chunk);
    } catch (error) {
      this.emitError(this.context.envelope(null, { type: ISO_TYPES.error, headers: errorHeaders('framing-error', error) }));
      link.socket?.destroy();
      return;
    }
    for (const frame of frames) this.response(link, frame.message);
  }

  private response(link: Link, bytes: Buffer): void {
    let message: IsoMessage;
    let key: string;
    try {
      message = unpack(bytes, this.spec);
      key = this.keyOf(message);
    } catch (error) {
      this.emitError(this.context.envelope(Buffer.from(bytes), { type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
      return;
    }
    if (isRequestMti(message.mti)) {
      this.unsolicitedRequest(link, message);
      return;
    }
    const entry = this.pending.get(key);
    if (!entry) {
      this.emitError(this.context.envelope(message, { type: ISO_TYPES.error, subject: key, headers: { ...errorHeaders('unmatched-response'), [ISO_HEADERS.correlation]: key } }));
      return;
    }
    this.settle(key, entry);
    if (entry.kind === 'network') entry.resolve(message);
    else entry.done({ message, key });
  }

  /** The issuer asked us something: answer its echo/sign-on tests; anything else is not ours to answer. */
  private unsolicitedRequest(link: Link, message: IsoMessage): void {
    if (this.config.network.answer_requests && message.mti.slice(1, 2) === '8') {
      const answer: IsoMessage = { mti: responseMti(message.mti), fields: { ...message.fields, 39: '00' } };
      try {
        link.writer?.queue(encodeFrame(pack(answer, this.spec), this.framing, this.header));
      } catch (error) {
        this.emitError(this.context.envelope(message, { type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
      }
      return;
    }
    this.emitError(this.context.envelope(message, { type: ISO_TYPES.error, headers: errorHeaders('unsolicited-request') }));
  }

  private settle(key: string, entry: Pending): void {
    this.pending.delete(key);
    clearTimeout(entry.timer);
    entry.link.pendingKeys.delete(key);
    if (this.pending.size === 0) this.drained?.();
  }

  private timedOut(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.settle(key, entry);
    if (entry.kind === 'network') entry.reject(new RigError('ISO_TIMEOUT', `no answer to a network message within ${this.config.timeout_ms} ms`));
    else entry.done({ reason: 'timeout' });
  }

  /** A request whose frame was never written fails as its connection's other requests do. */
  private connectionLost(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.settle(key, entry);
    if (entry.kind === 'network') entry.reject(new RigError('ISO_CONNECTION_LOST', 'connection closed before the message was written'));
    else entry.done({ reason: 'connection-lost' });
  }

  private closed(link: Link, socket: Socket): void {
    if (link.socket !== socket) return;
    const wasReady = link.state === 'ready';
    link.state = 'down';
    link.socket = undefined;
    link.writer = undefined;
    clearInterval(link.echoTimer);
    link.echoTimer = undefined;
    for (const key of [...link.pendingKeys]) {
      const entry = this.pending.get(key);
      if (!entry) continue;
      this.settle(key, entry);
      if (entry.kind === 'network') entry.reject(new RigError('ISO_CONNECTION_LOST', 'connection closed before the answer'));
      else entry.done({ reason: 'connection-lost' });
    }
    if (this.stopping || this.context.signal.aborted) return;
    const { initial_ms, max_ms, factor, jitter } = this.config.reconnect;
    const base = Math.min(max_ms, initial_ms * factor ** link.attempt);
    const delay = Math.round(base * (1 + jitter * (2 * Math.random() - 1)));
    link.attempt++;
    if (wasReady) this.context.log.warn({ link: link.index, retry_ms: delay }, 'iso8583-client connection lost');
    link.reconnectTimer = setTimeout(() => this.connect(link), delay);
  }

  private failure(envelope: Envelope, reason: string, error?: unknown): Envelope {
    return this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders(reason, error) });
  }

  private emitError(envelope: Envelope): void {
    this.context.emit(ERROR_PORT, envelope).catch((error: unknown) => this.context.log.error({ err: String(error) }, 'iso8583-client: host refused an error message'));
  }
}

export const descriptor: GearDescriptor<ClientConfig> = {
  type: 'iso8583-client',
  summary: 'Issuer-facing ISO 8583 TCP client: persistent connections, sign-on/echo, request/response matching with timeout',
  config: clientConfig,
  inputs: [{ name: 'in', summary: 'requests { mti, fields } to send to the issuer', carries: CARRIES.message }],
  outputs: [
    { name: 'out', summary: 'responses, carrying the request headers plus iso8583-correlation', carries: CARRIES.message },
    { name: ERROR_PORT, summary: 'timeouts, lost connections, invalid or unmatched messages (header reason)' },
  ],
  pure: false,
  create(config, context) {
    return new IsoClientGear(config, context);
  },
};
