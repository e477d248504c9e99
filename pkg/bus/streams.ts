/**
 * The JetStream streams behind each subject family (DESIGN §3), created idempotently at start-up with
 * explicit limits. Running ensureStreams twice changes nothing; running it against a stream whose
 * limits drifted (someone edited it, or the defaults changed) updates it back and says what changed.
 *
 * It must never delete a stream or its messages, and never silently accept a drift it cannot repair
 * (storage and retention are immutable in JetStream: that is a BUS_STREAM_DRIFT error).
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  type StreamConfig,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { RigError } from '../errors/index.ts';
import { kindFilter, type SubjectKind } from '../wire/subjects.ts';
import type { BusConnection } from './connection.ts';

export interface StreamSpec {
  name: string;
  subjects: string[];
  description: string;
  /** Messages older than this are dropped. */
  maxAgeMs: number;
  maxBytes: number;
  maxMsgs: number;
  /** Largest single message accepted (bytes). */
  maxMsgSize: number;
  /** Window in which a repeated `Nats-Msg-Id` is recognised as a duplicate. */
  duplicateWindowMs: number;
  storage: 'file' | 'memory';
  replicas: number;
  /**
   * The stream records what it captures but never answers with a publish ack. Needed where core
   * request-reply runs on captured subjects: otherwise the stream's ack is the first "reply" a
   * requester gets. Durable publishes to such a stream cannot be confirmed (publish.ts refuses them).
   */
  noAck?: boolean;
}

const MiB = 1024 * 1024;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Default limits. Sized for one node on modest disks (≈ 2.3 GiB in total, JetStream reserves
 * max_bytes against its store limit); production overrides them from config. The duplicate window
 * covers a publisher retrying through a NATS restart.
 */
export const STREAM_SPECS: Record<SubjectKind, StreamSpec> = {
  control: {
    name: 'FLUXRIG_CONTROL',
    subjects: [kindFilter('control')],
    description: 'rack heartbeats and commands (core NATS request-reply; recorded, never acked)',
    maxAgeMs: HOUR,
    maxBytes: 64 * MiB,
    maxMsgs: 100_000,
    maxMsgSize: MiB,
    duplicateWindowMs: 2 * MINUTE,
    storage: 'file',
    replicas: 1,
    noAck: true,
  },
  data: {
    name: 'FLUXRIG_DATA',
    subjects: [kindFilter('data')],
    description: 'envelopes between gears',
    maxAgeMs: DAY,
    maxBytes: 1024 * MiB,
    maxMsgs: 10_000_000,
    maxMsgSize: MiB,
    duplicateWindowMs: 2 * MINUTE,
    storage: 'file',
    replicas: 1,
  },
  events: {
    name: 'FLUXRIG_EVENTS',
    subjects: [kindFilter('events')],
    description: 'lifecycle events (deployed, drained, …)',
    maxAgeMs: 7 * DAY,
    maxBytes: 256 * MiB,
    maxMsgs: 1_000_000,
    maxMsgSize: MiB,
    duplicateWindowMs: 2 * MINUTE,
    storage: 'file',
    replicas: 1,
  },
  telemetry: {
    name: 'FLUXRIG_TELEMETRY',
    subjects: [kindFilter('telemetry')],
    description: 'spans, logs and metrics exported by racks',
    maxAgeMs: DAY,
    maxBytes: 768 * MiB,
    maxMsgs: 5_000_000,
    maxMsgSize: MiB,
    duplicateWindowMs: 2 * MINUTE,
    storage: 'file',
    replicas: 1,
  },
  dlq: {
    name: 'FLUXRIG_DLQ',
    subjects: [kindFilter('dlq')],
    description: 'dead letters: reason, original subject and attempts in headers',
    maxAgeMs: 30 * DAY,
    maxBytes: 256 * MiB,
    maxMsgs: 1_000_000,
    maxMsgSize: MiB,
    duplicateWindowMs: 2 * MINUTE,
    storage: 'file',
    replicas: 1,
  },
};

/** What ensureStream did: created it, updated drifted limits (listed), or found it as specified. */
export interface StreamReport {
  name: string;
  action: 'created' | 'updated' | 'unchanged';
  /** Config keys that differed and were set back, e.g. ['max_age', 'subjects']. */
  drift: string[];
}

/** The spec as JetStream's updatable config. */
function desiredConfig(spec: StreamSpec) {
  return {
    subjects: spec.subjects,
    description: spec.description,
    max_age: nanos(spec.maxAgeMs),
    max_bytes: spec.maxBytes,
    max_msgs: spec.maxMsgs,
    max_msg_size: spec.maxMsgSize,
    duplicate_window: nanos(spec.duplicateWindowMs),
    discard: DiscardPolicy.Old,
    num_replicas: spec.replicas,
    no_ack: spec.noAck === true,
  } satisfies Partial<StreamConfig>;
}

function sameSubjects(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  const wanted = new Set(b);
  return a.every((subject) => wanted.has(subject));
}

/** Keys whose current value differs from the desired one. */
export function configDrift(current: Partial<StreamConfig>, spec: StreamSpec): string[] {
  const desired = desiredConfig(spec);
  const drift: string[] = [];
  for (const key of Object.keys(desired) as (keyof typeof desired)[]) {
    const same =
      key === 'subjects'
        ? sameSubjects(current.subjects, desired.subjects)
        : key === 'no_ack'
          ? (current.no_ack ?? false) === desired.no_ack // the server omits it when false
          : current[key] === desired[key];
    if (!same) drift.push(key);
  }
  return drift;
}

function streamError(spec: StreamSpec, action: string, cause: unknown): RigError {
  return new RigError('BUS_STREAM', `cannot ${action} stream ${spec.name}: ${(cause as Error).message}`, {
    where: spec.name,
    hint: 'check the JetStream store limits of nats-server (max_file_store) against the stream limits',
    cause,
  });
}

/** Creates the stream, or brings its limits back to `spec`. Idempotent. */
export async function ensureStream(bus: BusConnection, spec: StreamSpec): Promise<StreamReport> {
  const { jsm, log } = bus;
  let current: StreamConfig | undefined;
  try {
    current = (await jsm.streams.info(spec.name)).config;
  } catch (error) {
    const notFound = error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
    if (!notFound) throw streamError(spec, 'inspect', error);
  }

  if (current === undefined) {
    try {
      await jsm.streams.add({
        name: spec.name,
        retention: RetentionPolicy.Limits,
        storage: spec.storage === 'memory' ? StorageType.Memory : StorageType.File,
        ...desiredConfig(spec),
      });
    } catch (error) {
      throw streamError(spec, 'create', error);
    }
    log.info({ stream: spec.name, subjects: spec.subjects }, 'stream created');
    return { name: spec.name, action: 'created', drift: [] };
  }

  const wantedStorage = spec.storage === 'memory' ? StorageType.Memory : StorageType.File;
  if (current.storage !== wantedStorage || current.retention !== RetentionPolicy.Limits) {
    throw new RigError(
      'BUS_STREAM_DRIFT',
      `stream ${spec.name} has storage=${current.storage} retention=${current.retention}; fluxrig needs storage=${wantedStorage} retention=limits`,
      {
        where: spec.name,
        hint: `JetStream cannot change these in place: back up and delete the stream (nats stream rm ${spec.name}), then restart`,
      },
    );
  }

  const drift = configDrift(current, spec);
  if (drift.length === 0) return { name: spec.name, action: 'unchanged', drift };
  try {
    await jsm.streams.update(spec.name, desiredConfig(spec));
  } catch (error) {
    throw streamError(spec, 'update', error);
  }
  log.warn({ stream: spec.name, drift }, 'stream limits drifted; updated');
  return { name: spec.name, action: 'updated', drift };
}

/** Overrides per family (from config); unspecified fields keep the defaults. */
export type StreamOverrides = Partial<Record<SubjectKind, Partial<Omit<StreamSpec, 'subjects'>>>>;

/** The five specs with overrides applied. */
export function streamSpecs(overrides: StreamOverrides = {}): StreamSpec[] {
  return (Object.keys(STREAM_SPECS) as SubjectKind[]).map((kind) => ({ ...STREAM_SPECS[kind], ...overrides[kind] }));
}

/** Ensures all five fluxrig streams; returns one report per stream. */
export async function ensureStreams(bus: BusConnection, overrides: StreamOverrides = {}): Promise<StreamReport[]> {
  const reports: StreamReport[] = [];
  for (const spec of streamSpecs(overrides)) reports.push(await ensureStream(bus, spec));
  return reports;
}
