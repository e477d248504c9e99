/**
 * Runs `rig` as a real child process for end-to-end tests: `startRig(args, env)` spawns
 * `node bin/rig.mjs --json …`, waits for its `{"event":"ready"}` line (or the one `isReady` picks,
 * e.g. `rig sim issuer`'s `{"listening":…}`) and returns what it announced; `kill()` can be SIGTERM (drain) or SIGKILL (crash). Output is kept for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const RIG = fileURLToPath(new URL('../../bin/rig.mjs', import.meta.url));

export interface RigProcess {
  child: ChildProcess;
  ready: Record<string, unknown>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The `--json` line a command prints once it is up: `rig run`'s `{"event":"ready"}` by default. */
export type ReadyLine = (event: Record<string, unknown>) => boolean;

export async function startRig(args: string[], env: NodeJS.ProcessEnv, readyTimeoutMs = 60_000, isReady: ReadyLine = (event) => event.event === 'ready'): Promise<RigProcess> {
  const child = spawn(process.execPath, [RIG, '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const output = () => `--- stdout\n${stdout}\n--- stderr (tail)\n${stderr.slice(-4000)}`;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rig ${args.join(' ')} not ready after ${readyTimeoutMs} ms\n${output()}`)), readyTimeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (isReady(event)) {
          clearTimeout(timer);
          resolve(event);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rig ${args.join(' ')} exited with ${code} before ready\n${output()}`));
    });
  });
  return {
    child,
    ready,
    output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
