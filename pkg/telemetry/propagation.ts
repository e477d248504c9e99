/**
 * Trace context across messages: the producing gear writes the W3C `traceparent` of its active span
 * into the envelope; the consuming gear starts its `process` span as a child of it. That is what makes
 * one ISO 8583 authorisation one trace across racks and durable flows. Uses the globally registered
 * propagator (W3C trace context, set by startTelemetry); with telemetry disabled these are no-ops.
 */
import { type Context, context, isSpanContextValid, propagation, type Span, type SpanContext, SpanKind, TraceFlags, type Tracer, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { Envelope } from '../wire/envelope.ts';
import { type MessagingSpanInfo, messagingAttributes } from './semconv.ts';

interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/**
 * The span of `ctx` when it belongs to a trace that is not sampled. fluxrig's sampler is parent-based
 * (otel.ts): every span under an unsampled parent is unsampled too and records nothing, so a gear run
 * in process inside such a span can go on in it instead of starting a span of its own (no sampler
 * call, no ids, no new context) with the same outcome: nothing recorded, the decision carried on.
 */
export function unsampledSpan(ctx: Context): Span | undefined {
  const span = trace.getSpan(ctx);
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return isSpanContextValid(spanContext) && (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 ? span : undefined;
}

/**
 * The `traceparent` each span context was written as. A traceparent is a function of the span context
 * alone, and a span writes it on every message it emits: in an unsampled trace a fused authorisation
 * goes on in one span from the listener's reply back to it, four messages (see unsampledSpan).
 */
const traceparents = new WeakMap<SpanContext, string>();

/** Set `envelope.traceparent` from `ctx` (default: the active context). Leaves it alone without a span. */
export function injectTraceparent(envelope: Envelope, ctx: Context = context.active()): void {
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext === undefined || isTracingSuppressed(ctx)) return;
  let traceparent = traceparents.get(spanContext);
  if (traceparent === undefined) {
    const carrier: TraceCarrier = {};
    propagation.inject(ctx, carrier);
    if (!carrier.traceparent) return;
    traceparent = carrier.traceparent;
    traceparents.set(spanContext, traceparent);
  }
  envelope.traceparent = traceparent;
}

/** The context an envelope was produced in (the active context when it carries none). */
export function contextFromEnvelope(envelope: Pick<Envelope, 'traceparent'>, base: Context = context.active()): Context {
  if (!envelope.traceparent) return base;
  return propagation.extract(base, { traceparent: envelope.traceparent });
}

/** What describes a `process` span: the info itself, or a function that builds it when the span records. */
export type ProcessSpanInfo = Omit<MessagingSpanInfo, 'operation'> | (() => Omit<MessagingSpanInfo, 'operation'>);

/**
 * Start the span of a gear processing one message, child of the envelope's trace. The caller ends it
 * (and sets `iso8583.response_code` / the status when known). Attributes are built only for a span
 * that records: with telemetry off or the trace not sampled this is a span start and nothing else
 * (the default samplers do not read attributes, so setting them after the start changes no decision).
 * `parent`: the context the envelope's `traceparent` was written from, when the caller still holds it
 * (a message handed over in process), which spares parsing the header back.
 */
export function startProcessSpan(tracer: Tracer, name: string, envelope: Pick<Envelope, 'traceparent'>, info: ProcessSpanInfo, parent?: Context): Span {
  const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER }, parent ?? contextFromEnvelope(envelope));
  if (span.isRecording()) span.setAttributes(messagingAttributes({ ...(typeof info === 'function' ? info() : info), operation: 'process' }));
  return span;
}
