/**
 * Subject names (DESIGN §3). Every NATS subject fluxrig publishes to is built here, from validated
 * tokens, so a rack id with a dot or a scenario named `*` can never address the wrong messages.
 *
 *   fluxrig.control.<rack>.<verb>     heartbeats and commands: core NATS (request-reply, fast publish),
 *                                     recorded by a no-ack stream, never published durably
 *   fluxrig.data.<scenario>.<wire>    messages between gears
 *   fluxrig.events.<type>             lifecycle events (deployed, drained, …)
 *   fluxrig.telemetry.<signal>        spans, logs, metrics exported by racks
 *   fluxrig.dlq.<consumer>            dead letters, with the reason in headers
 *
 * Builders never produce wildcards; the `…Filter` helpers are the only place wildcards are spelled.
 */
import { RigError } from '../errors/index.ts';

export const SUBJECT_ROOT = 'fluxrig';

/** The five subject families, each backed by one JetStream stream (pkg/bus/streams.ts). */
export const SUBJECT_KINDS = ['control', 'data', 'events', 'telemetry', 'dlq'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/**
 * A token is what sits between two dots: 1-128 characters, none of them a dot, a wildcard (`*`, `>`),
 * whitespace or a control character (NATS treats all of those specially).
 */
const TOKEN_PATTERN = /^[^\s.*>\x00-\x1f\x7f]{1,128}$/;

/** Throws SUBJECT_INVALID unless `value` is a valid single subject token; returns it otherwise. */
export function subjectToken(role: string, value: string): string {
  if (typeof value !== 'string') {
    throw new RigError('SUBJECT_INVALID', `${role} must be a string, got ${typeof value}`, { where: role, exitCode: 2 });
  }
  if (TOKEN_PATTERN.test(value)) return value;
  const problem =
    value.length === 0
      ? 'is empty'
      : value.length > 128
        ? 'is longer than 128 characters'
        : value.includes('.')
          ? 'contains a dot'
          : /[*>]/.test(value)
            ? 'contains a wildcard (* or >)'
            : /\s/.test(value)
              ? 'contains whitespace'
              : 'contains a control character';
  throw new RigError('SUBJECT_INVALID', `${role} ${JSON.stringify(value)} ${problem}`, {
    where: role,
    hint: 'use letters, digits, - and _ for ids used in subject names',
    exitCode: 2,
    details: { role, value },
  });
}

/** `fluxrig.control.<rack>.<verb>` */
export function controlSubject(rack: string, verb: string): string {
  return `${SUBJECT_ROOT}.control.${subjectToken('rack', rack)}.${subjectToken('verb', verb)}`;
}

/** `fluxrig.data.<scenario>.<wire>` */
export function dataSubject(scenario: string, wire: string): string {
  return `${SUBJECT_ROOT}.data.${subjectToken('scenario', scenario)}.${subjectToken('wire', wire)}`;
}

/** `fluxrig.events.<type>` */
export function eventsSubject(type: string): string {
  return `${SUBJECT_ROOT}.events.${subjectToken('event type', type)}`;
}

/** `fluxrig.telemetry.<signal>` */
export function telemetrySubject(signal: string): string {
  return `${SUBJECT_ROOT}.telemetry.${subjectToken('signal', signal)}`;
}

/** `fluxrig.dlq.<consumer>`: where a consumer's dead letters go. */
export function dlqSubject(consumer: string): string {
  return `${SUBJECT_ROOT}.dlq.${subjectToken('consumer', consumer)}`;
}

/** `fluxrig.<kind>.>`: everything of one family (what a stream captures). */
export function kindFilter(kind: SubjectKind): string {
  return `${SUBJECT_ROOT}.${kind}.>`;
}

/** `fluxrig.control.<rack>.*`, or every rack's control subjects when `rack` is omitted. */
export function controlFilter(rack?: string): string {
  return rack === undefined ? `${SUBJECT_ROOT}.control.*.*` : `${SUBJECT_ROOT}.control.${subjectToken('rack', rack)}.*`;
}

/** `fluxrig.data.<scenario>.*`: every wire of one scenario. */
export function dataFilter(scenario: string): string {
  return `${SUBJECT_ROOT}.data.${subjectToken('scenario', scenario)}.*`;
}

export interface ParsedSubject {
  kind: SubjectKind;
  /** The tokens after `fluxrig.<kind>`, e.g. [rack, verb] or [scenario, wire]. */
  tokens: string[];
}

const EXPECTED_TOKENS: Record<SubjectKind, number> = { control: 2, data: 2, events: 1, telemetry: 1, dlq: 1 };

/** Splits a concrete fluxrig subject into its family and tokens; SUBJECT_INVALID for anything else. */
export function parseSubject(subject: string): ParsedSubject {
  const parts = subject.split('.');
  const kind = parts[1] as SubjectKind;
  if (parts[0] !== SUBJECT_ROOT || !SUBJECT_KINDS.includes(kind)) {
    throw new RigError('SUBJECT_INVALID', `${JSON.stringify(subject)} is not a fluxrig subject`, {
      where: 'subject',
      hint: `expected ${SUBJECT_ROOT}.{${SUBJECT_KINDS.join('|')}}.…`,
      exitCode: 2,
    });
  }
  const tokens = parts.slice(2);
  if (tokens.length !== EXPECTED_TOKENS[kind]) {
    throw new RigError(
      'SUBJECT_INVALID',
      `${JSON.stringify(subject)} has ${tokens.length} tokens after ${SUBJECT_ROOT}.${kind}, expected ${EXPECTED_TOKENS[kind]}`,
      { where: 'subject', exitCode: 2 },
    );
  }
  tokens.forEach((token, index) => {
    subjectToken(`subject token ${index + 3}`, token);
  });
  return { kind, tokens };
}
