/**
 * Attribute names fluxrig puts on spans, metrics and logs. Messaging attributes follow the OTel
 * semantic conventions for messaging (https://opentelemetry.io/docs/specs/semconv/messaging/), with
 * `messaging.system = nats`; fluxrig's own live under `fluxrig.*` and are lifted into store columns.
 * Names only, no logic beyond building attribute records.
 */
import type { Attributes } from '@opentelemetry/api';

/** The instrumentation scope of everything fluxrig traces, meters and logs. */
export const INSTRUMENTATION_NAME = 'fluxrig';

export const ATTR = {
  messagingSystem: 'messaging.system',
  destinationName: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  bodySize: 'messaging.message.body.size',
  consumerGroup: 'messaging.consumer.group.name',
  scenario: 'fluxrig.scenario',
  gear: 'fluxrig.gear',
  rack: 'fluxrig.rack',
  port: 'fluxrig.port',
  /** true on the `process` span of a gear that ran in process on a fused wire (pkg/rack/fusion.ts). */
  fused: 'fluxrig.fused',
  isoMti: 'iso8583.mti',
  isoResponseCode: 'iso8583.response_code',
  serviceName: 'service.name',
} as const;

/** OTel messaging operation types. `process` marks the one span per handled message (see convert.ts). */
export type MessagingOperation = 'create' | 'send' | 'receive' | 'process' | 'settle';

export interface MessagingSpanInfo {
  subject: string;
  operation: MessagingOperation;
  messageId?: string;
  bodySize?: number;
  consumerGroup?: string;
  scenario?: string;
  gear?: string;
  /** ISO 8583 message type indicator of the payload, when it is one. */
  mti?: string;
  /** ISO 8583 DE 39, when known. */
  responseCode?: string;
}

/** The attributes of a span that publishes, receives or processes one NATS message. */
export function messagingAttributes(info: MessagingSpanInfo): Attributes {
  const attributes: Attributes = {
    [ATTR.messagingSystem]: 'nats',
    [ATTR.destinationName]: info.subject,
    [ATTR.operationType]: info.operation,
  };
  if (info.messageId !== undefined) attributes[ATTR.messageId] = info.messageId;
  if (info.bodySize !== undefined) attributes[ATTR.bodySize] = info.bodySize;
  if (info.consumerGroup !== undefined) attributes[ATTR.consumerGroup] = info.consumerGroup;
  if (info.scenario !== undefined) attributes[ATTR.scenario] = info.scenario;
  if (info.gear !== undefined) attributes[ATTR.gear] = info.gear;
  if (info.mti !== undefined) attributes[ATTR.isoMti] = info.mti;
  if (info.responseCode !== undefined) attributes[ATTR.isoResponseCode] = info.responseCode;
  return attributes;
}
