/**
 * The envelope: the one message shape on every NATS subject (DESIGN §3). Field names follow
 * CloudEvents 1.0 where one exists; the rest are fluxrig's own. This file is only the type; the CBOR
 * codec lives in codec.ts. Never put JS-only values here (no Map, no class instances): any CBOR reader
 * must decode an envelope.
 */
export interface Envelope {
  /** Sonyflake id, decimal string. Also the JetStream `Nats-Msg-Id`, so a retried publish dedups. */
  id: string;
  /** CloudEvents `type`, reverse-DNS style, e.g. `fluxrig.iso8583.request`. */
  type: string;
  /** CloudEvents `source`: who produced it, e.g. `rack/r1/gear/parse`. */
  source: string;
  /** CloudEvents `subject` (optional), e.g. the correlation key of a payment. */
  subject?: string;
  /** RFC 3339 timestamp of creation. */
  time: string;
  /** Media type of `data`: `application/cbor` (structured) or `application/octet-stream` (bytes). */
  datacontenttype?: string;
  /** The payload: structured value or raw bytes. */
  data: unknown;
  /** fluxrig: scenario id this message belongs to. */
  scenario?: string;
  /** fluxrig: gear id that emitted it. */
  gear?: string;
  /** fluxrig: output port of that gear. */
  port?: string;
  /** fluxrig: partition / ordering key (e.g. terminal id); durable flows may run one workflow per key. */
  key?: string;
  /** fluxrig: delivery attempt, 1-based, set by the consumer on redelivery. */
  attempt?: number;
  /** W3C trace context of the span that produced it. */
  traceparent?: string;
  /** Free-form string headers: reply routing, correlation, error reasons. */
  headers?: Record<string, string>;
}
