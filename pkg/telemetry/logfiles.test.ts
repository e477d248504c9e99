import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { rotatedLogFiles, tailLines } from './logfiles.ts';
import { logsQuerySql, parseSince } from './logs-query.ts';

const dir = mkdtempSync(join(tmpdir(), 'rig-logfiles-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('rotated log files', () => {
  test('are listed oldest first by their number (rig.2.log before rig.10.log), other files ignored', () => {
    for (const name of ['rig.10.log', 'rig.2.log', 'rig.1.log', 'other.1.log', 'rig.log.bak']) writeFileSync(join(dir, name), '');
    assert.deepEqual(
      rotatedLogFiles(join(dir, 'rig.log')).map((f) => f.slice(dir.length + 1)),
      ['rig.1.log', 'rig.2.log', 'rig.10.log'],
    );
  });

  test('tailLines takes the last lines across files in order, skipping blank lines', () => {
    writeFileSync(join(dir, 'a.1.log'), 'one\ntwo\n\nthree\n');
    writeFileSync(join(dir, 'a.2.log'), 'four\nfive\n');
    assert.deepEqual(tailLines([join(dir, 'a.1.log'), join(dir, 'a.2.log')], 3), ['three', 'four', 'five']);
  });
});

describe('rig logs filters', () => {
  test('--since accepts durations back from now and ISO instants', () => {
    const now = Date.UTC(2026, 10, 23, 18);
    assert.equal(parseSince('15m', now), now - 15 * 60_000);
    assert.equal(parseSince('2h', now), now - 7_200_000);
    assert.equal(parseSince('2026-11-23T17:00:00Z', now), Date.UTC(2026, 10, 23, 17));
    assert.throws(() => parseSince('soon', now), { code: 'CLI_USAGE' });
  });

  test('filter values are quoted, never spliced into the SQL', () => {
    const sql = logsQuerySql({ scenario: "x' OR '1'='1", level: 'warn', limit: 5 });
    assert.match(sql, /scenario = 'x'' OR ''1''=''1'/);
    assert.match(sql, /severity >= 13/);
    assert.match(sql, /LIMIT 5/);
  });
});
