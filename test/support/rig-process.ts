/**
 * Runs `rig` as a real child process for end-to-end tests: `startRig(args, env)` spawns
 * `node bin/rig.mjs --json …`, waits for its `{"event":"ready"}` line (or the one `isReady` picks,
 * e.g. `rig sim issuer`'s `{"listening":…}`) and returns what it announced; `kill()` can be SIGTERM
 * (drain) or SIGKILL (crash). Output is kept for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../pkg/supervise/index.ts';

const RIG = fileURLToPath(new URL('../../bin/rig.mjs', import.meta.url));

/**
 * The command that runs `rig args…`: the sources through tsx (`node bin/rig.mjs`), or with
 * `FLUXRIG_RIG_EXECUTABLE` set that executable (dist/rig from `make build`, what users run). Every test
 * that runs the CLI asks here, so the whole suite can be pointed at the built binary.
 */
export function rigCommand(args: readonly string[]): [string, string[]] {
  const executable = process.env.FLUXRIG_RIG_EXECUTABLE;
  return executable ? [executable, [...args]] : [process.execPath, [RIG, ...args]];
}

export interface RigProcess {
  child: ChildProcess;
  ready: Record<string, unknown>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The `--json` line a command prints once it is up: `rig run`'s `{"event":"ready"}` by default. */
export type ReadyLine = (event: Record<string, unknown>) => boolean;

/**
 * A port rig was to listen on was taken before it bound it: ports from `freePort()` are only free when
 * asked for, and tests running beside this one (or the engines rig starts) may take one meanwhile.
 */
export class PortTakenError extends Error {}

export async function startRig(args: string[], env: NodeJS.ProcessEnv, readyTimeoutMs = 60_000, isReady: ReadyLine = (event) => event.event === 'ready'): Promise<RigProcess> {
  const [command, argv] = rigCommand(['--json', ...args]);
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let portTaken: (() => void) | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr += text;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    if (text.includes('EADDRINUSE')) portTaken?.();
  });
  const output = () => `--- stdout\n${stdout}\n--- stderr (tail)\n${stderr.slice(-4000)}`;
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rig ${args.join(' ')} not ready after ${readyTimeoutMs} ms\n${output()}`)), readyTimeoutMs);
    // Not ready yet and a listener's port is taken: it would stay so until the ready timeout; give up now.
    portTaken = () => {
      portTaken = undefined;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new PortTakenError(`rig ${args.join(' ')}: a port it was to listen on is taken\n${output()}`));
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (isReady(event)) {
          portTaken = undefined;
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

/**
 * Starts rig on `count` ports from `freePort()` (`start` builds its command and environment from them),
 * and again on fresh ones, up to `attempts` times, when one was taken before rig bound it.
 */
export async function startRigOnFreePorts(count: number, start: (ports: number[]) => Promise<RigProcess>, attempts = 3): Promise<{ rig: RigProcess; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    try {
      return { rig: await start(ports), ports };
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
    }
  }
}
