import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateKeys } from './locate.ts';

describe('locateKeys', () => {
  const text = ['top = 1', '[nats]', '  url = "x"', 'a.b = 2', '[rack.labels]', 'zone = "eu"', 'inline = { k = 1 }', 'list = [1, 2]'].join('\n');
  const locations = locateKeys(text);
  it('locates keys under a table header, 1-based line and column', () => {
    assert.deepEqual(locations.get('nats.url'), { line: 3, column: 3 });
  });
  it('locates a table at its header', () => {
    assert.deepEqual(locations.get('nats'), { line: 2, column: 2 });
    assert.deepEqual(locations.get('rack.labels'), { line: 5, column: 2 });
  });
  it('locates dotted keys and each of their prefixes', () => {
    assert.deepEqual(locations.get('nats.a.b'), { line: 4, column: 1 });
    assert.deepEqual(locations.get('nats.a'), { line: 4, column: 1 });
  });
  it('locates keys inside inline tables and array elements', () => {
    assert.deepEqual(locations.get('rack.labels.inline.k'), { line: 7, column: 12 });
    assert.deepEqual(locations.get('rack.labels.list.1'), { line: 8, column: 12 });
  });
  it('locates top-level keys', () => {
    assert.deepEqual(locations.get('top'), { line: 1, column: 1 });
  });
});
