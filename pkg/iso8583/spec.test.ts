/**
 * Spec loading: the JSON Schema check (errors name the file, line:col and field path), the semantic checks
 * done while compiling, the builtin list and descriptions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtinSpec, IsoErrorCode, listBuiltinSpecs, loadSpec, type SpecDocument } from './index.ts';
import { expectRigError } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'fluxrig-spec-'));
function specFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const HEADER = `name: t
title: test
mti: { encoding: ascii }
bitmap: { encoding: hex }
fields:
`;

function doc(fields: SpecDocument['fields'], extra: Partial<SpecDocument> = {}): SpecDocument {
  return { name: 't', title: 't', mti: { encoding: 'ascii' }, bitmap: { encoding: 'hex' }, fields, ...extra };
}

describe('schema validation', () => {
  it('names the file, line:col and field path of a value the schema rejects', () => {
    const path = specFile('bad-type.yaml', `${HEADER}  "2": { type: n, length: 19, prefix: LL }\n  "35": { type: track2, length: 37, prefix: LL }\n`);
    const err = expectRigError(() => loadSpec(path), IsoErrorCode.BAD_SPEC);
    assert.match(err.where ?? '', new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:\\d+ fields\\.35\\.type$`));
    assert.match(err.message, /fields\.35\.type/);
  });

  it('rejects an unknown property and says which', () => {
    const path = specFile('extra.yaml', `${HEADER}  "2": { type: n, length: 19, lenght: 3 }\n`);
    const err = expectRigError(() => loadSpec(path), IsoErrorCode.BAD_SPEC);
    assert.match(err.message, /lenght/);
  });

  it('reports YAML syntax errors with line and column', () => {
    const path = specFile('syntax.yaml', `${HEADER}  "2": { type: n, length: 19\n`);
    const err = expectRigError(() => loadSpec(path), IsoErrorCode.BAD_SPEC);
    assert.match(err.where ?? '', /syntax\.yaml:\d+:\d+$/);
  });

  it('reports a missing file', () => {
    expectRigError(() => loadSpec(join(dir, 'nope.yaml')), IsoErrorCode.BAD_SPEC);
  });

  it('loads JSON spec files too', () => {
    const path = specFile('ok.json', JSON.stringify(doc({ 2: { type: 'n', length: 19, prefix: 'LL' } })));
    assert.deepEqual(loadSpec(path).fieldNumbers, [2]);
  });
});

describe('semantic checks while compiling', () => {
  it('refuses BCD for a text type', () => {
    const err = expectRigError(() => loadSpec(doc({ 41: { type: 'ans', length: 8, encoding: 'bcd' } })), IsoErrorCode.BAD_SPEC);
    assert.match(err.where ?? '', /fields\.41\.encoding/);
  });
  it('refuses a maximum length the prefix cannot express', () => {
    const err = expectRigError(() => loadSpec(doc({ 2: { type: 'n', length: 120, prefix: 'LL' } })), IsoErrorCode.BAD_SPEC);
    assert.match(err.message, /does not fit a LL ascii prefix/);
  });
  it('refuses data element numbers outside 2..128 (2..192 with a tertiary bitmap)', () => {
    expectRigError(() => loadSpec(doc({ 1: { type: 'b', length: 8 } })), IsoErrorCode.BAD_SPEC);
    expectRigError(() => loadSpec(doc({ 150: { type: 'n', length: 1 } })), IsoErrorCode.BAD_SPEC);
    assert.deepEqual(loadSpec(doc({ 150: { type: 'n', length: 1 } }, { bitmap: { encoding: 'hex', tertiary: true } })).fieldNumbers, [150]);
  });
  it('refuses DE 65 as a field when bit 65 announces the tertiary bitmap', () => {
    expectRigError(() => loadSpec(doc({ 65: { type: 'b', length: 8 } }, { bitmap: { encoding: 'binary', tertiary: true } })), IsoErrorCode.BAD_SPEC);
  });
  it('refuses a binary type written as text', () => {
    expectRigError(() => loadSpec(doc({ 52: { type: 'b', length: 8, encoding: 'ascii' } })), IsoErrorCode.BAD_SPEC);
  });
});

describe('builtin specs', () => {
  it('lists the four shipped specs with titles and files', () => {
    const list = listBuiltinSpecs();
    assert.deepEqual(
      list.map((s) => s.name),
      ['iso87ascii', 'iso87binary', 'iso93ascii', 'iso87ebcdic'],
    );
    for (const s of list) {
      assert.ok(s.title.length > 0);
      assert.match(s.path, /configs\/specs\/.+\.yaml$/);
    }
  });

  it('compiles each builtin once and returns the same spec object afterwards', () => {
    assert.equal(builtinSpec('iso87ascii'), builtinSpec('iso87ascii'));
  });

  it('describes fields and EMV tags', () => {
    const spec = builtinSpec('iso87ascii');
    assert.equal(spec.describe(35), 'Track 2 data');
    assert.equal(spec.describe(55, '9F26'), 'Application Cryptogram');
    assert.equal(spec.describe(1), undefined);
  });

  it('defines DE 2..128 in every 1987/1993 spec', () => {
    for (const name of ['iso87ascii', 'iso87binary', 'iso93ascii', 'iso87ebcdic']) {
      assert.deepEqual(builtinSpec(name).fieldNumbers, Array.from({ length: 127 }, (_, i) => i + 2), name);
    }
  });
});
