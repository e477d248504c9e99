/**
 * bench/switch: authorisations per second and latency through `rig run` (the example payment switch on
 * an all-in-one node, real processes, loopback TCP), next to the same acquirer load sent straight to
 * the issuer simulator in the same run — the floor a switch cannot beat on this machine.
 * The switch runs three times, each in its own `rig run`: with `fuse: false` on every wire (a JetStream
 * hop per wire, as before fusion), as shipped (fused, pkg/rack/fusion.ts; every trace recorded), and as
 * shipped with `telemetry.trace_sample_ratio` = --sample (default 0.01: one trace in a hundred, as a busy
 * switch would run; metrics stay exact), then that again with the issuer simulator as `rig sim issuer`
 * in a process of its own instead of a gear inside the rig (a real issuer is remote; the rig's one
 * JavaScript thread then carries the switch alone). The sampled runs are also run paced at half their
 * own saturated TPS (--paced-share), for the latency of a switch that is not flat out.
 *
 *   node --import tsx bench/switch/run.ts [--count 10000] [--concurrency 24] [--connections 8] [--sample 0.01] [--paced-share 0.5] [--warmup 3000] [--windows 16,32,48] [--source]
 *
 * The rig measured is dist/rig, built from this tree first (what users run), unless --source asks for
 * the sources through tsx or FLUXRIG_RIG_EXECUTABLE names another executable (switch-rig.ts chooseRig).
 *
 * Each process is warmed up with --warmup authorisations before it is measured: V8 goes on optimising
 * the rig's hot path for the first few thousand (same switch, 10 000 measured: 1000 warm-up gave
 * 9.1k TPS and 93-109 µs of rig CPU per authorisation, 3000 gave 10.7-11.5k and 72-80 µs).
 *
 * Goal from the issue: >= 10k TPS with p99 <= 10 ms on 2 cores.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { runAcquirer, type AcquirerReport } from '../../pkg/sim/acquirer.ts';
import { startIssuer } from '../../pkg/sim/issuer.ts';
import { chooseRig, startSwitchRig } from './switch-rig.ts';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const COUNT = arg('count', 10_000);
// 24 in flight: the in-flight window where this switch carried most on 2 cores (README.md, 2026-12-01
// fifth session: 16 / 24 / 32 in flight gave 12.6-12.8k / 11.9-14.6k / 10.9-11.6k TPS, p99 6.0-8.4 /
// 7.0-8.6 / 10.5-12.5 ms). Past it requests only queue: at 128, 10k TPS alone would mean 12.8 ms in
// queue per request (Little's law). --windows measures the sampled switch at other windows too.
const CONCURRENCY = arg('concurrency', 24);
const CONNECTIONS = arg('connections', 8);
const SAMPLE = arg('sample', 0.01);
const PACED_SHARE = arg('paced-share', 0.5);
const WARMUP = arg('warmup', 3000);
/** In-flight windows the sampled switch is measured at as well, in the same process, after its main run. */
const WINDOWS = (() => {
  const index = process.argv.indexOf('--windows');
  const list = index > 0 ? (process.argv[index + 1] ?? '') : '16,32,48';
  return list === '' ? [] : list.split(',').map(Number).filter((window) => window !== CONCURRENCY);
})();
const RIG = chooseRig(process.argv.includes('--source'));

function row(name: string, report: AcquirerReport): string {
  const lost = report.sent - report.answered;
  return `  ${name.padEnd(28)} ${report.tps.toFixed(0).padStart(7)} TPS   p50 ${report.latencyMs.p50.toFixed(2).padStart(7)} ms   p99 ${report.latencyMs.p99.toFixed(2).padStart(7)} ms   lost ${lost}`;
}

async function main(): Promise<void> {
  process.stdout.write(`bench/switch: ${COUNT} auths (after ${WARMUP} to warm up), ${CONCURRENCY} in flight over ${CONNECTIONS} connections, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`);
  process.stdout.write(`bench/switch: rig is ${RIG}\n`);
  const load = { count: COUNT, concurrency: CONCURRENCY, connections: CONNECTIONS, timeoutMs: 30_000 };

  const issuer = await startIssuer();
  await runAcquirer({ ...load, port: issuer.port, count: WARMUP });
  const direct = await runAcquirer({ ...load, port: issuer.port });
  await issuer.close();

  const hops = await throughSwitch(load, { fuse: false });
  const fused = await throughSwitch(load, { fuse: true });
  const sampled = await throughSwitch(load, { fuse: true, sampleRatio: SAMPLE, pacedShare: PACED_SHARE, windows: WINDOWS });
  const remote = await throughSwitch(load, { fuse: true, sampleRatio: SAMPLE, pacedShare: PACED_SHARE, issuerProcess: true });
  const cpu = (report: SwitchReport) =>
    `   rig cpu/auth ${report.rigCpuUsPerAuth.toFixed(0)} µs (engines ${report.enginesCpuUsPerAuth.toFixed(0)}, load ${report.loadCpuUsPerAuth.toFixed(0)}` +
    `${report.issuerCpuUsPerAuth === undefined ? '' : `, issuer ${report.issuerCpuUsPerAuth.toFixed(0)}`})`;
  const sampledName = `fused, ${(SAMPLE * 100).toFixed(SAMPLE < 0.01 ? 1 : 0)} % of traces`;
  process.stdout.write(`${row('issuer simulator, direct', direct)}\n${row('switch, fuse: false', hops)}${cpu(hops)}\n${row('switch, fused (as shipped)', fused)}${cpu(fused)}\n`);
  process.stdout.write(`${row(`switch, ${sampledName}`, sampled)}${cpu(sampled)}\n`);
  const paced = sampled.paced as NonNullable<SwitchReport['paced']>;
  process.stdout.write(`${row(`  paced at ${paced.rate.toFixed(0)}/s`, paced)}\n`);
  for (const window of sampled.windows ?? []) process.stdout.write(`${row(`  ${window.concurrency} in flight`, window)}${cpu(window)}\n`);
  process.stdout.write(`${row('switch, same, issuer apart', remote)}${cpu(remote)}\n`);
  const remotePaced = remote.paced as NonNullable<SwitchReport['paced']>;
  process.stdout.write(`${row(`  paced at ${remotePaced.rate.toFixed(0)}/s`, remotePaced)}\n`);
  process.stdout.write(`  ratio switch fused / fuse: false TPS   ${(fused.tps / hops.tps).toFixed(3)}   p99 ${(fused.latencyMs.p99 / hops.latencyMs.p99).toFixed(3)}   rig cpu/auth ${(fused.rigCpuUsPerAuth / hops.rigCpuUsPerAuth).toFixed(3)}\n`);
  process.stdout.write(`  ratio switch ${sampledName} / fused TPS   ${(sampled.tps / fused.tps).toFixed(3)}   rig cpu/auth ${(sampled.rigCpuUsPerAuth / fused.rigCpuUsPerAuth).toFixed(3)}\n`);
  process.stdout.write(`  ratio switch fuse: false / direct TPS  ${(hops.tps / direct.tps).toFixed(3)}\n`);
  process.stdout.write(`  ratio switch fused / direct TPS        ${(fused.tps / direct.tps).toFixed(3)}\n`);
  process.stdout.write(`  ratio switch ${sampledName} / direct TPS   ${(sampled.tps / direct.tps).toFixed(3)}\n`);
  // What this machine's cores could carry if every process of the run used them fully: the ceiling set by CPU alone.
  const cores = cpus().length;
  const ceiling = (report: SwitchReport) =>
    ((cores * 1e6) / (report.rigCpuUsPerAuth + report.enginesCpuUsPerAuth + report.loadCpuUsPerAuth + (report.issuerCpuUsPerAuth ?? 0))).toFixed(0);
  process.stdout.write(
    `  CPU ceiling on ${cores} cores (all processes per auth): fuse: false ${ceiling(hops)}, fused ${ceiling(fused)}, ${sampledName} ${ceiling(sampled)}, issuer apart ${ceiling(remote)} TPS\n`,
  );
  // One JavaScript thread carries the rig: its CPU per authorisation alone caps it.
  process.stdout.write(`  one-thread ceiling of the rig (1 s / rig cpu per auth): fused ${(1e6 / fused.rigCpuUsPerAuth).toFixed(0)}, ${sampledName} ${(1e6 / sampled.rigCpuUsPerAuth).toFixed(0)}, issuer apart ${(1e6 / remote.rigCpuUsPerAuth).toFixed(0)} TPS\n`);
  const meeting = [
    { name: `fused, ${CONCURRENCY} in flight`, report: fused },
    { name: `${sampledName}, ${CONCURRENCY} in flight`, report: sampled },
    ...(sampled.windows ?? []).map((window) => ({ name: `${sampledName}, ${window.concurrency} in flight`, report: window })),
    { name: `issuer apart, ${CONCURRENCY} in flight`, report: remote },
  ].filter(({ report }) => report.tps >= 10_000 && report.latencyMs.p99 <= 10);
  process.stdout.write(`  goal: >= 10000 TPS and p99 <= 10 ms: ${meeting.length > 0 ? `met (${meeting.map(({ name }) => name).join('; ')})` : 'NOT met'}\n`);
}

/**
 * The acquirer's report plus CPU per authorisation: the rig process's own (mixer, rack, telemetry
 * sink), its engines' (the embedded nats-server and Temporal, its child processes) and this process's
 * (the acquirer load); and the paced run's report when one was asked for.
 */
type SwitchReport = AcquirerReport & {
  rigCpuUsPerAuth: number;
  enginesCpuUsPerAuth: number;
  loadCpuUsPerAuth: number;
  /** The issuer simulator's process, when it runs apart. */
  issuerCpuUsPerAuth?: number;
  paced?: AcquirerReport & { rate: number };
  /** The same switch at other in-flight windows, measured after the main run. */
  windows?: (SwitchReport & { concurrency: number })[];
};

interface SwitchRun {
  /** false: `fuse: false` on every wire. */
  fuse: boolean;
  /** telemetry.trace_sample_ratio of the rig (default: the config's, 1). */
  sampleRatio?: number;
  /** After the saturated run, run again paced at this share of its TPS. */
  pacedShare?: number;
  /** The issuer simulator as `rig sim issuer` in its own process instead of a gear in the rig. */
  issuerProcess?: boolean;
  /** After the main (and paced) run, measure again at each of these in-flight windows. */
  windows?: number[];
}

/** The pids of a process's children, from /proc (all its threads'). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list !== '') children.push(...list.split(' ').map(Number));
  }
  return children;
}

/** CPU seconds of every descendant of `pid` (not `pid` itself). */
function descendantsCpuSeconds(pid: number): number {
  let total = 0;
  for (const child of childrenOf(pid)) total += cpuSecondsOf(child) + descendantsCpuSeconds(child);
  return total;
}

/** utime + stime of a process from /proc, in seconds. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}


/** The example switch under its own `rig run`; with `fuse` false, every wire keeps its JetStream hop. */
async function throughSwitch(load: { count: number; concurrency: number; connections: number; timeoutMs: number }, run: SwitchRun): Promise<SwitchReport> {
  const env = run.sampleRatio === undefined ? {} : { FLUXRIG_TELEMETRY_TRACE_SAMPLE_RATIO: String(run.sampleRatio) };
  const { rig, acquirerPort, issuer } = await startSwitchRig({ fuse: run.fuse, dataDirPrefix: 'fluxrig-bench-switch-', env, issuerProcess: run.issuerProcess === true });
  const issuerPid = issuer?.child.pid;
  try {
    await runAcquirer({ ...load, port: acquirerPort, count: WARMUP });
    const pid = rig.child.pid as number;
    const measure = async (concurrency: number): Promise<SwitchReport> => {
      const before = { rig: cpuSecondsOf(pid), engines: descendantsCpuSeconds(pid), load: process.cpuUsage(), issuer: issuerPid === undefined ? 0 : cpuSecondsOf(issuerPid) };
      const report = await runAcquirer({ ...load, concurrency, port: acquirerPort });
      const loadCpu = process.cpuUsage(before.load);
      const perAuth = (seconds: number) => (seconds * 1e6) / report.answered;
      const measured: SwitchReport = {
        ...report,
        rigCpuUsPerAuth: perAuth(cpuSecondsOf(pid) - before.rig),
        enginesCpuUsPerAuth: perAuth(descendantsCpuSeconds(pid) - before.engines),
        loadCpuUsPerAuth: (loadCpu.user + loadCpu.system) / report.answered,
      };
      if (issuerPid !== undefined) measured.issuerCpuUsPerAuth = perAuth(cpuSecondsOf(issuerPid) - before.issuer);
      return measured;
    };
    const result = await measure(load.concurrency);
    if (run.pacedShare !== undefined) {
      const rate = Math.max(1, Math.floor(result.tps * run.pacedShare));
      result.paced = { ...(await runAcquirer({ ...load, port: acquirerPort, rate })), rate };
    }
    if (run.windows !== undefined) {
      result.windows = [];
      for (const concurrency of run.windows) result.windows.push({ ...(await measure(concurrency)), concurrency });
    }
    return result;
  } finally {
    await rig.kill('SIGTERM');
    await issuer?.kill('SIGTERM');
  }
}

await main();
