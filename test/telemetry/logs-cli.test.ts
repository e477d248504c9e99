/**
 * `rig logs` and `rig inspect logs` as a user runs them: the real CLI in a child process over a real
 * store and real pino-roll log files.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { closeLogger, createLogger } from '../../pkg/log/index.ts';
import type { LogRecord } from '../../pkg/telemetry/records.ts';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { rigCommand } from '../support/rig-process.ts';

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'rig-logs-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function rig(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(...rigCommand(['--data-dir', dataDir, ...args]), { env: { ...process.env, FLUXRIG_DISABLE_TELEMETRY: '1' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const nowUs = Date.now() * 1000;
const log = (minutesAgo: number, level: LogRecord['level'], severity: number, scenario: string, gear: string, message: string): LogRecord => ({
  timeUs: nowUs - minutesAgo * 60_000_000,
  level,
  severity,
  message,
  scenario,
  gear,
  rack: 'r1',
  traceId: 'ab'.repeat(16),
  attributes: {},
});

describe('rig logs', () => {
  const dataDir = join(root, 'store');
  const records = [
    log(120, 'error', 17, 'card-auth', 'tcp-out', 'old issuer timeout'),
    log(10, 'info', 9, 'card-auth', 'route', 'routed to issuer A'),
    log(9, 'error', 17, 'card-auth', 'tcp-out', 'issuer timeout after 30000 ms'),
    log(8, 'warn', 13, 'echo', 'tcp-in', 'slow client'),
    log(7, 'debug', 5, 'card-auth', 'iso-parse', 'parsed 0100'),
  ];

  test('filters by scenario, minimum level and since, oldest first', async () => {
    const writer = await TelemetryWriter.open({ dataDir });
    writer.append('logs', records);
    await writer.close();
    const { code, stdout } = await rig(dataDir, 'logs', '--scenario', 'card-auth', '--level', 'info', '--since', '30m');
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /^\S+Z INFO {2}card-auth\/route routed to issuer A trace=abab/);
    assert.match(lines[1] ?? '', /ERROR card-auth\/tcp-out issuer timeout after 30000 ms/);
  });

  test('--json prints one object per line and --gear narrows further', async () => {
    const { stdout } = await rig(dataDir, '--json', 'logs', '--gear', 'tcp-out');
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { message: string; level: string });
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ['error', 'old issuer timeout'],
        ['error', 'issuer timeout after 30000 ms'],
      ],
    );
  });

  test('a bad --level or --since is a usage error naming the flag', async () => {
    const level = await rig(dataDir, 'logs', '--level', 'loud');
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--level loud: expected one of trace, debug/);
    const since = await rig(dataDir, 'logs', '--since', 'yesterday-ish');
    assert.equal(since.code, 2);
    assert.match(since.stderr, /--since/);
  });

  test('--follow prints lines stored after it started, while the mixer holds the store', async () => {
    const followDir = join(root, 'follow');
    const writer = await TelemetryWriter.open({ dataDir: followDir });
    writer.append('logs', [log(1, 'info', 9, 'card-auth', 'route', 'before follow')]);
    await writer.publishSnapshot();
    const child = spawn(...rigCommand(['--data-dir', followDir, 'logs', '--follow', '--interval', '200']), {
      env: { ...process.env, FLUXRIG_DISABLE_TELEMETRY: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const waitFor = async (text: string) => {
        const deadline = Date.now() + 20_000;
        while (!output.includes(text)) {
          if (Date.now() > deadline) throw new Error(`no "${text}" in: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await waitFor('before follow');
      writer.append('logs', [{ ...log(0, 'warn', 13, 'card-auth', 'route', 'after follow'), timeUs: Date.now() * 1000 }]);
      await writer.publishSnapshot();
      await waitFor('after follow');
      assert.equal(output.split('before follow').length - 1, 1, 'old lines are not repeated');
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      await writer.close();
    }
  });
});

describe('rig inspect logs', () => {
  const dataDir = join(root, 'files');

  test('prints the last lines of the rotated log files, pretty by default and raw on request, PANs masked', async () => {
    const logger = await createLogger({
      stderr: false,
      file: { path: join(dataDir, 'logs', 'rig.log'), rotateBytes: 0, rotateInterval: 'off', maxFiles: 3 },
    });
    logger.info({ gear: 'route' }, 'first line');
    logger.warn({ pan: '4111111111111111' }, 'declined card 4111111111111111');
    await closeLogger(logger);

    const pretty = await rig(dataDir, 'inspect', 'logs');
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /INFO.*first line/);
    assert.match(pretty.stdout, /WARN.*declined card 411111\*\*\*\*\*\*1111/);
    assert.doesNotMatch(pretty.stdout, /4111111111111111/);

    const raw = await rig(dataDir, 'inspect', 'logs', '--raw', '--lines', '1');
    const lines = raw.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0] ?? '{}') as { msg: string }).msg, 'declined card 411111******1111');
  });

  test('says where it looked when there are no log files', async () => {
    const { code, stderr } = await rig(join(root, 'empty'), 'inspect', 'logs');
    assert.equal(code, 1);
    assert.match(stderr, /no log files yet/);
  });
});
