/**
 * The pure parts of the single-executable packaging (deploy/sea/), checked without building: the lazy
 * stand-in for native addons, the checked text rewrites and the "run as a script" guard the plugin drops.
 * build.test.ts checks the same machinery end to end through the built binary.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RUN_AS_SCRIPT_GUARD, replaceOnce } from '../../deploy/sea/plugin.ts';
import { lazyObject } from '../../deploy/sea/runtime.ts';

describe('lazyObject (stand-in for a native addon until first use)', () => {
  test('reading __esModule or a known constant does not load the addon', () => {
    let loads = 0;
    const addon = lazyObject(
      () => {
        loads += 1;
        return { open: () => 'opened', sizeof_bool: 1 };
      },
      { sizeof_bool: 1 },
    ) as Record<string, unknown>;
    assert.equal(addon.__esModule, undefined);
    assert.equal(addon.sizeof_bool, 1);
    assert.equal(loads, 0);
  });

  test('the first other property read loads it once; later reads use the loaded object', () => {
    let loads = 0;
    const addon = lazyObject(() => {
      loads += 1;
      return { open: () => 'opened' };
    }) as { open(): string };
    assert.equal(addon.open(), 'opened');
    assert.equal(addon.open(), 'opened');
    assert.equal(loads, 1);
  });

  test('key listing and `in` see the loaded object (what Object.entries over an addon needs)', () => {
    const addon = lazyObject(() => ({ a: 1, b: 2 }));
    assert.deepEqual(Object.keys(addon), ['a', 'b']);
    assert.deepEqual(Object.entries(addon), [
      ['a', 1],
      ['b', 2],
    ]);
    assert.ok('a' in addon);
  });
});

describe('replaceOnce (the plugin rewrites dependency code only where it is sure)', () => {
  test('replaces the single occurrence', () => {
    assert.equal(replaceOnce('a require(x) b', 'require(x)', 'load()', 'f.js'), 'a load() b');
  });

  test('throws when the pattern is missing, naming the file', () => {
    assert.throws(() => replaceOnce('nothing here', 'require(x)', 'load()', 'dep/index.js'), /dep\/index\.js: expected exactly one/);
  });

  test('throws when the pattern occurs twice', () => {
    assert.throws(() => replaceOnce('require(x); require(x)', 'require(x)', 'load()', 'f.js'), /exactly one/);
  });
});

describe('RUN_AS_SCRIPT_GUARD (run-as-script blocks dropped from the bundle)', () => {
  const matches = (source: string) => [...source.matchAll(RUN_AS_SCRIPT_GUARD)].length;

  test('matches the guard forms the sources use', () => {
    assert.equal(matches('if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {\n'), 1);
    assert.equal(matches('if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {\n'), 1);
  });

  test('leaves other top-level ifs and indented code alone', () => {
    assert.equal(matches('if (process.argv[1] === "--help") {\n'), 0);
    assert.equal(matches('const here = new URL(".", import.meta.url);\n'), 0);
    assert.equal(matches('  if (process.argv[1] && import.meta.url) {\n'), 0);
  });
});
