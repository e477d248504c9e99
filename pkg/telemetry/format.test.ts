import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatCsv, formatJson, formatTable } from './format.ts';
import type { QueryResult } from './store/reader.ts';

const result: QueryResult = {
  columns: [
    { name: 'gear', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
  ],
  rows: [
    ['iso-parse', 1200],
    ['say "hi", then', null],
  ],
};

describe('query result formats', () => {
  test('table aligns text left and numbers right, with a row count', () => {
    assert.equal(
      formatTable(result),
      ['gear               n', '--------------  ----', 'iso-parse       1200', 'say "hi", then', '(2 rows)', ''].join('\n'),
    );
  });

  test('CSV quotes fields holding quotes or commas and leaves NULL empty', () => {
    assert.equal(formatCsv(result), 'gear,n\niso-parse,1200\n"say ""hi"", then",\n');
  });

  test('JSON is an array of objects keyed by column', () => {
    assert.deepEqual(JSON.parse(formatJson(result)), [
      { gear: 'iso-parse', n: 1200 },
      { gear: 'say "hi", then', n: null },
    ]);
  });
});
