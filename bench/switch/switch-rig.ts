/**
 * The example payment switch under its own `rig run` on an all-in-one node, on free ports and in a
 * fresh data directory: what bench/switch/run.ts measures and bench/switch/profile.ts profiles.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { RIG_NODE_OPTIONS } from '../../pkg/node/node-options.ts';
import { interpolateEnv } from '../../pkg/scenario/index.ts';
import { freePort } from '../../pkg/supervise/index.ts';
import { type RigProcess, startRig } from '../../test/support/rig-process.ts';

const EXAMPLE = fileURLToPath(new URL('../../configs/scenarios/payment-switch.yaml', import.meta.url));
/** The example's iso8583-issuer-sim gear. */
const ISSUER_GEAR = 'issuer';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Which `rig` the bench measures: the executable in FLUXRIG_RIG_EXECUTABLE when set; else, unless
 * `source` asks for the sources through tsx, dist/rig built from this tree first (`make build`,
 * incremental: it only checks when nothing changed). The built binary is what users run; the sources
 * run through tsx's loader, whose esbuild `keepNames` wraps every function made at run time in a
 * __name() call the bundle does not have (one per closure made per message). Returns a description for
 * the report, and points test/support/rig-process.ts (startRig) at that executable.
 */
export function chooseRig(source: boolean): string {
  if (process.env.FLUXRIG_RIG_EXECUTABLE) return `${process.env.FLUXRIG_RIG_EXECUTABLE} (FLUXRIG_RIG_EXECUTABLE)`;
  if (source) return 'the sources through tsx (--source)';
  process.stdout.write('bench/switch: building dist/rig (make build) to measure what users run; --source measures the sources\n');
  const build = spawnSync(process.execPath, ['--import', 'tsx', 'deploy/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`make build failed (${build.error?.message ?? `exit code ${build.status}`}); run it alone to see why, or pass --source`);
  process.env.FLUXRIG_RIG_EXECUTABLE = join(ROOT, 'dist', 'rig');
  return 'dist/rig, built from this tree';
}

export interface SwitchRig {
  rig: RigProcess;
  /** Where the acquirer load goes (the switch's ISO 8583 listener). */
  acquirerPort: number;
  /** `rig sim issuer` in a process of its own, when asked for; stop it after the rig. */
  issuer?: RigProcess;
}

/**
 * Starts the switch with the Node options it is deployed with (RIG_NODE_OPTIONS). `fuse: false` puts
 * `fuse: false` on every wire (a JetStream hop per wire, as before operator fusion); `env` adds to the
 * rig's environment (its NODE_OPTIONS, e.g. a profiler hook, come after the deployed ones).
 * `issuerProcess`: the example's issuer simulator gear is left out and `rig sim issuer` (the same
 * simulator, same rules) runs in a process of its own, as a real issuer would be remote: the rig's
 * one JavaScript thread then carries the switch alone.
 */
export async function startSwitchRig(options: { fuse: boolean; dataDirPrefix: string; env?: NodeJS.ProcessEnv; issuerProcess?: boolean }): Promise<SwitchRig> {
  const [acquirerPort, issuerPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), options.dataDirPrefix));
  const ports = { FLUXRIG_ACQUIRER_PORT: String(acquirerPort), FLUXRIG_ISSUER_PORT: String(issuerPort) };
  const scenario = parse(interpolateEnv(readFileSync(EXAMPLE, 'utf8'), ports, EXAMPLE).text) as { gears: { id: string }[]; wires: Record<string, unknown>[] };
  if (!options.fuse) for (const wire of scenario.wires) wire.fuse = false;
  let issuer: RigProcess | undefined;
  if (options.issuerProcess) {
    scenario.gears = scenario.gears.filter((gear) => gear.id !== ISSUER_GEAR);
    issuer = await startRig(['sim', 'issuer', '--port', String(issuerPort)], { FLUXRIG_LOG_LEVEL: 'warn' }, 30_000, (event) => 'listening' in event);
  }
  const file = join(dataDir, 'payment-switch.yaml');
  writeFileSync(file, stringify(scenario));
  const rig = await startRig(['run', '--scenario', file], {
    FLUXRIG_NODE_DATA_DIR: dataDir,
    FLUXRIG_NATS_EMBEDDED_PORT: '0',
    FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
    FLUXRIG_MIXER_PORT: '0',
    ...ports,
    FLUXRIG_LOG_LEVEL: 'warn',
    ...options.env,
    // As deployed (deploy/Containerfile, deploy/systemd, make run): pkg/node/node-options.ts.
    NODE_OPTIONS: [...RIG_NODE_OPTIONS, options.env?.NODE_OPTIONS ?? ''].join(' ').trim(),
  });
  return issuer ? { rig, acquirerPort, issuer } : { rig, acquirerPort };
}
