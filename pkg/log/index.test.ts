import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closeLogger, createLogger, createStreamLogger, type LoggerOptions } from './index.ts';

const PAN = '4111111111111111';
const MASKED = '411111******1111';

function capture(options: LoggerOptions = {}) {
  const lines: string[] = [];
  const logger = createStreamLogger({ write: (line) => lines.push(line) }, { env: {}, ...options });
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('log lines are structured JSON', () => {
  it('carries level label, ISO time, pid and message', () => {
    const { logger, records } = capture();
    logger.info('hello');
    const [record] = records();
    assert.equal(record?.level, 'info');
    assert.equal(record?.msg, 'hello');
    assert.match(String(record?.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(record?.pid, process.pid);
  });
  it('has the levels trace, debug, info, warn, error and fatal', () => {
    const { logger, records } = capture({ level: 'trace' });
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) logger[level](level);
    assert.deepEqual(
      records().map((record) => record.level),
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
    );
  });
  it('drops lines below the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('quiet');
    logger.warn('loud');
    assert.equal(lines.length, 1);
  });
  it('FLUXRIG_TRACE=1 forces the trace level over the configured one', () => {
    const { logger, records } = capture({ level: 'error', env: { FLUXRIG_TRACE: '1' } });
    logger.trace('deep');
    assert.equal(records()[0]?.level, 'trace');
  });
});

describe('every log path is masked', () => {
  it('masks a PAN in the message string', () => {
    const { logger, lines } = capture();
    logger.info(`auth for ${PAN} approved`);
    assert.ok(lines[0]?.includes(MASKED));
    assert.ok(!lines[0]?.includes(PAN));
  });
  it('masks a PAN passed as a printf-style argument', () => {
    const { logger, lines } = capture();
    logger.info('auth for %s with %j', PAN, { track2: `;${PAN}=2512101?` });
    assert.ok(!lines[0]?.includes(PAN), lines[0]);
  });
  it('masks PANs and secrets in nested objects', () => {
    const { logger, lines, records } = capture();
    logger.info({ msg_in: { fields: { 2: PAN, 35: `${PAN}=2512101` }, auth: { password: 'pw', apiKey: 'k1' } } }, 'in');
    const record = records()[0] as { msg_in: { fields: Record<string, string>; auth: Record<string, string> } };
    assert.equal(record.msg_in.fields['2'], MASKED);
    assert.equal(record.msg_in.fields['35'], `${MASKED}=***`);
    assert.deepEqual(record.msg_in.auth, { password: '***', apiKey: '***' });
    assert.ok(!lines[0]?.includes(PAN));
  });
  it('masks PANs in error messages and stacks', () => {
    const { logger, lines, records } = capture();
    logger.error(new Error(`bad card ${PAN}`));
    logger.error({ err: new Error(`token=abc123 for ${PAN}`) }, 'failed');
    for (const line of lines) assert.ok(!line.includes(PAN), line);
    const [first, second] = records() as Array<{ msg: string; err: { message: string; stack: string } }>;
    assert.equal(first?.err.message, `bad card ${MASKED}`);
    assert.ok(first?.msg.includes(MASKED));
    assert.equal(second?.err.message, `token=*** for ${MASKED}`);
  });
  it('masks child-logger bindings', () => {
    const { logger, lines } = capture();
    logger.child({ card: PAN, token: 'secret-value' }).info('child');
    assert.ok(!lines[0]?.includes(PAN));
    assert.ok(!lines[0]?.includes('secret-value'));
  });
  it('keeps fluxrig ids readable', () => {
    const { logger, records } = capture();
    logger.info({ id: PAN }, 'published');
    assert.equal(records()[0]?.id, PAN);
  });
});

describe('file output', () => {
  it('rotates by size and keeps at most maxFiles rotated files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-log-'));
    try {
      const logger = await createLogger({
        stderr: false,
        env: {},
        file: { path: join(dir, 'rig.log'), rotateBytes: 1024, rotateInterval: 'off', maxFiles: 2 },
      });
      const padding = 'x'.repeat(200);
      for (let i = 0; i < 60; i++) {
        logger.info({ i, padding, pan: PAN }, 'line');
        // let pino-roll see the writes and roll between batches
        if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await closeLogger(logger);
      const files = (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
      assert.ok(files.length >= 2, `rotated: ${files.join(', ')}`);
      assert.ok(files.length <= 3, `at most 2 rotated + 1 active: ${files.join(', ')}`);
      for (const name of files) {
        const text = await readFile(join(dir, name), 'utf8');
        assert.ok(!text.includes(PAN), `${name} holds an unmasked PAN`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
