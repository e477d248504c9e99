/**
 * iso8583-server: the acquirer-facing TCP listener. Terminals, ATMs and acquirer hosts connect; every
 * framed request is decoded with the spec and emitted on `out` with headers that route its answer back
 * (`iso8583-connection`, `iso8583-correlation`, `iso8583-frame-header`). A response arriving on `reply`
 * is encoded and written to the connection it belongs to.
 *
 * Back-pressure: a connection stops being read (socket paused) while it has `max_in_flight_per_connection`
 * requests without a reply, and every connection is paused while the gear as a whole has `max_in_flight`.
 * The limits are soft by at most the frames of one received chunk. A request without a reply after
 * `reply_timeout_ms` frees its slot and goes to `error` (reason=reply-timeout).
 *
 * Replies to one connection within an event-loop turn leave in one socket write (FrameWriter), in the
 * order they were handed over; `handle` resolves once its reply is written.
 *
 * Never writes a reply to a connection other than the request's; never keeps reading a stream whose
 * framing broke (the connection is closed). Messages are never logged unmasked.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { ERROR_PORT, type GearContext, type GearDescriptor, type GearInstance } from '../../pkg/gear/descriptor.ts';
import { FrameWriter } from '../../pkg/iso8583/frame-writer.ts';
import { encodeFrame, FrameDecoder, type ResolvedFraming, resolveFraming, swapTpdu } from '../../pkg/iso8583/framing.ts';
import { type IsoMessage, type IsoSpec, pack, unpack } from '../../pkg/iso8583/index.ts';
import { correlator } from '../../pkg/iso8583/match.ts';
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

export const serverConfig = z.strictObject({
  host: z.string().min(1).default('0.0.0.0').describe('address to listen on'),
  port: z.number().int().min(0).max(65535).describe('TCP port to listen on (0 = any free port, for tests)'),
  spec: specConfig,
  framing: framingConfig,
  correlation: correlationConfig,
  max_connections: z.number().int().min(1).default(1000).describe('connections beyond this are refused'),
  max_in_flight_per_connection: z.number().int().min(1).default(64).describe('unanswered requests before a connection is paused'),
  max_in_flight: z.number().int().min(1).default(4096).describe('unanswered requests before every connection is paused'),
  reply_timeout_ms: z.number().int().min(1).default(60_000).describe('a request without reply after this frees its slot and goes to error'),
  frame_header_reply: z
    .enum(['echo', 'swap-tpdu'])
    .default('echo')
    .describe('fixed header written with a reply: the request header as is, or the TPDU with addresses swapped'),
  drain_timeout_ms: z.number().int().min(0).default(5000).describe('on stop, how long to wait for outstanding replies'),
});
export type ServerConfig = z.infer<typeof serverConfig>;

interface Connection {
  id: string;
  socket: Socket;
  /** Every reply to this connection goes through it (batched per turn, in order). */
  writer: FrameWriter;
  decoder: FrameDecoder;
  remote: string;
  inFlight: number;
  paused: boolean;
  closed: boolean;
  /** Correlation keys of this connection's unanswered requests. */
  pending: Set<string>;
}

interface InFlight {
  connection: Connection;
  header: Buffer;
  timer: NodeJS.Timeout;
  request: Envelope;
}

/** The running listener; `address()` tells tests (and logs) the bound port. */
export class IsoServerGear implements GearInstance {
  private readonly spec: IsoSpec;
  private readonly framing: ResolvedFraming;
  private readonly keyOf: (message: IsoMessage) => string;
  private readonly connections = new Map<string, Connection>();
  private readonly inFlight = new Map<string, InFlight>();
  private server: Server | undefined;
  private nextConnection = 0;
  /** Highest connection number handed out, so a reply to a closed connection is told from an unknown one. */
  private readonly idPrefix = `c${Date.now().toString(36)}-`;
  private globalInFlight = 0;
  private globallyPaused = false;
  private stopping = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly config: ServerConfig,
    private readonly context: GearContext,
  ) {
    this.spec = resolveSpec(config.spec);
    this.framing = resolveFraming(framingOptions(config.framing));
    this.keyOf = correlator(correlationOptions(config.correlation));
  }

  address(): { host: string; port: number } {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('iso8583-server is not listening');
    return { host: address.address, port: address.port };
  }

  /** Open connections and unanswered requests, for tests and health output. */
  stats(): { connections: number; inFlight: number; paused: number } {
    let paused = 0;
    for (const connection of this.connections.values()) if (connection.paused) paused++;
    return { connections: this.connections.size, inFlight: this.globalInFlight, paused };
  }

  async start(): Promise<void> {
    // Framing `none` means one request per connection, ended by the peer's half-close: keep our side
    // open (allowHalfOpen) so the reply can still be written, then end it.
    const server = createServer({ noDelay: true, allowHalfOpen: this.framing.kind === 'none' }, (socket) => this.accept(socket));
    server.maxConnections = this.config.max_connections;
    this.server = server;
    server.on('error', (error) => this.context.log.error({ err: error.message }, 'iso8583-server listener error'));
    server.listen(this.config.port, this.config.host);
    await once(server, 'listening');
    const { host, port } = this.address();
    this.context.log.info({ host, port }, 'iso8583-server listening');
  }

  // Not async: reply()'s own promise, without two more per answer (async functions cost two under async hooks).
  handle(port: string, envelope: Envelope): Promise<void> {
    if (port !== 'reply') return Promise.reject(new Error(`iso8583-server has no input port ${port}`));
    return this.reply(envelope);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const server = this.server;
    if (server) server.close();
    // No new requests while draining: stop reading every connection, answer what is in flight.
    for (const connection of this.connections.values()) this.pause(connection);
    if (this.globalInFlight > 0 && this.config.drain_timeout_ms > 0) {
      const drained = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
      const timer = setTimeout(() => this.drained?.(), this.config.drain_timeout_ms);
      await drained;
      clearTimeout(timer);
    }
    for (const entry of this.inFlight.values()) clearTimeout(entry.timer);
    this.inFlight.clear();
    const closing = [...this.connections.values()].map((connection) => {
      connection.writer.flush(); // the last replies are still queued for this turn's write
      connection.socket.end();
      connection.socket.destroySoon();
      return once(connection.socket, 'close');
    });
    await Promise.all(closing);
    if (server?.listening) await once(server, 'close');
  }

  /* ---------------------------------------------------------------------------------------------------- */

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection: Connection = {
      id: `${this.idPrefix}${++this.nextConnection}`,
      socket,
      writer: new FrameWriter(socket),
      decoder: new FrameDecoder(this.framing),
      remote: `${socket.remoteAddress}:${socket.remotePort}`,
      inFlight: 0,
      paused: false,
      closed: false,
      pending: new Set(),
    };
    this.connections.set(connection.id, connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    socket.on('end', () => this.endOfStream(connection));
    socket.on('error', (error) => this.context.log.warn({ connection: connection.id, remote: connection.remote, err: error.message }, 'iso8583-server connection error'));
    socket.on('close', () => this.closed(connection));
    if (this.globallyPaused) this.pause(connection);
    this.context.log.debug({ connection: connection.id, remote: connection.remote }, 'iso8583-server connection opened');
  }

  private receive(connection: Connection, chunk: Buffer): void {
    let frames: ReturnType<FrameDecoder['push']>;
    try {
      frames = connection.decoder.push(chunk);
    } catch (error) {
      this.streamBroken(connection, error);
      return;
    }
    for (const frame of frames) this.request(connection, frame.header, frame.message);
  }

  private endOfStream(connection: Connection): void {
    let frames: ReturnType<FrameDecoder['end']>;
    try {
      frames = connection.decoder.end();
    } catch (error) {
      this.streamBroken(connection, error);
      return;
    }
    for (const frame of frames) this.request(connection, frame.header, frame.message);
    // A half-closed `none` connection with nothing to answer has nothing left to wait for.
    if (this.framing.kind === 'none' && connection.inFlight === 0) connection.socket.end();
  }

  /** Framing is out of sync: nothing more on this stream can be trusted, so report and close it. */
  private streamBroken(connection: Connection, error: unknown): void {
    const headers = { ...errorHeaders('framing-error', error), [ISO_HEADERS.connection]: connection.id, [ISO_HEADERS.remote]: connection.remote };
    this.emitError(this.context.envelope(null, { type: ISO_TYPES.error, headers }));
    connection.socket.destroy();
  }

  private request(connection: Connection, header: Buffer, bytes: Buffer): void {
    const baseHeaders: Record<string, string> = { [ISO_HEADERS.connection]: connection.id, [ISO_HEADERS.remote]: connection.remote };
    if (header.length > 0) baseHeaders[ISO_HEADERS.frameHeader] = header.toString('hex').toUpperCase();
    let message: IsoMessage;
    let key: string;
    try {
      message = unpack(bytes, this.spec);
      key = this.keyOf(message);
    } catch (error) {
      // The frame boundary is intact, so only this message is lost: report it and keep the connection.
      this.emitError(this.context.envelope(Buffer.from(bytes), { type: ISO_TYPES.error, headers: { ...baseHeaders, ...errorHeaders('invalid-message', error) } }));
      return;
    }
    baseHeaders[ISO_HEADERS.correlation] = key;
    const envelope = this.context.envelope(message, { type: ISO_TYPES.message, subject: key, headers: baseHeaders });
    if (this.inFlight.has(key)) {
      this.emitError(this.context.envelope(message, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('duplicate-request') }));
      return;
    }
    const timer = setTimeout(() => this.replyTimedOut(key), this.config.reply_timeout_ms);
    timer.unref();
    this.inFlight.set(key, { connection, header: Buffer.from(header), timer, request: envelope });
    connection.pending.add(key);
    connection.inFlight++;
    this.globalInFlight++;
    if (connection.inFlight >= this.config.max_in_flight_per_connection) this.pause(connection);
    if (this.globalInFlight >= this.config.max_in_flight && !this.globallyPaused) {
      this.globallyPaused = true;
      for (const other of this.connections.values()) this.pause(other);
    }
    this.context.emit('out', envelope).catch((error: unknown) => {
      this.context.log.error({ connection: connection.id, correlation: key, err: String(error) }, 'iso8583-server: host refused a request');
      this.release(key);
    });
  }

  private async reply(envelope: Envelope): Promise<void> {
    const headers = envelope.headers ?? {};
    let bytes: Uint8Array;
    let key: string | undefined = headers[ISO_HEADERS.correlation];
    if (envelope.data instanceof Uint8Array) {
      bytes = envelope.data;
    } else {
      try {
        const message = payloadMessage(envelope.data, 'iso8583-server');
        key = this.keyOf(message);
        bytes = pack(message, this.spec);
      } catch (error) {
        this.emitError(this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
        return;
      }
    }
    const entry = key === undefined ? undefined : this.inFlight.get(key);
    if (key !== undefined && !entry) {
      // Already answered, or timed out: a second answer (a redelivered reply after a crash) must never
      // reach the acquirer, who would see one request answered twice.
      this.emitError(this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('no-request-in-flight') }));
      return;
    }
    const connectionId = headers[ISO_HEADERS.connection] ?? entry?.connection.id;
    const connection = connectionId === undefined ? undefined : this.connections.get(connectionId);
    if (!connection || connection.closed) {
      if (key !== undefined && entry && entry.connection.id === connectionId) this.release(key);
      const reason = connectionId !== undefined && this.wasOurs(connectionId) ? 'connection-closed' : 'unknown-connection';
      this.emitError(this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders(reason) }));
      return;
    }
    const requestHeader = entry?.connection === connection ? entry.header : Buffer.from(headers[ISO_HEADERS.frameHeader] ?? '', 'hex');
    let frame: Buffer;
    try {
      frame = encodeFrame(bytes, this.framing, this.replyHeader(requestHeader));
    } catch (error) {
      this.emitError(this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('invalid-message', error) }));
      return;
    }
    if (key !== undefined && entry?.connection === connection) this.release(key);
    if (this.framing.kind === 'none') {
      // The reply is the whole answer on this connection: ending the stream is what delimits it.
      connection.socket.end(frame);
      return;
    }
    // Resolving only once the frame is written passes the peer's slowness back to whoever sends
    // replies, and lets the host ack the reply only after it left. A connection that closed before
    // this turn's write gets nothing, and the reply is reported like any reply to a closed connection.
    if (!(await connection.writer.send(frame))) {
      this.emitError(this.context.envelope(envelope.data, { parent: envelope, type: ISO_TYPES.error, headers: errorHeaders('connection-closed') }));
    }
  }

  private replyHeader(requestHeader: Buffer): Buffer | undefined {
    if (this.framing.headerLength === 0) return undefined;
    return this.config.frame_header_reply === 'swap-tpdu' ? swapTpdu(requestHeader) : requestHeader;
  }

  private wasOurs(connectionId: string): boolean {
    if (!connectionId.startsWith(this.idPrefix)) return false;
    const number = Number(connectionId.slice(this.idPrefix.length));
    return Number.isInteger(number) && number >= 1 && number <= this.nextConnection;
  }

  private replyTimedOut(key: string): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.release(key);
    this.emitError(this.context.envelope(entry.request.data, { parent: entry.request, type: ISO_TYPES.error, headers: errorHeaders('reply-timeout') }));
  }

  /** Free a request's slot and resume reading where the limits allow it again. */
  private release(key: string): void {
    const entry = this.inFlight.get(key);
    if (!entry) return;
    this.inFlight.delete(key);
    clearTimeout(entry.timer);
    const { connection } = entry;
    if (connection.pending.delete(key) && !connection.closed) {
      connection.inFlight--;
      this.globalInFlight--;
    }
    if (this.globallyPaused && this.globalInFlight < this.config.max_in_flight) {
      this.globallyPaused = false;
      for (const other of this.connections.values()) this.resumeIfAllowed(other);
    } else {
      this.resumeIfAllowed(connection);
    }
    if (this.globalInFlight === 0) this.drained?.();
  }

  private pause(connection: Connection): void {
    if (connection.paused || connection.closed) return;
    connection.paused = true;
    connection.socket.pause();
  }

  private resumeIfAllowed(connection: Connection): void {
    if (!connection.paused || connection.closed || this.globallyPaused || this.stopping) return;
    if (connection.inFlight >= this.config.max_in_flight_per_connection) return;
    connection.paused = false;
    connection.socket.resume();
  }

  private closed(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    this.connections.delete(connection.id);
    // Its unanswered requests no longer hold the gear back; a late reply to them goes to error.
    this.globalInFlight -= connection.inFlight;
    connection.inFlight = 0;
    if (this.globallyPaused && this.globalInFlight < this.config.max_in_flight) {
      this.globallyPaused = false;
      for (const other of this.connections.values()) this.resumeIfAllowed(other);
    }
    if (this.globalInFlight === 0) this.drained?.();
    this.context.log.debug({ connection: connection.id, remote: connection.remote, unanswered: connection.pending.size }, 'iso8583-server connection closed');
  }

  private emitError(envelope: Envelope): void {
    this.context.emit(ERROR_PORT, envelope).catch((error: unknown) => this.context.log.error({ err: String(error) }, 'iso8583-server: host refused an error message'));
  }
}

export const descriptor: GearDescriptor<ServerConfig> = {
  type: 'iso8583-server',
  summary: 'Acquirer-facing ISO 8583 TCP listener: framed requests out, replies routed back to their connection',
  config: serverConfig,
  inputs: [{ name: 'reply', summary: 'responses to write back (message or bytes), routed by the iso8583-connection header', carries: CARRIES.message, feeds: [ERROR_PORT] }],
  outputs: [
    { name: 'out', summary: 'decoded requests with iso8583-connection / iso8583-correlation headers', carries: CARRIES.message },
    { name: ERROR_PORT, summary: 'invalid messages, framing errors, reply timeouts, replies to closed or unknown connections' },
  ],
  pure: false,
  create(config, context) {
    return new IsoServerGear(config, context);
  },
};
