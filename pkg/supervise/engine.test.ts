/**
 * waitUntilReady on a real child process that fails its start the way the Temporal dev server does
 * when the port it was given is taken: one bind error line, then a long panic stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RigError } from '../errors/index.ts';
import { superviseProcess } from './child.ts';
import { isPortRace, waitUntilReady } from './engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'rig-engine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An "engine" that prints `lines` and exits with code 2 at once. */
async function failingEngine(name: string, lines: string[]) {
  const script = join(dir, `${name}.sh`);
  writeFileSync(script, `#!/bin/sh\ncat <<'LOG'\n${lines.join('\n')}\nLOG\nexit 2\n`, { mode: 0o755 });
  const logFile = join(dir, `${name}.log`);
  const proc = await superviseProcess({ binary: script, args: [], logFile });
  const error = await waitUntilReady(proc, { engine: name, logFile, logOffset: 0, timeoutMs: 10_000, intervalMs: 20, check: async () => false }).then(
    () => assert.fail('an engine that exits is not ready'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof RigError);
  return error;
}

const stack = Array.from({ length: 40 }, (_, i) => `\tgithub.com/temporalio/cli/frame${i}.go:${i} +0x31`);

describe('waitUntilReady when the engine exits during start-up', () => {
  test('a bind conflict logged before a long stack trace is still a port race, and the message quotes it', async () => {
    const error = await failingEngine('temporal-like', [
      '{"level":"ERROR","msg":"Failed to start gRPC listener","error":"listen tcp 127.0.0.1:33445: bind: address already in use"}',
      'panic: runtime error: invalid memory address or nil pointer dereference',
      ...stack,
    ]);
    assert.equal(isPortRace(error), true);
    assert.match(error.message, /exited during start-up \(code 2/);
    assert.match(error.message, /bind: address already in use/);
    assert.match(error.message, /frame39\.go/, 'and the end of the log');
  });

  test('any other failure is not a port race', async () => {
    const error = await failingEngine('other', ['panic: the data directory is locked', ...stack]);
    assert.equal(isPortRace(error), false);
    assert.doesNotMatch(error.message, /address already in use/);
  });
});
