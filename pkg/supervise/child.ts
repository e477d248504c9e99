/**
 * Spawns one engine process (nats-server, temporal) under a tiny `sh` watchdog so it can never outlive
 * the Node process that started it, however that process ends (clean exit, SIGTERM, crash, kill -9).
 *
 * How: the watchdog's stdin is a pipe from this process, its "lifeline". The kernel closes the pipe when
 * this process dies for any reason; the watchdog then sends the engine SIGTERM, waits a grace period and
 * sends SIGKILL. `stop()` uses the same path (it closes the lifeline), so there is one shutdown route.
 * The watchdog runs in its own session (detached), so a Ctrl-C in the terminal reaches only this process:
 * the caller decides when engines stop (after draining its own work), not the terminal.
 *
 * This module must never leave an engine running after its parent is gone, and never block the event
 * loop: it only spawns, reads the engine pid from the watchdog and waits for exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { RigError } from '../errors/index.ts';

/**
 * The watchdog. Arguments: $1 log file, $2 grace seconds (tenths), $3 directory to remove once the engine
 * is gone ('' = keep), then the engine command line. It prints the engine pid on stdout, then waits.
 * Background jobs of a non-interactive sh get /dev/null as stdin, so the lifeline is passed as fd 3.
 */
const WATCHDOG = `
log=$1; grace_tenths=$2; scratch=$3; shift 3
exec 3<&0
"$@" </dev/null >>"$log" 2>&1 3<&- &
engine=$!
echo "$engine"
(
  while read -r _ <&3; do :; done
  kill -TERM "$engine" 2>/dev/null
  waited=0
  while kill -0 "$engine" 2>/dev/null && [ "$waited" -lt "$grace_tenths" ]; do
    sleep 0.1; waited=$((waited + 1))
  done
  kill -KILL "$engine" 2>/dev/null
) &
lifeline=$!
exec 3<&-
wait "$engine"; status=$?
kill "$lifeline" 2>/dev/null
[ -n "$scratch" ] && rm -rf "$scratch"
exit "$status"
`;

export interface SuperviseOptions {
  /** Engine executable (absolute path). */
  binary: string;
  args: readonly string[];
  /** stdout and stderr of the engine are appended here. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Time between SIGTERM and SIGKILL when stopping; default 10 s. */
  graceMs?: number;
  /** Remove this directory once the engine has exited (scratch data of tests). */
  removeOnExit?: string;
}

export interface ExitInfo {
  /** The engine's exit status as the watchdog reports it (128 + n when signal n ended the engine). */
  code: number | null;
  /** Set only when the watchdog itself was killed by a signal. */
  signal: NodeJS.Signals | null;
}

/** A running engine process. */
export interface SupervisedProcess {
  /** Pid of the engine itself (not of the watchdog). */
  readonly pid: number;
  /** Pid of the watchdog `sh` that owns the engine. */
  readonly watchdogPid: number;
  /** Resolves once the engine and its watchdog are gone. */
  readonly exited: Promise<ExitInfo>;
  /** True until the engine has exited. */
  readonly running: boolean;
  /** Graceful stop: SIGTERM, then SIGKILL after the grace period. Resolves when the engine is gone. */
  stop(): Promise<ExitInfo>;
  /** Let this Node process exit while the engine runs; the engine then stops when this process ends. */
  unref(): void;
}

/** Starts `binary args…` under the watchdog; resolves once the engine pid is known. */
export async function superviseProcess(options: SuperviseOptions): Promise<SupervisedProcess> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const graceTenths = Math.max(1, Math.ceil((options.graceMs ?? 10_000) / 100));
  const child: ChildProcess = spawn(
    'sh',
    [
      '-c',
      WATCHDOG,
      'fluxrig-watchdog',
      options.logFile,
      String(graceTenths),
      options.removeOnExit ?? '',
      options.binary,
      ...options.args,
    ],
    { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'inherit'], detached: true },
  );
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });
  // An 'error' event means `sh` itself could not be spawned; it is reported through startFailure.
  const startFailure = new Promise<Error>((resolve) => child.once('error', resolve));

  const lines = createInterface({ input: child.stdout! });
  const firstLine = once(lines, 'line').then(([line]) => Number(line));
  const outcome = await Promise.race([firstLine, startFailure, exited.then(() => Number.NaN)]);
  lines.close();
  if (outcome instanceof Error) {
    throw new RigError('ENGINE_SPAWN', `could not start the watchdog shell for ${options.binary}`, {
      hint: 'a POSIX `sh` must be on PATH',
      cause: outcome,
    });
  }
  if (!Number.isInteger(outcome) || outcome <= 0) {
    throw new RigError('ENGINE_SPAWN', `${options.binary} did not start`, {
      where: options.logFile,
      hint: `see ${options.logFile}`,
    });
  }
  const pid = outcome;

  const graceMs = graceTenths * 100;
  const stop = async (): Promise<ExitInfo> => {
    if (!running) return exited;
    child.stdin!.end();
    // The watchdog escalates to SIGKILL itself; this is the backstop should the watchdog be stuck.
    const backstop = setTimeout(() => killGroup(child.pid!), graceMs + 5_000);
    try {
      return await exited;
    } finally {
      clearTimeout(backstop);
    }
  };
  return {
    pid,
    watchdogPid: child.pid!,
    exited,
    get running() {
      return running;
    },
    stop,
    unref() {
      child.unref();
      // The lifeline and pid pipes are handles too; unref them so they do not keep the loop alive.
      (child.stdin as Socket).unref();
      (child.stdout as Socket).unref();
    },
  };
}

/** SIGKILL to the watchdog's whole process group (the engine is in it: the watchdog has no job control). */
function killGroup(watchdogPid: number): void {
  try {
    process.kill(-watchdogPid, 'SIGKILL');
  } catch (error) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
