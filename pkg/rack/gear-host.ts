/**
 * Hosts one gear of one scenario on a rack: creates the instance, feeds each wired input port from its
 * own durable JetStream consumer, and publishes what the gear emits to every wire leaving that port.
 *
 * Delivery rules (DESIGN §3):
 * - A message is acked only after the gear's handle() resolved, i.e. after everything it emitted was
 *   stored by JetStream.
 * - What a gear emits while handling message X is published with the dedup key
 *   `<X.id>/<gear>/<port>/<n>/<wire>`, so when X is redelivered after a crash the same outputs are
 *   dropped by the stream as duplicates: effectively once.
 * - A handler that throws sends the message to the gear's `error` port (headers say why) when that port
 *   is wired; otherwise the consumer retries with backoff and finally dead-letters it with the reason.
 * - A fused wire (fusion.ts) is not published to: the message is handed to the receiving gear's host on this
 *   rack (`runFused`), which handles it inside the producer's handling with its own span, metrics and
 *   error port, and `<dedup key of the skipped publish>` in place of the message id. The producer's
 *   input is acked once the whole chain's final outputs are stored; a redelivery replays the chain.
 */
import { createHash } from 'node:crypto';
import { type Context, createContextKey, isSpanContextValid, context as otelContext, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Bus, RunningConsumer } from '../bus/index.ts';
import { isRigError } from '../errors/index.ts';
import { ERROR_PORT, type GearContext, type GearDescriptor, type GearInstance } from '../gear/descriptor.ts';
import { emittedCopy, envelopeFactory } from '../gear/envelopes.ts';
import type { Logger } from '../log/index.ts';
import { maskText } from '../log/index.ts';
import type { GearRunState } from '../mixer/records.ts';
import type { ScenarioGear } from '../scenario/model.ts';
import type { FusedInput } from './fusion.ts';
import { INSTRUMENTATION_NAME } from '../telemetry/otel.ts';
import { type GearOutcome, type GearPortMetrics, gearPortMetrics } from '../telemetry/gear-metrics.ts';
import { contextWith, ensureContextManager } from '../telemetry/context-manager.ts';
import { injectTraceparent, startProcessSpan, unsampledSpan } from '../telemetry/propagation.ts';
import { ATTR, messagingAttributes } from '../telemetry/semconv.ts';
import type { Envelope } from '../wire/envelope.ts';

export const ERROR_HEADERS = { code: 'fluxrig-error-code', message: 'fluxrig-error-message', gear: 'fluxrig-error-gear' } as const;

/** Where the messages of one port travel: wire name and subject. */
export interface WireEnd {
  wire: string;
  subject: string;
  /** Set when this rack runs the wire in process: the pure gear and input port that take its messages. */
  fused?: FusedInput;
}

export interface GearHostOptions {
  bus: Bus;
  scenario: string;
  gear: ScenarioGear;
  descriptor: GearDescriptor;
  /** Wires leaving each output port; read on every emit, so a reconfigured scenario takes effect at once. */
  outputs: () => ReadonlyMap<string, readonly WireEnd[]>;
  /** Wires arriving at each input port (fixed for the life of this host). */
  inputs: ReadonlyMap<string, readonly WireEnd[]>;
  nextId: () => string;
  rack: string;
  logger: Logger;
  /** Messages handled at once per input port. */
  concurrency: number;
  /** The host of another gear of this scenario on this rack, to hand fused wires' messages to. */
  peer?: (gearId: string) => GearHost | undefined;
}

/** The global OTel tracer: a no-op until the process starts telemetry (pkg/telemetry/otel.ts). */
const tracer = trace.getTracer(INSTRUMENTATION_NAME);

/** MTI and DE 39 of an ISO 8583 message payload, for span attributes. */
function isoSummary(data: unknown): { mti?: string; responseCode?: string } {
  if (data === null || typeof data !== 'object' || data instanceof Uint8Array) return {};
  const { mti, fields } = data as { mti?: unknown; fields?: Record<string, unknown> };
  if (typeof mti !== 'string') return {};
  const code = fields?.[39];
  return typeof code === 'string' ? { mti, responseCode: code } : { mti };
}

/** What the telemetry of one input port says on every message, found once per port. */
interface PortLabels {
  /** `fluxrig.gear.messages` and `fluxrig.gear.duration` of this port (pkg/telemetry/gear-metrics.ts). */
  metrics: GearPortMetrics;
  /** `messaging.consumer.group.name` of the process span (the durable consumer's name). */
  consumerGroup: string;
}

/**
 * The message a gear host is handling, for the dedup keys of what the gear emits meanwhile. It rides
 * in the OpenTelemetry context (the process's one AsyncLocalStorage, pkg/telemetry/context-manager.ts),
 * so it follows the gear's awaits like the active span does: on Node 20 an AsyncLocalStorage of its
 * own would add its own work to every promise in the process (with one, the switch paid as much again
 * for it as for telemetry's; bench/switch/README.md). A fused gear runs inside its producer's
 * delivery, so scopes nest: each names its host and the one it was opened in, and a host looks up its
 * own.
 */
interface DeliveryScope {
  host: GearHost;
  inputId: string;
  /**
   * Messages emitted so far per output port. Most deliveries emit on one port, so that port's count
   * lives in the scope itself and a Map is made only for a second port (see nextEmitIndex).
   */
  firstPort: string | undefined;
  firstPortCount: number;
  otherPorts: Map<string, number> | undefined;
  outer: DeliveryScope | undefined;
}

const DELIVERY = createContextKey('fluxrig delivery scope');

function deliveryIn(ctx: Context): DeliveryScope | undefined {
  return ctx.getValue(DELIVERY) as DeliveryScope | undefined;
}

/** The innermost delivery of `host` in the current async context, if any. */
function deliveryOf(host: GearHost): DeliveryScope | undefined {
  let scope = deliveryIn(otelContext.active());
  while (scope !== undefined && scope.host !== host) scope = scope.outer;
  return scope;
}

/** The index of the next message `scope`'s delivery emits on `port`: 0, 1, … per port. */
function nextEmitIndex(scope: DeliveryScope, port: string): number {
  if (scope.firstPort === undefined) scope.firstPort = port;
  if (scope.firstPort === port) return scope.firstPortCount++;
  scope.otherPorts ??= new Map();
  const n = scope.otherPorts.get(port) ?? 0;
  scope.otherPorts.set(port, n + 1);
  return n;
}

/** Where a handled message came from, for its `process` span and `messages` row. */
interface Arrival {
  subject: string;
  /** Encoded size; absent for a fused wire, where nothing was encoded. */
  size?: number;
  fused: boolean;
  /** Fused: the producer's trace context the envelope's `traceparent` was written from. */
  parent?: Context;
}

/**
 * Dedup keys grow by `/<gear>/<port>/<n>/<wire>` per fused gear; an envelope id (which a fallback
 * publish uses, see `handOver`) may hold 128 characters (pkg/wire/codec.ts). Longer keys are replaced
 * by a digest: still the same for the same input and path. (The limit was 96 until the example
 * switch's Mastercard path, four fused steps and 109 characters, spent 1.2 % of its CPU in SHA-256.)
 */
export const MAX_PLAIN_KEY = 128;

export function boundedKey(key: string): string {
  return key.length <= MAX_PLAIN_KEY ? key : `fused-${createHash('sha256').update(key).digest('base64url')}`;
}

export class GearHost {
  readonly gearId: string;
  state: GearRunState = 'starting';
  error: string | undefined;
  private instance: GearInstance | undefined;
  private readonly consumers: RunningConsumer[] = [];
  private readonly abort = new AbortController();
  private readonly log: Logger;
  /** Per input port: its metric series and span labels, found once. */
  private readonly portLabels = new Map<string, PortLabels>();
  private readonly processSpanName: string;
  private readonly sendSpanName: string;

  constructor(private readonly options: GearHostOptions) {
    this.gearId = options.gear.id;
    this.processSpanName = `${options.gear.id} process`;
    this.sendSpanName = `${options.gear.id} send`;
    this.log = options.logger.child({ scenario: options.scenario, gear: options.gear.id, gear_type: options.gear.type });
  }

  /** True for gears that produce on their own (listeners, generators, connections): they stop first. */
  get isSource(): boolean {
    return typeof this.instance?.start === 'function';
  }

  async start(): Promise<void> {
    const { descriptor, gear } = this.options;
    ensureContextManager(); // delivery scopes ride in the context, with telemetry or without
    try {
      const config = descriptor.config.parse(gear.config);
      this.instance = descriptor.create(config, this.context());
      for (const [port, wires] of this.options.inputs) {
        if (wires.length === 0) continue;
        this.consumers.push(await this.consumeInput(port, wires));
      }
      await this.instance.start?.();
      this.state = 'running';
      this.log.debug({ inputs: [...this.options.inputs.keys()] }, 'gear running');
    } catch (error) {
      this.state = 'failed';
      this.error = describe(error);
      this.log.error({ err: this.error }, 'gear failed to start');
      await this.stopConsumers();
      throw error;
    }
  }

  /** Sources: stop producing first, while their reply consumers still run; others: drain input, then stop. */
  async stop(graceMs: number): Promise<void> {
    this.state = 'stopping';
    this.abort.abort();
    if (this.isSource) {
      await this.instance?.stop?.();
      await this.stopConsumers(graceMs);
    } else {
      await this.stopConsumers(graceMs);
      await this.instance?.stop?.();
    }
  }

  private async stopConsumers(graceMs?: number): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop(graceMs)));
  }

  private consumeInput(port: string, wires: readonly WireEnd[]): Promise<RunningConsumer> {
    const { scenario, gear } = this.options;
    return this.options.bus.consume(
      {
        stream: 'FLUXRIG_DATA',
        durable: `${scenario}__${gear.id}__${port}`,
        filterSubjects: wires.map((wire) => wire.subject),
        concurrency: this.options.concurrency,
        maxAckPending: Math.max(1000, this.options.concurrency * 4),
      },
      (envelope, delivery) => this.traced(port, envelope, envelope.id, { subject: delivery.subject, size: delivery.size, fused: false }),
    );
  }

  /**
   * Handles a message a gear on this rack emitted on a fused wire into `port` (fusion.ts), in place of
   * the delivery that wire would have made: same span, metrics and error port; `key` (the dedup key of
   * the publish it replaces) stands in for the message id in the dedup keys of what this gear emits.
   * Rejects when the gear failed and has no error wire.
   */
  runFused(port: string, envelope: Envelope, subject: string, key: string, parent: Context | undefined): Promise<void> {
    return this.traced(port, envelope, key, parent === undefined ? { subject, fused: true } : { subject, fused: true, parent });
  }

  /** Runs one message inside its `process` span (child of the envelope's trace) and delivery scope. */
  private async traced(port: string, envelope: Envelope, inputId: string, arrival: Arrival): Promise<void> {
    const labels = this.labelsOf(port);
    // Handed over in process inside an unsampled trace: go on in the producer's span (see unsampledSpan).
    const inherited = arrival.parent === undefined ? undefined : unsampledSpan(arrival.parent);
    const span: Span = inherited ?? startProcessSpan(tracer, this.processSpanName, envelope, () => ({
      subject: arrival.subject,
      messageId: envelope.id,
      ...(arrival.size === undefined ? {} : { bodySize: arrival.size }),
      consumerGroup: labels.consumerGroup,
      scenario: this.options.scenario,
      gear: this.gearId,
      ...isoSummary(envelope.data),
    }), arrival.parent);
    if (span.isRecording()) {
      span.setAttribute(ATTR.port, port);
      if (arrival.fused) span.setAttribute(ATTR.fused, true);
    }
    const started = performance.now();
    let outcome: GearOutcome = 'ok';
    try {
      // The gear runs in its span's context (an inherited span's is the producer's) plus this delivery's
      // scope. (A method bound once and no thisArg: no function made per message.)
      const active = otelContext.active();
      let base = active;
      if (inherited !== undefined) base = arrival.parent as Context;
      else if (isSpanContextValid(span.spanContext())) base = trace.setSpan(active, span);
      const scope: DeliveryScope = { host: this, inputId, firstPort: undefined, firstPortCount: 0, otherPorts: undefined, outer: deliveryIn(active) };
      const gearContext = contextWith(base, DELIVERY, scope);
      try {
        await otelContext.with(gearContext, this.callGear, undefined, port, envelope);
      } catch (error) {
        // To the error port when one is wired (what it emits is still part of this delivery), else up.
        if (!this.isWired(ERROR_PORT)) throw error;
        span.setStatus({ code: SpanStatusCode.ERROR, message: maskText(describe(error)) });
        await otelContext.with(gearContext, this.emitFailure, undefined, error, envelope);
        outcome = 'error-port';
      }
    } catch (error) {
      outcome = 'failed';
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: maskText(describe(error)) });
      throw error;
    } finally {
      span.end();
      labels.metrics.record(outcome, performance.now() - started);
    }
  }

  private labelsOf(port: string): PortLabels {
    let labels = this.portLabels.get(port);
    if (!labels) {
      labels = {
        metrics: gearPortMetrics(this.options.scenario, this.gearId, port),
        consumerGroup: `${this.options.scenario}__${this.gearId}__${port}`,
      };
      this.portLabels.set(port, labels);
    }
    return labels;
  }

  /**
   * Hands one message to the gear. Not async, and the error port is handled by traced(): under async
   * hooks (Node 20) each async function costs two promises (its own and one per await), and a fused
   * authorisation passes here three times. (Arrow functions made once: no function per message.)
   */
  private readonly callGear = (port: string, envelope: Envelope): Promise<void> => {
    const instance = this.instance;
    if (!instance?.handle) throw new Error(`gear ${this.gearId} has no handler for input ${port}`);
    return instance.handle(port, envelope);
  };

  /** Whether anything receives what this gear emits on `port` (the wires out of it right now). */
  private isWired(port: string): boolean {
    return (this.options.outputs().get(port)?.length ?? 0) > 0;
  }

  /** Emits the message a gear failed on to its error port, with the reason in headers. */
  private readonly emitFailure = (error: unknown, envelope: Envelope): Promise<unknown> => {
    const headers = {
      [ERROR_HEADERS.code]: isRigError(error) ? error.code : 'GEAR_FAILED',
      [ERROR_HEADERS.message]: maskText(describe(error)),
      [ERROR_HEADERS.gear]: this.gearId,
    };
    return this.emit(ERROR_PORT, { ...envelope, headers: { ...envelope.headers, ...headers } });
  };

  /**
   * Not async: the single-wire case hands back send()'s own promise (one promise and one microtask
   * less per emitted message); a synchronous failure still arrives as a rejection.
   */
  private emit(port: string, envelope: Envelope): Promise<unknown> {
    try {
      const wires = this.options.outputs().get(port);
      if (!wires || wires.length === 0) {
        if (port === ERROR_PORT) this.log.warn({ id: envelope.id, headers: envelope.headers }, 'message on unwired error port dropped');
        return Promise.resolve();
      }
      const scope = deliveryOf(this);
      let base = envelope.id;
      if (scope) {
        base = `${scope.inputId}/${this.gearId}/${port}/${nextEmitIndex(scope, port)}`;
      }
      const outgoing = emittedCopy(envelope, this.options.scenario, this.gearId, port);
      const [first] = wires as [WireEnd, ...WireEnd[]];
      const traceContext = this.traceOutgoing(outgoing, first.subject);
      if (wires.length === 1) return this.send(first, outgoing, `${base}/${first.wire}`, traceContext);
      return Promise.all(wires.map((wire) => this.send(wire, outgoing, `${base}/${wire.wire}`, traceContext)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Publishes to one wire, or hands the message to the receiving gear of a fused wire when it is running. */
  private send(wire: WireEnd, outgoing: Envelope, msgId: string, traceContext: Context | undefined): Promise<unknown> {
    const target = wire.fused ? this.options.peer?.(wire.fused.gear) : undefined;
    if (wire.fused && target?.state === 'running') return this.handOver(target, wire.fused.port, wire, outgoing, msgId, traceContext);
    return this.options.bus.publish(wire.subject, outgoing, { msgId });
  }

  /**
   * Runs the fused gear in process. When it fails with no error wire (or could not store its outputs),
   * the message is stored on the wire after all, so the gear's own consumer retries and finally
   * dead-letters it exactly as without fusion. Its id is the fused dedup key, which makes that
   * consumer derive the same keys for what the gear emits as the fused run did (no duplicates of
   * outputs the failed run already stored), and a redelivered producer input the same fallback.
   */
  private handOver(target: GearHost, port: string, wire: WireEnd, outgoing: Envelope, msgId: string, traceContext: Context | undefined): Promise<unknown> {
    const key = boundedKey(msgId);
    // A promise chain, not an async function: one promise per hand-over instead of two (see callGear).
    return target.runFused(port, outgoing, wire.subject, key, traceContext).catch((error: unknown) => {
      this.log.debug({ wire: wire.wire, err: maskText(describe(error)) }, 'fused gear failed; message stored on its wire for retries');
      return this.options.bus.publish(wire.subject, { ...outgoing, id: key }, { msgId });
    });
  }

  /**
   * Inside a handler the outgoing message continues the handler's trace. A source's message (a request
   * a listener just read) starts a new trace with a short producer span, so one authorisation is one
   * trace from the listener on. Returns the context `traceparent` was written from (undefined when
   * the envelope keeps the one it came with), for a fused receiver to start its span in directly.
   */
  private traceOutgoing(outgoing: Envelope, subject: string): Context | undefined {
    const active = otelContext.active();
    if (trace.getSpan(active)) {
      injectTraceparent(outgoing, active);
      return active;
    }
    if (outgoing.traceparent) return undefined;
    const span = tracer.startSpan(this.sendSpanName, { kind: SpanKind.PRODUCER });
    // Attributes only for a span that records (telemetry off or not sampled: no work).
    if (span.isRecording()) {
      span.setAttributes(messagingAttributes({ subject, operation: 'send', messageId: outgoing.id, scenario: this.options.scenario, gear: this.gearId, ...isoSummary(outgoing.data) }));
    }
    let sent: Context | undefined;
    if (isSpanContextValid(span.spanContext())) {
      sent = trace.setSpan(active, span);
      injectTraceparent(outgoing, sent);
    }
    span.end();
    return sent;
  }

  private context(): GearContext {
    const makeEnvelope = envelopeFactory({
      nextId: this.options.nextId,
      scenario: this.options.scenario,
      gearId: this.gearId,
      sourcePrefix: `rack/${this.options.rack}`,
    });
    const log = this.log;
    return {
      scenario: this.options.scenario,
      gearId: this.gearId,
      log: {
        trace: (obj, msg) => log.trace(obj, msg),
        debug: (obj, msg) => log.debug(obj, msg),
        info: (obj, msg) => log.info(obj, msg),
        warn: (obj, msg) => log.warn(obj, msg),
        error: (obj, msg) => log.error(obj, msg),
      },
      signal: this.abort.signal,
      // What emit() resolves to (a publish receipt) is nobody's business but the host's.
      emit: (port, message) => this.emit(port, message) as Promise<void>,
      wired: (port) => this.isWired(port),
      envelope: makeEnvelope,
    };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
