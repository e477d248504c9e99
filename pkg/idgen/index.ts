/**
 * Sonyflake ids for envelopes and anything else that needs a unique, time-ordered id: a decimal string
 * of a 63-bit number = milliseconds since FLUXRIG_EPOCH (39 bits) | sequence (8 bits) | machine id
 * (16 bits). Two generators with different machine ids never collide; one generator's ids strictly
 * increase.
 *
 * Bit layout and encoding come from the `sonyflake` package (`generateCustomId`, `decompose`). Its own
 * `nextId()` is not used: when more than 256 ids are asked for within one millisecond its 8-bit sequence
 * wraps and it repeats ids (see the test that pins this down), and it goes backwards with the clock.
 * Here the sequence overflow waits for the next millisecond, as Sony's original does, and a clock that
 * steps back is ridden out on the last timestamp. This module must never hand out the same id twice
 * from one generator.
 */
import { Sonyflake } from 'sonyflake';
import { RigError } from '../errors/index.ts';

/** 2026-01-01T00:00:00Z: 39 bits of milliseconds from here keep ids inside a signed int64 until 2043. */
export const FLUXRIG_EPOCH = Date.UTC(2026, 0, 1);
export const MAX_MACHINE_ID = 0xffff;
const SEQUENCE_MASK = 0xff;

export interface IdGenerator {
  readonly machineId: number;
  /** The next id: a decimal string, unique for this machine id, greater than the previous one. */
  next(): string;
}

export interface IdGeneratorOptions {
  /** 0..65535; must differ between processes running at the same time (see `deriveMachineId`). */
  machineId: number;
  /** Millisecond clock (tests); default Date.now. */
  now?: () => number;
}

export interface DecomposedId {
  /** Unix milliseconds when the id was made. */
  time: number;
  machineId: number;
  sequence: number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until `now()` reaches `target`: sleeps for whole milliseconds, spins for the last one. */
function waitUntil(target: number, now: () => number): void {
  for (let current = now(); current < target; current = now()) {
    if (target - current > 1) Atomics.wait(sleepCell, 0, 0, target - current - 1);
  }
}

export function createIdGenerator(options: IdGeneratorOptions): IdGenerator {
  const { machineId } = options;
  if (!Number.isInteger(machineId) || machineId < 0 || machineId > MAX_MACHINE_ID) {
    throw new RigError('IDGEN_MACHINE_ID', `machine id must be an integer 0..${MAX_MACHINE_ID}, got ${machineId}`, {
      where: 'node.machine_id',
      hint: 'set node.machine_id in rig.toml, or leave it "auto" to derive one from node.id',
      exitCode: 2,
    });
  }
  const now = options.now ?? Date.now;
  const flake = new Sonyflake({ epoch: FLUXRIG_EPOCH, machineId });
  let lastTime = -1;
  let sequence = 0;
  return {
    machineId,
    next(): string {
      const current = now();
      if (current > lastTime) {
        lastTime = current;
        sequence = 0;
      } else {
        // Same millisecond, or the clock stepped back: stay on lastTime so ids keep increasing.
        sequence = (sequence + 1) & SEQUENCE_MASK;
        if (sequence === 0) {
          // 256 ids in this millisecond: borrow the next one and wait for the clock to get there.
          lastTime += 1;
          waitUntil(lastTime, now);
        }
      }
      return flake.generateCustomId({ timestamp: lastTime, sequence });
    },
  };
}

/** Splits an id into its time, machine id and sequence. */
export function decomposeId(id: string): DecomposedId {
  const parts = Sonyflake.decompose(id, { epoch: FLUXRIG_EPOCH });
  return { time: parts.timestamp, machineId: parts.machineId, sequence: parts.sequence };
}

/**
 * A stable 16-bit machine id from a name (node id, host name): FNV-1a 32-bit, folded to 16 bits.
 * Stable across restarts; two different names can still collide (1 in 65536 per pair), so clusters
 * with many nodes should set node.machine_id explicitly.
 */
export function deriveMachineId(seed: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(seed)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return ((hash >>> 16) ^ (hash & 0xffff)) & MAX_MACHINE_ID;
}

/** The machine id to use: the configured number, or one derived from the node's name for "auto". */
export function resolveMachineId(setting: number | 'auto', nodeName: string): number {
  return setting === 'auto' ? deriveMachineId(nodeName) : setting;
}
