/**
 * NATS client errors → RigErrors with stable codes, so nothing above pkg/bus handles NATS error classes.
 *   BUS_TIMEOUT        no answer in time (request, publish ack, API call)
 *   BUS_NO_RESPONDERS  a request nobody serves
 *   BUS_NO_STREAM      a durable publish to a subject no stream captures
 *   BUS_CLOSED         the connection is closed or draining
 *   BUS_JETSTREAM      the JetStream API refused (limits, permissions, wrong expectations)
 *   BUS_ERROR          anything else, with the client's message
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/transport-node';
import { RigError } from '../errors/index.ts';

export interface NatsErrorContext {
  operation: 'publish' | 'request' | 'consume' | 'kv' | 'stream';
  subject?: string;
  timeoutMs?: number;
}

/** True when `error` or anything in its cause chain is an instance of `type`. */
function hasCause(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof type) return true;
    current = (current as Error).cause;
  }
  return false;
}

export function translateNatsError(error: unknown, context: NatsErrorContext): RigError {
  if (error instanceof RigError) return error;
  const where = context.subject;
  const message = error instanceof Error ? error.message : String(error);
  const noResponders =
    hasCause(error, NoRespondersError) || (error instanceof RequestError && error.isNoResponders());
  if (noResponders) {
    return context.operation === 'publish'
      ? new RigError('BUS_NO_STREAM', `no JetStream stream captures ${where}`, {
          where,
          hint: 'streams are created at start-up (ensureStreams); check the subject name',
          cause: error,
        })
      : new RigError('BUS_NO_RESPONDERS', `nobody answers requests on ${where}`, {
          where,
          hint: 'is the serving rack or mixer running?',
          cause: error,
        });
  }
  if (hasCause(error, TimeoutError)) {
    const after = context.timeoutMs === undefined ? '' : ` after ${context.timeoutMs} ms`;
    return new RigError('BUS_TIMEOUT', `${context.operation} on ${where ?? 'NATS'} timed out${after}`, {
      where,
      hint: 'the server or the responder is slow or unreachable; retry, or raise the timeout',
      details: { operation: context.operation, timeoutMs: context.timeoutMs },
      cause: error,
    });
  }
  if (hasCause(error, ClosedConnectionError) || hasCause(error, DrainingConnectionError)) {
    return new RigError('BUS_CLOSED', `${context.operation} on a closed NATS connection`, { where, cause: error });
  }
  if (error instanceof JetStreamApiError) {
    return new RigError('BUS_JETSTREAM', `JetStream refused ${context.operation}: ${message}`, {
      where,
      details: { apiCode: error.code, status: error.status },
      cause: error,
    });
  }
  return new RigError('BUS_ERROR', `${context.operation} failed: ${message}`, { where, cause: error });
}
