import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { renderDocumentedToml } from './document.ts';
import { configFields } from './fields.ts';
import { loadConfig } from './load.ts';

const examplePath = fileURLToPath(new URL('../../configs/rig.toml', import.meta.url));
const exampleText = readFileSync(examplePath, 'utf8');

describe('configs/rig.toml', () => {
  const loaded = loadConfig({ file: examplePath, text: exampleText, env: {} });
  it('parses and validates', () => {
    assert.equal(loaded.config.node.role, 'all');
  });
  it('sets every schema key (none left to the defaults)', () => {
    const missing = configFields.filter((field) => loaded.sources[field.path]?.layer !== 'file').map((field) => field.path);
    assert.deepEqual(missing, [], `keys not documented in configs/rig.toml: ${missing.join(', ')}`);
  });
  it('shows each key at its default', () => {
    // smol-toml builds tables without a prototype: compare plain JSON forms.
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    for (const field of configFields) assert.deepEqual(plain(loaded.values[field.path]), plain(field.defaultValue), field.path);
  });
  it('has a comment right above every key', () => {
    const lines = exampleText.split('\n');
    lines.forEach((line, index) => {
      if (/^[a-z_0-9.]+ = /.test(line)) assert.match(lines[index - 1] ?? '', /^#/, `line ${index + 1}: ${line}`);
    });
  });
  it('is what the schema renders (regenerate: node --import tsx pkg/config/document.ts > configs/rig.toml)', () => {
    assert.equal(exampleText, renderDocumentedToml());
  });
});
