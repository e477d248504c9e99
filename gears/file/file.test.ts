import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { descriptor } from './index.ts';

describe('file gear', () => {
  it('appends one JSON line per message, bytes as base64, and survives a restart', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'fluxrig-file-')), 'nested', 'out.jsonl');
    const first = gearHarness(descriptor, { path, fsync: true });
    await first.instance.start?.();
    await first.send('in', { a: 1 }, { key: 'k1' });
    await first.send('in', new Uint8Array([1, 2, 3]));
    await first.stop();
    const second = gearHarness(descriptor, { path });
    await second.send('in', 'third');
    await second.stop();
    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.data), [{ a: 1 }, { base64: 'AQID' }, 'third']);
    assert.equal(lines[0].key, 'k1');
  });
});
