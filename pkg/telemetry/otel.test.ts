import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { suppressTracing } from '@opentelemetry/core';
import type { TelemetryPublisher } from './exporters.ts';
import { startTelemetry, traceSampler } from './otel.ts';
import { contextFromEnvelope, injectTraceparent, startProcessSpan, unsampledSpan } from './propagation.ts';
import type { ExportedSpan } from './convert.ts';
import type { MessageRecord, TelemetryBatch } from './records.ts';

const PAN = '4111111111111111';

class CollectingPublisher implements TelemetryPublisher {
  readonly batches: TelemetryBatch[] = [];
  async publish(_signal: string, batch: TelemetryBatch): Promise<void> {
    this.batches.push(batch);
  }
  records(signal: string): unknown[] {
    return this.batches.filter((b) => b.signal === signal).flatMap((b) => b.records);
  }
}

// The SDK registers process-wide globals, so the scenarios run in sequence inside one test each.
describe('startTelemetry with a bus publisher', () => {
  test('exports masked spans, derived messages, metrics and logs as numbered batches; propagates traceparent', async () => {
    const publisher = new CollectingPublisher();
    const telemetry = startTelemetry({ serviceName: 'rig-rack', role: 'rack', rack: 'r1', producer: 'test-producer', publisher, env: {} });
    assert.equal(telemetry.enabled, true);

    // A listener span whose context travels in an envelope to the parser's process span.
    const envelope = { id: '1', type: 't', source: 's', time: new Date().toISOString(), data: null } as Parameters<typeof injectTraceparent>[0];
    const listener = telemetry.tracer.startSpan(`listen pan=${PAN}`);
    injectTraceparent(envelope, trace.setSpan(context.active(), listener));
    listener.end();
    assert.match(envelope.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const parse = startProcessSpan(telemetry.tracer, 'iso-parse process', envelope, {
      subject: 'fluxrig.data.card-auth.parsed',
      messageId: '7',
      bodySize: 212,
      scenario: 'card-auth',
      gear: 'iso-parse',
      mti: '0100',
    });
    parse.setAttribute('iso8583.pan', PAN);
    parse.setAttribute('iso8583.response_code', '00');
    parse.setStatus({ code: SpanStatusCode.OK });
    context.with(trace.setSpan(context.active(), parse), () => {
      telemetry.logger.emit({ severityNumber: SeverityNumber.WARN, body: `slow issuer for ${PAN}`, attributes: { 'fluxrig.gear': 'iso-parse' } });
    });
    parse.end();
    telemetry.meter.createCounter('fluxrig.messages.processed').add(3, { 'fluxrig.scenario': 'card-auth', 'fluxrig.gear': 'iso-parse' });
    const duration = telemetry.meter.createHistogram('fluxrig.gear.duration', { unit: 'ms' });
    duration.record(4, { 'fluxrig.gear': 'iso-parse' });
    duration.record(8, { 'fluxrig.gear': 'iso-parse' });
    await telemetry.shutdown();

    const spans = publisher.records('spans') as ExportedSpan[];
    assert.equal(spans.length, 2);
    const [first, second] = spans as [ExportedSpan, ExportedSpan];
    assert.equal(second.traceId, first.traceId, 'one trace across the envelope hop');
    assert.equal(second.parentSpanId, first.spanId);
    assert.equal(second.kind, 'consumer');
    assert.equal(second.attributes['messaging.system'], 'nats');
    assert.equal(second.attributes['messaging.destination.name'], 'fluxrig.data.card-auth.parsed');
    assert.equal(second.rack, 'r1');
    assert.equal(second.scenario, 'card-auth');
    assert.equal(second.status, 'ok');

    const messages = publisher.records('messages') as MessageRecord[];
    assert.equal(messages.length, 1, 'only the process span is a handled message');
    assert.deepEqual(
      { subject: messages[0]?.subject, size: messages[0]?.size, mti: messages[0]?.mti, rc: messages[0]?.responseCode, trace: messages[0]?.traceId },
      { subject: 'fluxrig.data.card-auth.parsed', size: 212, mti: '0100', rc: '00', trace: first.traceId },
    );

    const logs = publisher.records('logs') as { message: string; level: string; traceId?: string; gear?: string }[];
    assert.deepEqual(logs.map((l) => [l.level, l.gear, l.traceId]), [['warn', 'iso-parse', first.traceId]]);

    const metrics = publisher.records('metrics') as { name: string; kind: string; value: number; gear?: string }[];
    const processed = metrics.filter((m) => m.name === 'fluxrig.messages.processed');
    assert.deepEqual(processed.map((m) => [m.kind, m.value, m.gear]), [['counter', 3, 'iso-parse']]);
    const histogram = metrics.find((m) => m.name === 'fluxrig.gear.duration') as Record<string, unknown> | undefined;
    assert.deepEqual(
      [histogram?.kind, histogram?.unit, histogram?.count, histogram?.sum, histogram?.min, histogram?.max, histogram?.value],
      ['histogram', 'ms', 2, 12, 4, 8, 6],
    );

    const everything = JSON.stringify(publisher.batches);
    assert.ok(!everything.includes(PAN), 'no clear PAN in any exported batch');
    assert.ok(everything.includes('411111******1111'));
    assert.deepEqual(
      publisher.batches.map((b) => [b.producer, b.seq]),
      publisher.batches.map((_, i) => ['test-producer', i + 1]),
    );
  });
});

describe('injectTraceparent', () => {
  test('writes the span context of the context given, once per span context, nothing without a span or when suppressed', async () => {
    const telemetry = startTelemetry({ serviceName: 'rig-rack', role: 'rack', publisher: new CollectingPublisher(), env: {} });
    try {
      const envelope = () => ({ id: '1', type: 't', source: 's', time: new Date().toISOString(), data: null }) as Parameters<typeof injectTraceparent>[0];
      const first = telemetry.tracer.startSpan('first');
      const second = telemetry.tracer.startSpan('second');
      const inFirst = trace.setSpan(context.active(), first);
      const [a, b, c] = [envelope(), envelope(), envelope()];
      injectTraceparent(a, inFirst);
      injectTraceparent(b, inFirst);
      injectTraceparent(c, trace.setSpan(context.active(), second));
      const { traceId, spanId } = first.spanContext();
      assert.equal(a.traceparent, `00-${traceId}-${spanId}-01`);
      assert.equal(b.traceparent, a.traceparent, 'the same span writes the same traceparent again');
      assert.equal(c.traceparent, `00-${second.spanContext().traceId}-${second.spanContext().spanId}-01`);
      const none = envelope();
      injectTraceparent(none, context.active());
      assert.equal(none.traceparent, undefined, 'no span, no traceparent');
      const suppressed = envelope();
      injectTraceparent(suppressed, suppressTracing(inFirst));
      assert.equal(suppressed.traceparent, undefined, 'suppressed tracing propagates nothing');
      first.end();
      second.end();
    } finally {
      await telemetry.shutdown();
    }
  });
});

describe('startTelemetry switches', () => {
  test('FLUXRIG_DISABLE_TELEMETRY=1 exports nothing and hands out no-op instruments', async () => {
    const publisher = new CollectingPublisher();
    const telemetry = startTelemetry({ serviceName: 'rig', role: 'cli', publisher, env: { FLUXRIG_DISABLE_TELEMETRY: '1' } });
    telemetry.tracer.startSpan('ignored').end();
    await telemetry.shutdown();
    assert.equal(telemetry.enabled, false);
    assert.deepEqual(publisher.batches, []);
    assert.equal(contextFromEnvelope({}), context.active());
  });

  test('a trace sample ratio records that share of new traces, and a continued trace follows its root', async () => {
    const publisher = new CollectingPublisher();
    const quarter = startTelemetry({ serviceName: 'rig', role: 'cli', publisher, traceSampleRatio: 0.25, env: {} });
    let recorded = 0;
    for (let i = 0; i < 4000; i++) {
      const span = quarter.tracer.startSpan('root');
      if (span.isRecording()) recorded++;
      span.end();
    }
    // Binomial(4000, 0.25): mean 1000, standard deviation 27.
    assert.ok(recorded > 850 && recorded < 1150, `recorded ${recorded} of 4000`);
    await quarter.shutdown();

    const none = startTelemetry({ serviceName: 'rig', role: 'cli', publisher, traceSampleRatio: 0, env: {} });
    assert.equal(none.tracer.startSpan('root').isRecording(), false);
    // A gear continuing a trace another process sampled records it, whatever its own ratio; an unsampled one it does not.
    const sampledParent = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const unsampledParent = { traceparent: '00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203331-00' };
    const info = { subject: 'fluxrig.data.s.w' };
    assert.equal(startProcessSpan(none.tracer, 'continued', sampledParent, info).isRecording(), true);
    assert.equal(startProcessSpan(none.tracer, 'continued', unsampledParent, info).isRecording(), false);

    // unsampledSpan: the span of an unsampled trace, nothing for a sampled one or none.
    const unsampledRoot = none.tracer.startSpan('root');
    assert.equal(unsampledSpan(trace.setSpan(context.active(), unsampledRoot)), unsampledRoot);
    assert.equal(unsampledSpan(context.active()), undefined);
    const sampled = startProcessSpan(none.tracer, 'continued', sampledParent, info);
    assert.equal(unsampledSpan(trace.setSpan(context.active(), sampled)), undefined);
    await none.shutdown();

    assert.throws(() => traceSampler(1.5), /trace sample ratio must lie in 0\.\.1, got 1\.5/);
    assert.throws(() => traceSampler(Number.NaN), /got NaN/);
  });

  test('an OTLP endpoint receives the spans over HTTP', async () => {
    const received: string[] = [];
    const server = createServer((request, response) => {
      received.push(request.url ?? '');
      request.resume();
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const telemetry = startTelemetry({ serviceName: 'rig', role: 'cli', otlp: { endpoint: `http://127.0.0.1:${port}` }, env: {} });
      telemetry.tracer.startSpan('exported over OTLP').end();
      await telemetry.shutdown();
      assert.ok(received.includes('/v1/traces'), `requests: ${received.join(', ')}`);
    } finally {
      server.close();
    }
  });
});
