import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { isRigError } from '../errors/index.ts';
import { enginesBinDir, resolveEngineBinary } from './binaries.ts';

describe('resolveEngineBinary', () => {
  const root = mkdtempSync(join(tmpdir(), 'fluxrig-supervise-binaries-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  function fakeExecutable(dir: string, name: string): string {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, name);
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  }

  test('prefers $FLUXRIG_ENGINES_DIR/bin over PATH', () => {
    const installed = fakeExecutable(join(root, 'engines', 'bin'), 'nats-server');
    fakeExecutable(join(root, 'path'), 'nats-server');
    const env = { FLUXRIG_ENGINES_DIR: join(root, 'engines'), PATH: join(root, 'path') };
    assert.equal(enginesBinDir(env), join(root, 'engines', 'bin'));
    assert.equal(resolveEngineBinary('nats-server', env), installed);
  });

  test('falls back to PATH', () => {
    const onPath = fakeExecutable(join(root, 'path'), 'temporal');
    const env = { FLUXRIG_ENGINES_DIR: join(root, 'empty'), PATH: `/nonexistent:${join(root, 'path')}` };
    assert.equal(resolveEngineBinary('temporal', env), onPath);
  });

  test('a missing engine is ENGINE_MISSING with the hint to run make engines', () => {
    const env = { FLUXRIG_ENGINES_DIR: join(root, 'empty'), PATH: '/nonexistent' };
    assert.throws(
      () => resolveEngineBinary('nats-server', env),
      (error: unknown) => isRigError(error) && error.code === 'ENGINE_MISSING' && /make engines/.test(error.hint ?? ''),
    );
  });
});
