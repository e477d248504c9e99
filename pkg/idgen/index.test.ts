import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, mock } from 'node:test';
import { promisify } from 'node:util';
import { Sonyflake } from 'sonyflake';
import { RigError } from '../errors/index.ts';
import { createIdGenerator, decomposeId, deriveMachineId, FLUXRIG_EPOCH, resolveMachineId } from './index.ts';

const run = promisify(execFile);

function strictlyIncreasing(ids: string[]): boolean {
  for (let i = 1; i < ids.length; i++) if (BigInt(ids[i] as string) <= BigInt(ids[i - 1] as string)) return false;
  return true;
}

describe('createIdGenerator', () => {
  it('makes decimal-string ids carrying the machine id and the current time', () => {
    const before = Date.now();
    const id = createIdGenerator({ machineId: 513 }).next();
    assert.match(id, /^\d+$/);
    const parts = decomposeId(id);
    assert.equal(parts.machineId, 513);
    assert.ok(parts.time >= before && parts.time <= Date.now(), `time ${parts.time}`);
  });
  it('ids fit a signed 64-bit integer', () => {
    assert.ok(BigInt(createIdGenerator({ machineId: 0xffff }).next()) < 2n ** 63n);
  });
  it('ids of one generator strictly increase over a burst', () => {
    const generator = createIdGenerator({ machineId: 1 });
    const ids = Array.from({ length: 20_000 }, () => generator.next());
    assert.ok(strictlyIncreasing(ids));
    assert.equal(new Set(ids).size, ids.length);
  });
  it('waits for the next millisecond when 256 ids were made in this one, never repeating', () => {
    const start = FLUXRIG_EPOCH + 1_000;
    let calls = 0;
    // The clock stays on `start` for 400 readings (256 ids plus the wait's polling), then moves on.
    const now = () => (calls++ < 400 ? start : start + 1);
    const generator = createIdGenerator({ machineId: 3, now });
    const ids = Array.from({ length: 300 }, () => generator.next());
    assert.equal(new Set(ids).size, 300);
    assert.ok(strictlyIncreasing(ids));
    assert.deepEqual(decomposeId(ids[255] as string), { time: start, machineId: 3, sequence: 255 });
    assert.deepEqual(decomposeId(ids[256] as string), { time: start + 1, machineId: 3, sequence: 0 });
    assert.ok(calls > 257, 'the generator polled the clock while waiting');
  });
  it('keeps increasing when the clock steps back', () => {
    const readings = [FLUXRIG_EPOCH + 5_000, FLUXRIG_EPOCH + 4_000, FLUXRIG_EPOCH + 4_001];
    const generator = createIdGenerator({ machineId: 3, now: () => readings.shift() ?? FLUXRIG_EPOCH + 5_001 });
    const ids = [generator.next(), generator.next(), generator.next(), generator.next()];
    assert.ok(strictlyIncreasing(ids));
    assert.equal(decomposeId(ids[2] as string).time, FLUXRIG_EPOCH + 5_000);
  });
  it('rejects a machine id outside 0..65535 with a RigError', () => {
    for (const machineId of [-1, 65_536, 1.5]) {
      assert.throws(() => createIdGenerator({ machineId }), (error) => error instanceof RigError && error.code === 'IDGEN_MACHINE_ID');
    }
  });
});

describe('the sonyflake package on its own', () => {
  it('repeats ids when asked for more than 256 within one millisecond (why next() keeps its own sequence)', () => {
    const frozen = mock.method(Date, 'now', () => FLUXRIG_EPOCH + 1_000);
    try {
      const flake = new Sonyflake({ epoch: FLUXRIG_EPOCH, machineId: 1 });
      const ids = Array.from({ length: 257 }, () => flake.nextId());
      assert.equal(ids[256], ids[0]);
    } finally {
      frozen.mock.restore();
    }
  });
});

describe('deriveMachineId', () => {
  it('is stable, 16 bits, and differs between names', () => {
    assert.equal(deriveMachineId('rack-eu-1'), deriveMachineId('rack-eu-1'));
    for (const seed of ['', 'a', 'rack-eu-1', 'x'.repeat(500)]) {
      const id = deriveMachineId(seed);
      assert.ok(Number.isInteger(id) && id >= 0 && id <= 0xffff, `${seed}: ${id}`);
    }
    assert.notEqual(deriveMachineId('rack-eu-1'), deriveMachineId('rack-eu-2'));
  });
});

describe('resolveMachineId', () => {
  it('uses a configured number as it is and derives one from the node name for "auto"', () => {
    assert.equal(resolveMachineId(42, 'node-a'), 42);
    assert.equal(resolveMachineId('auto', 'node-a'), deriveMachineId('node-a'));
  });
});

describe('two processes, 1M ids each', () => {
  it('never collide and each stays strictly increasing', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-idgen-'));
    try {
      const count = 1_000_000;
      const moduleUrl = new URL('./index.ts', import.meta.url).href;
      const child = (machineId: number) => {
        const file = join(dir, `ids-${machineId}.bin`);
        const script = [
          `import { writeFileSync } from 'node:fs';`,
          `import { createIdGenerator } from ${JSON.stringify(moduleUrl)};`,
          `const generator = createIdGenerator({ machineId: ${machineId} });`,
          `const ids = new BigUint64Array(${count});`,
          `for (let i = 0; i < ids.length; i++) ids[i] = BigInt(generator.next());`,
          `writeFileSync(${JSON.stringify(file)}, ids);`,
        ].join('\n');
        return run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).then(() => file);
      };
      const files = await Promise.all([child(101), child(202)]);
      const all = new BigUint64Array(count * 2);
      for (const [index, file] of files.entries()) {
        const bytes = await readFile(file);
        const ids = new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
        assert.equal(ids.length, count);
        for (let i = 1; i < ids.length; i++) {
          if ((ids[i] as bigint) <= (ids[i - 1] as bigint)) assert.fail(`${file}: id ${i} does not increase`);
        }
        all.set(ids, index * count);
      }
      all.sort();
      for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1]) assert.fail(`collision: ${all[i]}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
