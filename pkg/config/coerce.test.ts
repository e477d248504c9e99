import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { coerceText } from './coerce.ts';
import { duration } from './types.ts';

describe('coerceText', () => {
  it('parses numbers and rejects non-numbers with the expected type', () => {
    assert.deepEqual(coerceText('42', z.int().default(1)), { ok: true, value: 42 });
    const bad = coerceText('4x', z.int());
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.message, /expected a number, got "4x"/);
  });
  it('parses booleans in their common spellings', () => {
    for (const text of ['true', '1', 'yes', 'ON']) assert.deepEqual(coerceText(text, z.boolean()), { ok: true, value: true });
    for (const text of ['false', '0', 'no', 'off']) assert.deepEqual(coerceText(text, z.boolean()), { ok: true, value: false });
    assert.equal(coerceText('maybe', z.boolean()).ok, false);
  });
  it('parses tables from k=v pairs and rejects a pair without =', () => {
    assert.deepEqual(coerceText('a=1,b = x', z.record(z.string(), z.string())), { ok: true, value: { a: '1', b: 'x' } });
    assert.deepEqual(coerceText('', z.record(z.string(), z.string())), { ok: true, value: {} });
    assert.equal(coerceText('novalue', z.record(z.string(), z.string())).ok, false);
  });
  it('parses comma-separated arrays element by element', () => {
    assert.deepEqual(coerceText('1, 2,3', z.array(z.int())), { ok: true, value: [1, 2, 3] });
  });
  it('picks the union member that accepts the text', () => {
    const schema = z.union([z.literal('auto'), z.int()]);
    assert.deepEqual(coerceText('auto', schema), { ok: true, value: 'auto' });
    assert.deepEqual(coerceText('7', schema), { ok: true, value: 7 });
  });
  it('passes text through for strings and text-unit fields (the schema parses "5s")', () => {
    assert.deepEqual(coerceText('5s', duration('1s', 'd')), { ok: true, value: '5s' });
  });
});
