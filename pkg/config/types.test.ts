import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteSize, duration, parseByteSize, parseDuration } from './types.ts';

describe('parseDuration', () => {
  it('reads ms, s, m, h and d', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1.5m'), 90_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('7d'), 604_800_000);
  });
  it('rejects text without a unit', () => {
    assert.equal(parseDuration('5'), undefined);
    assert.equal(parseDuration('soon'), undefined);
  });
});

describe('parseByteSize', () => {
  it('reads decimal and binary units; a bare number is bytes', () => {
    assert.equal(parseByteSize('0'), 0);
    assert.equal(parseByteSize('10MB'), 10_000_000);
    assert.equal(parseByteSize('512KiB'), 524_288);
    assert.equal(parseByteSize('1gib'), 1024 ** 3);
  });
  it('rejects unknown units', () => {
    assert.equal(parseByteSize('10 parsecs'), undefined);
  });
});

describe('text-unit fields', () => {
  it('parse their text default and their input into numbers', () => {
    assert.equal(duration('5s', 'd').parse(undefined), 5000);
    assert.equal(byteSize('1KB', 's').parse('2KB'), 2000);
  });
  it('reject malformed text with an example of the right form', () => {
    const result = duration('5s', 'd').safeParse('5 seconds');
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /expected a duration such as "500ms"/);
  });
});
