import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import jsonata from 'jsonata';
import type { Envelope } from '../wire/envelope.ts';
import { compileSync, GIVE_UP } from './expression-sync.ts';
import { compileExpression } from './expression.ts';

/** Expressions the gears in configs/ and the benches use, and the corners of each node kind. */
const EXPRESSIONS = [
  '$merge([$, { "channel": "pos" }])',
  '$number(fields."4") < 100000000',
  '{ "mti": mti, "fields": fields, "channel": channel }',
  '$substring(fields."2", 0, 1) = "4"',
  '$number($substring(fields."2", 0, 2)) >= 51 and $number($substring(fields."2", 0, 2)) <= 55',
  '$merge([$, { "mti": $substring(mti, 0, 2) & $string($number($substring(mti, 2, 1)) + 1) & $substring(mti, 3), "fields": $merge([fields, { "39": "14" }]) }])',
  '{ "amount": $number(fields."4") / 100, "currency": fields."49" }',
  '$headers.channel = "pos" or $key = "T1"',
  '$substring(fields."2", -4)',
  '$substring(fields."2", -4, 2)',
  '$substring(fields."2", -40, 3)',
  '$substring(fields."2", 2, 0)',
  '$substring(name, 1, 2)',
  '$length(name) + $length(mti)',
  '$lowercase(name) & "-" & $uppercase(name)',
  '$exists(missing) or $exists(mti)',
  '$not(flag) and $boolean(count)',
  '-count * 2 - 1 % 3',
  'count / 0',
  'mti & count & flag & nothing & empty',
  'mti = 200',
  'mti < 5',
  'mti != "0200"',
  'fields = fields',
  'list',
  'list.a',
  '{ "l": list }',
  '$merge(fields)',
  '$merge(mti)',
  '$merge([fields, list])',
  'missing.deeper.still',
  'mti.length',
  'bytes',
  '$number(name)',
  '$number("0x1F") + $number("1e3") + $number(true)',
  '$string(1.5) & $string(flag)',
  '$string(fields)',
  '$',
  '$.mti',
  '$id & $type & $subject',
  '{ "a": missing, "b": 1 }',
  'nested.inner.value > 3',
  'empty or zero or nul',
];

/** Inputs: the ISO-like payload, odd shapes, and values the subset must give up on. */
const INPUTS: unknown[] = [
  { mti: '0200', fields: { 2: '4111111111111111', 4: '000000001000', 49: '978' }, channel: 'pos', name: 'Åsa', flag: true, count: 3, empty: '', zero: 0, nul: null, nested: { inner: { value: 4 } } },
  { mti: '0110', fields: { 2: '5300000000000000', 4: 'abc' }, name: 'x😀y', flag: false, count: -2.5, list: [1, { a: 2 }], bytes: new Uint8Array([1, 2]) },
  { mti: 100, fields: { 2: 4111 }, name: 5, count: '3' },
  { fields: null },
  [1, 2, 3],
  'text',
  7,
  null,
  undefined,
];

function envelopeOf(data: unknown): Envelope {
  return { id: '42', type: 'fluxrig.message', source: 'test', time: '2026-12-01T00:00:00Z', subject: 'pay', key: 'T1', headers: { channel: 'pos' }, data };
}

/** jsonata's answer, as pkg/gear/expression.ts would bind it: a value or the error code. */
async function reference(source: string, envelope: Envelope): Promise<{ value?: unknown; error?: string }> {
  try {
    const value = await jsonata(source).evaluate(envelope.data, { headers: envelope.headers ?? {}, key: envelope.key, subject: envelope.subject, type: envelope.type, id: envelope.id });
    return { value: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}

describe('synchronous JSONata subset', () => {
  it('answers exactly as jsonata does, or gives up', async () => {
    let answered = 0;
    for (const source of EXPRESSIONS) {
      const sync = compileSync(jsonata(source).ast());
      assert.ok(sync, `${source} should compile to the synchronous subset`);
      for (const data of INPUTS) {
        const envelope = envelopeOf(data);
        const expected = await reference(source, envelope);
        let actual: unknown;
        try {
          actual = sync(envelope);
        } catch (error) {
          if (error === GIVE_UP) continue;
          throw error;
        }
        const where = `${source} on ${JSON.stringify(data)}`;
        assert.equal(expected.error, undefined, `${where}: jsonata raised ${expected.error}, the subset answered ${JSON.stringify(actual)}`);
        assert.deepEqual(JSON.parse(JSON.stringify(actual ?? null)), expected.value, where);
        answered++;
      }
    }
    assert.ok(answered > EXPRESSIONS.length * 3, `only ${answered} answers: the subset gives up too often`);
  });

  it('runs the pipeline and switch expressions on ISO payloads without giving up', () => {
    const payload = envelopeOf({ mti: '0200', fields: { 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000001', 41: 'TERM0001' } });
    for (const source of EXPRESSIONS.slice(0, 6)) {
      const sync = compileSync(jsonata(source).ast());
      assert.ok(sync, source);
      assert.doesNotThrow(() => sync(payload), source);
    }
  });

  it('leaves what it does not implement to jsonata', () => {
    for (const source of ['items[price > 3]', 'fields.*', '$sum(list)', 'a ? b : c', '[1, 2]', 'mti in ["0200"]', '{ mti: 1 }', 'list[0]', '$string(x, true)', '$$.mti', '**.a', '{ "a": 1, "a": 2 }']) {
      assert.equal(compileSync(jsonata(source).ast()), undefined, source);
    }
  });

  it('gives the same values through compileExpression either way', async () => {
    const expression = compileExpression('$merge([$, { "channel": "pos" }])', 'expression');
    const data = { mti: '0200', fields: { 2: '4111111111111111' } };
    const out = (await expression.evaluate(envelopeOf(data))) as Record<string, unknown>;
    assert.deepEqual(out, { mti: '0200', fields: { 2: '4111111111111111' }, channel: 'pos' });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    // An array input takes jsonata's path and still comes back as plain data.
    assert.deepEqual(await compileExpression('$[0]', 'expression').evaluate(envelopeOf([{ a: 1 }])), { a: 1 });
  });

  it('reports a failing expression as GEAR_EXPRESSION_FAILED on the fallback path, as a rejection', async () => {
    const result = compileExpression('$number(name)', 'condition').evaluate(envelopeOf({ name: 'abc' }));
    assert.ok(result instanceof Promise, 'a failure is never thrown synchronously');
    await assert.rejects(result, { code: 'GEAR_EXPRESSION_FAILED' });
  });

  it('answers the subset with a plain value, without a promise, and the rest with a promise', async () => {
    const condition = compileExpression('$substring(fields."2", 0, 1) = "4"', 'condition');
    assert.equal(condition.evaluate(envelopeOf({ fields: { 2: '4111111111111111' } })), true);
    const fallback = compileExpression('$[0]', 'expression').evaluate(envelopeOf([{ a: 1 }]));
    assert.ok(fallback instanceof Promise);
    assert.deepEqual(await fallback, { a: 1 });
  });
});
