/**
 * The TelemetryPublisher that puts batches on the bus: one CBOR envelope per batch, in columnar form
 * (columnar.ts), on `fluxrig.telemetry.<signal>` (stream FLUXRIG_TELEMETRY), published durably so a
 * mixer restart loses nothing. The envelope id is the batch id, so a retried publish is deduplicated
 * by JetStream, and the sink dedups redeliveries by the same id. Never publishes anything but masked records (exporters.ts).
 */
import type { Bus } from '../bus/index.ts';
import type { Envelope } from '../wire/envelope.ts';
import { telemetrySubject } from '../wire/subjects.ts';
import { wireBatch } from './columnar.ts';
import type { TelemetryPublisher } from './exporters.ts';
import type { Signal, TelemetryBatch } from './records.ts';

export const TELEMETRY_STREAM = 'FLUXRIG_TELEMETRY';
export const TELEMETRY_TYPE_PREFIX = 'fluxrig.telemetry.';

/** Envelope ids must be header-safe: `<producer>.<seq>` with anything odd in the producer replaced. */
export function batchEnvelopeId(batch: Pick<TelemetryBatch, 'producer' | 'seq'>): string {
  return `${batch.producer.replace(/[^A-Za-z0-9_.-]/g, '_')}.${batch.seq}`;
}

export function batchEnvelope(batch: TelemetryBatch, source: string): Envelope {
  return {
    id: batchEnvelopeId(batch),
    type: `${TELEMETRY_TYPE_PREFIX}${batch.signal}`,
    source,
    time: new Date().toISOString(),
    datacontenttype: 'application/cbor',
    data: wireBatch(batch),
  };
}

export function busTelemetryPublisher(bus: Pick<Bus, 'publish'>, source: string): TelemetryPublisher {
  const subjects = new Map<Signal, string>();
  return {
    async publish(signal, batch) {
      let subject = subjects.get(signal);
      if (!subject) {
        subject = telemetrySubject(signal);
        subjects.set(signal, subject);
      }
      await bus.publish(subject, batchEnvelope(batch, source), { expectStream: TELEMETRY_STREAM });
    },
  };
}
