/**
 * `rig data query` as a user runs it: the real CLI in a child process over a real store on disk.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { generateTraffic } from './generate.ts';
import { rigCommand } from '../support/rig-process.ts';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'rig-data-query-'));
const dataDir = join(root, 'data');
const T15 = Date.UTC(2026, 10, 23, 15) * 1000;

async function rig(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(...rigCommand(['--data-dir', dataDir, ...args]));
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

before(async () => {
  const writer = await TelemetryWriter.open({ dataDir });
  const traffic = generateTraffic({ authorisations: 100, startUs: T15, spreadUs: 60_000_000 });
  writer.append('messages', traffic.messages);
  await writer.roll(T15 / 1000 + 3_600_000); // these go to Parquet
  writer.append('messages', generateTraffic({ authorisations: 10, startUs: T15 + 3_600_000_000, spreadUs: 1_000_000, seed: 2 }).messages);
  await writer.close();
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('rig data query', () => {
  const sql = "SELECT gear, count(*) AS n FROM messages WHERE gear IN ('route', 'tcp-in') GROUP BY gear ORDER BY gear";

  test('prints an aligned table over live and Parquet rows', async () => {
    const { code, stdout } = await rig('data', 'query', sql);
    assert.equal(code, 0);
    assert.equal(stdout, ['gear      n', '------  ---', 'route   110', 'tcp-in  110', '(2 rows)', ''].join('\n'));
  });

  test('--json prints row objects', async () => {
    const { code, stdout } = await rig('--json', 'data', 'query', sql);
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), [
      { gear: 'route', n: 110 },
      { gear: 'tcp-in', n: 110 },
    ]);
  });

  test('--csv prints a header and one line per row', async () => {
    const { code, stdout } = await rig('data', 'query', '--csv', sql);
    assert.equal(code, 0);
    assert.equal(stdout, 'gear,n\nroute,110\ntcp-in,110\n');
  });

  test('a write is refused with exit code 2 and says the command is read-only', async () => {
    const { code, stderr } = await rig('data', 'query', 'DELETE FROM messages');
    assert.equal(code, 2);
    assert.match(stderr, /only SELECT queries are allowed/);
    const { stdout } = await rig('--json', 'data', 'query', 'SELECT count(*) AS n FROM messages');
    assert.deepEqual(JSON.parse(stdout), [{ n: 440 }]);
  });

  test('a SQL error names the problem and exits 2', async () => {
    const { code, stderr } = await rig('data', 'query', 'SELECT nope FROM spans');
    assert.equal(code, 2);
    assert.match(stderr, /nope/);
  });

  test('works while another process (a running mixer) holds the store', async () => {
    const lockedDir = join(root, 'locked');
    const holder: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'test/telemetry/hold-writer.ts', lockedDir, '25']);
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.once('data', () => resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      const { stdout } = await run(...rigCommand(['--data-dir', lockedDir, '--json', 'data', 'query', 'SELECT count(*) AS n FROM spans']));
      assert.deepEqual(JSON.parse(stdout), [{ n: 100 }]);
    } finally {
      holder.stdin.end();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
  });
});
