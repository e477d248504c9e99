/**
 * Key-value buckets for the control plane (DESIGN §1: desired state lives in NATS KV): the rack registry
 * and the desired state the mixer writes and racks watch. Values are plain CBOR (pkg/wire), so a Python
 * or Go tool reading the bucket sees ordinary maps.
 *
 * A bucket here exposes get / put (optionally compare-and-set) / delete / keys / watch with decoded
 * values and RigErrors, nothing of the NATS KV types. It must never decode a value without the wire's
 * guards, and never drop a watch event silently (undecodable values are logged with their key).
 */
import { type KV, type KvEntry, KvWatchInclude, Kvm } from '@nats-io/kv';
import { RigError } from '../errors/index.ts';
import { decodeCbor, encodeCbor } from '../wire/cbor.ts';
import type { BusConnection } from './connection.ts';
import { translateNatsError } from './errors.ts';

export interface BucketSpec {
  /** Bucket name: letters, digits, - and _. */
  name: string;
  description: string;
  /** Revisions kept per key. */
  history: number;
  /** Entries expire this long after their last put; 0 = never. */
  ttlMs: number;
  maxBytes: number;
  maxValueBytes: number;
}

const MiB = 1024 * 1024;

export const BUCKET_SPECS = {
  /** One entry per rack (key = rack id): labels, capacity, last heartbeat. Written by racks. */
  racks: {
    name: 'fluxrig-racks',
    description: 'rack registry: one entry per rack, refreshed by heartbeats',
    history: 1,
    ttlMs: 0,
    maxBytes: 16 * MiB,
    maxValueBytes: 64 * 1024,
  },
  /** Desired state (key = e.g. `scenario.<id>` or `assignment.<rack>`). Written by the mixer, watched by racks. */
  desired: {
    name: 'fluxrig-desired',
    description: 'desired state: scenarios and their assignment to racks',
    history: 10,
    ttlMs: 0,
    maxBytes: 256 * MiB,
    maxValueBytes: MiB,
  },
} as const satisfies Record<string, BucketSpec>;

export interface KvRecord<T> {
  key: string;
  value: T;
  revision: number;
  /** When this revision was written. */
  created: Date;
}

export interface KvChange<T> {
  key: string;
  op: 'put' | 'delete';
  /** Present for puts. */
  value?: T;
  revision: number;
  /** Part of the initial snapshot a watch starts with (false for live updates). */
  initial: boolean;
}

export interface KvWatch<T> extends AsyncIterable<KvChange<T>> {
  stop(): void;
}

export interface KvBucket<T> {
  readonly name: string;
  /** The current value, or undefined when the key is absent or deleted. */
  get(key: string): Promise<KvRecord<T> | undefined>;
  /** Writes `value`; with `expectRevision`, only if the key is still at that revision (0 = must not exist). */
  put(key: string, value: T, options?: { expectRevision?: number }): Promise<number>;
  delete(key: string): Promise<void>;
  /** The keys that exist now (deleted ones excluded), sorted; `filter` may use `*` and `>` tokens. */
  keys(filter?: string): Promise<string[]>;
  /** The current records of the keys `keys(filter)` lists, in the same order. */
  entries(filter?: string): Promise<KvRecord<T>[]>;
  /** Resolves when the bucket's stream answers (a readiness probe: creates nothing on the server). */
  reachable(): Promise<void>;
  /** Current values of the matching keys first (`initial: true`), then every change. */
  watch(options?: { key?: string; updatesOnly?: boolean }): Promise<KvWatch<T>>;
}

/** NATS KV key rules: letters, digits and `-/_=.`, no leading or trailing dot. */
const KEY_PATTERN = /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/;
/** Watch/keys filters may also use the subject wildcards as whole tokens. */
const FILTER_PATTERN = /^([-/_=a-zA-Z0-9]+|\*|>)(\.([-/_=a-zA-Z0-9]+|\*|>))*$/;

function checkKey(bucket: string, key: string, pattern = KEY_PATTERN): string {
  if (typeof key === 'string' && key.length <= 1024 && pattern.test(key)) return key;
  throw new RigError('KV_KEY_INVALID', `key ${JSON.stringify(key)} is not valid in bucket ${bucket}`, {
    where: `${bucket}/${key}`,
    hint: 'keys use letters, digits and - / _ = . (dots separate tokens; no leading, trailing or double dots)',
    exitCode: 2,
  });
}

function decodeEntry<T>(bucket: string, entry: KvEntry): T {
  try {
    return decodeCbor(entry.value) as T;
  } catch (error) {
    if (error instanceof RigError) {
      throw new RigError(error.code, `${bucket}/${entry.key}: ${error.message}`, {
        where: `${bucket}/${entry.key}@${entry.revision}`,
        hint: 'the value was not written by fluxrig (pkg/bus/kv.ts); rewrite or delete it',
        cause: error,
      });
    }
    throw error;
  }
}

function wrap<T>(bus: BusConnection, bucket: string, kv: KV): KvBucket<T> {
  const fail = (cause: unknown, key?: string) =>
    translateNatsError(cause, { operation: 'kv', subject: key === undefined ? bucket : `${bucket}/${key}` });

  // Not the client's kv.keys(): that creates an ordered consumer per call, and the mixer lists keys on
  // every status request; under polling those consumers pile up until the server's per-stream limit
  // (1,000 by default) refuses new ones. The stream's subject index and direct gets need no consumer.
  const liveEntries = async (filter: string): Promise<KvEntry[]> => {
    checkKey(bucket, filter, FILTER_PATTERN);
    const prefix = `$KV.${bucket}.`;
    let subjects: string[];
    try {
      const info = await bus.jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
      subjects = Object.keys(info.state.subjects ?? {});
    } catch (cause) {
      throw fail(cause);
    }
    const entries = await Promise.all(
      subjects.map(async (subject) => {
        const key = subject.slice(prefix.length);
        try {
          return await kv.get(key);
        } catch (cause) {
          throw fail(cause, key);
        }
      }),
    );
    // A subject whose last entry is a delete or purge marker is a key that no longer exists.
    return entries.filter((entry): entry is KvEntry => entry !== null && entry.operation === 'PUT').sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };

  return {
    name: bucket,

    async get(key) {
      checkKey(bucket, key);
      let entry: KvEntry | null;
      try {
        entry = await kv.get(key);
      } catch (cause) {
        throw fail(cause, key);
      }
      if (entry === null || entry.operation !== 'PUT') return undefined;
      return { key, value: decodeEntry<T>(bucket, entry), revision: entry.revision, created: entry.created };
    },

    async put(key, value, options = {}) {
      checkKey(bucket, key);
      const bytes = encodeCbor(value);
      try {
        if (options.expectRevision === undefined) return await kv.put(key, bytes);
        if (options.expectRevision === 0) return await kv.create(key, bytes);
        return await kv.update(key, bytes, options.expectRevision);
      } catch (cause) {
        const message = (cause as Error).message ?? '';
        if (options.expectRevision !== undefined && /wrong last sequence|key exists/i.test(message)) {
          throw new RigError('KV_CONFLICT', `${bucket}/${key} changed since revision ${options.expectRevision}`, {
            where: `${bucket}/${key}`,
            hint: 'read the key again and retry the update',
            details: { expectRevision: options.expectRevision },
            cause,
          });
        }
        throw fail(cause, key);
      }
    },

    async delete(key) {
      checkKey(bucket, key);
      try {
        await kv.delete(key);
      } catch (cause) {
        throw fail(cause, key);
      }
    },

    async keys(filter = '>') {
      return (await liveEntries(filter)).map((entry) => entry.key);
    },

    async entries(filter = '>') {
      return (await liveEntries(filter)).map((entry) => ({ key: entry.key, value: decodeEntry<T>(bucket, entry), revision: entry.revision, created: entry.created }));
    },

    async reachable() {
      try {
        await bus.jsm.streams.info(`KV_${bucket}`);
      } catch (cause) {
        throw fail(cause);
      }
    },

    async watch(options = {}) {
      const key = checkKey(bucket, options.key ?? '>', FILTER_PATTERN);
      let iterator: Awaited<ReturnType<KV['watch']>>;
      // "initial" = written before the watch began. The client's own isUpdate flag marks the last
      // snapshot entry as an update, so compare revisions with the bucket's last sequence instead.
      let snapshotRevision: number;
      try {
        snapshotRevision = (await bus.jsm.streams.info(`KV_${bucket}`)).state.last_seq;
        iterator = await kv.watch({
          key,
          include: options.updatesOnly ? KvWatchInclude.UpdatesOnly : KvWatchInclude.LastValue,
        });
      } catch (cause) {
        throw fail(cause, key);
      }
      async function* changes(): AsyncGenerator<KvChange<T>> {
        try {
          yield* decodedChanges();
        } finally {
          // A consumer that breaks out of its for-await loop must not leave the watch running.
          iterator.stop();
        }
      }
      async function* decodedChanges(): AsyncGenerator<KvChange<T>> {
        for await (const entry of iterator) {
          const base = { key: entry.key, revision: entry.revision, initial: entry.revision <= snapshotRevision };
          if (entry.operation !== 'PUT') {
            yield { ...base, op: 'delete' };
            continue;
          }
          let value: T;
          try {
            value = decodeEntry<T>(bucket, entry);
          } catch (error) {
            bus.log.error({ bucket, key: entry.key, revision: entry.revision, err: error }, 'kv watch: undecodable value skipped');
            continue;
          }
          yield { ...base, op: 'put', value };
        }
      }
      return {
        [Symbol.asyncIterator]: changes,
        stop: () => iterator.stop(),
      };
    },
  };
}

/** Creates the bucket (or binds to it when it exists) and returns its CBOR-valued view. */
export async function openBucket<T>(bus: BusConnection, spec: BucketSpec): Promise<KvBucket<T>> {
  if (!/^[-_a-zA-Z0-9]{1,64}$/.test(spec.name)) {
    throw new RigError('KV_BUCKET_INVALID', `bucket name ${JSON.stringify(spec.name)} is not valid`, {
      where: spec.name,
      hint: 'use letters, digits, - and _',
      exitCode: 2,
    });
  }
  const kvm = new Kvm(bus.js);
  let kv: KV;
  try {
    kv = await kvm.create(spec.name, {
      description: spec.description,
      history: spec.history,
      ttl: spec.ttlMs,
      max_bytes: spec.maxBytes,
      maxValueSize: spec.maxValueBytes,
    });
  } catch (cause) {
    throw translateNatsError(cause, { operation: 'kv', subject: spec.name });
  }
  return wrap<T>(bus, spec.name, kv);
}
