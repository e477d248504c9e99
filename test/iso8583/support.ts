/**
 * Test support for the ISO 8583 TCP gears: a small in-test issuer (a real TCP server that answers with
 * whatever the test's handler returns), a framed TCP test client (the "acquirer" or terminal side), and
 * a tiny gear host that wires gear ports to each other. Real sockets on 127.0.0.1 only; nothing here
 * is used outside tests.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { GearContext, GearInstance, GearLogger } from '../../pkg/gear/descriptor.ts';
import { envelopeFactory } from '../../pkg/gear/envelopes.ts';
import { encodeFrame, FrameDecoder, type FramingOptions, type ResolvedFraming, resolveFraming } from '../../pkg/iso8583/framing.ts';
import { type IsoMessage, type IsoSpec, pack, unpack } from '../../pkg/iso8583/index.ts';
import { isRequestMti, responseMti } from '../../pkg/iso8583/match.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

/** A logger that keeps lines for assertions and prints nothing. */
export function memoryLogger(): GearLogger & { lines: { level: string; entry: unknown; message?: string }[] } {
  const lines: { level: string; entry: unknown; message?: string }[] = [];
  const at = (level: string) => (entry: Record<string, unknown> | string, message?: string) => {
    lines.push({ level, entry, ...(message === undefined ? {} : { message }) });
  };
  return { lines, trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export type PortHandler = (envelope: Envelope) => void | Promise<void>;

/**
 * A minimal rack stand-in: one GearContext per gear, `emit` delivers to whatever the test wired to
 * `gearId.port` (another gear's input, or a collector). Unwired ports collect into `emitted`.
 */
export class TestHost {
  private readonly wires = new Map<string, PortHandler>();
  readonly emitted = new Map<string, Envelope[]>();
  /** `gearId.port` that `context.wired` reports as unwired (what is emitted there is still collected). */
  readonly unwired = new Set<string>();
  readonly abort = new AbortController();
  private counter = 0;

  context(gearId: string): GearContext & { log: ReturnType<typeof memoryLogger> } {
    const envelope = envelopeFactory({ nextId: () => String(++this.counter), scenario: 'test', gearId, sourcePrefix: 'test-host' });
    return {
      scenario: 'test',
      gearId,
      log: memoryLogger(),
      signal: this.abort.signal,
      envelope,
      // Every port is wired to a function or collected here, unless the test unwires it.
      wired: (port) => !this.unwired.has(`${gearId}.${port}`),
      emit: async (port, message) => {
        const wire = this.wires.get(`${gearId}.${port}`);
        if (wire) {
          await wire(message);
          return;
        }
        const list = this.emitted.get(`${gearId}.${port}`);
        if (list) list.push(message);
        else this.emitted.set(`${gearId}.${port}`, [message]);
      },
    };
  }

  /** Deliver what `from` (`gearId.port`) emits to an input port of a gear instance, or to a function. */
  wire(from: string, to: PortHandler | { instance: GearInstance; port: string }): void {
    const handler: PortHandler =
      typeof to === 'function'
        ? to
        : async (envelope) => {
            await to.instance.handle?.(to.port, envelope);
          };
    this.wires.set(from, handler);
  }

  out(from: string): Envelope[] {
    return this.emitted.get(from) ?? [];
  }
}

/** Poll until `condition` holds (or fail after `timeoutMs` with `what`). For waiting on socket effects. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export type IssuerHandler = (request: IsoMessage, connection: Socket) => IsoMessage | null | undefined;

/** Answer a request with its fields echoed back, the response MTI and DE 39 = 00: an approval. */
export function approve(request: IsoMessage): IsoMessage {
  return { mti: responseMti(request.mti), fields: { ...request.fields, 39: '00' } };
}

/** The issuer's default: approve requests, never answer responses (which would ping-pong forever). */
export function approveRequests(request: IsoMessage): IsoMessage | null {
  return isRequestMti(request.mti) ? approve(request) : null;
}

/** A real TCP issuer on 127.0.0.1: decodes every framed request and writes back the handler's answer. */
export class TestIssuer {
  readonly received: IsoMessage[] = [];
  readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private readonly framing: ResolvedFraming;
  port = 0;

  constructor(
    private readonly spec: IsoSpec,
    framing: FramingOptions,
    public handler: IssuerHandler = approveRequests,
  ) {
    this.framing = resolveFraming(framing);
  }

  async listen(port = 0): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      const decoder = new FrameDecoder(this.framing);
      socket.on('data', (chunk: Buffer) => {
        const out: Buffer[] = [];
        for (const frame of decoder.push(chunk)) {
          const request = unpack(frame.message, this.spec);
          this.received.push(request);
          const answer = this.handler(request, socket);
          if (answer) out.push(encodeFrame(pack(answer, this.spec), this.framing, frame.header));
        }
        if (out.length > 0 && !socket.destroyed) socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
      });
    });
    this.server = server;
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    return this.port;
  }

  /** Drop every client connection (the server keeps listening). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.close();
    await once(server, 'close');
  }
}

/** The acquirer / terminal side: a framed TCP client that sends messages and collects the answers. */
export class TestTerminal {
  readonly received: { header: Buffer; message: IsoMessage }[] = [];
  readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly framing: ResolvedFraming;
  closed = false;

  private constructor(
    socket: Socket,
    private readonly spec: IsoSpec,
    framing: ResolvedFraming,
  ) {
    this.socket = socket;
    this.framing = framing;
    this.decoder = new FrameDecoder(framing);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.received.push({ header: Buffer.from(frame.header), message: unpack(frame.message, this.spec) });
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static async connect(port: number, spec: IsoSpec, framing: FramingOptions): Promise<TestTerminal> {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    return new TestTerminal(socket, spec, resolveFraming(framing));
  }

  frame(message: IsoMessage, header?: Uint8Array): Buffer {
    return encodeFrame(pack(message, this.spec), this.framing, header);
  }

  send(message: IsoMessage, header?: Uint8Array): boolean {
    return this.socket.write(this.frame(message, header));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.socket.end();
    this.socket.destroySoon();
    await once(this.socket, 'close');
  }
}

/** A typical 0200 purchase request with the given STAN (and matching RRN). */
export function purchase(stan: number, terminal = 'TERM0001'): IsoMessage {
  const six = String(stan).padStart(6, '0');
  return {
    mti: '0200',
    fields: {
      2: '4111111111111111',
      3: '000000',
      4: '000000001000',
      7: '1123120000',
      11: six,
      12: '120000',
      13: '1123',
      32: '123456',
      37: `000000${six}`,
      41: terminal,
      42: 'MERCHANT0000001',
      49: '978',
    },
  };
}
