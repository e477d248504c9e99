/**
 * bench/switch: authorisations per second and latency through `rig run` (the example payment switch on
 * an all-in-one node, real processes, loopback TCP), next to the same acquirer load sent straight to
 * the issuer simulator in the same run — the floor a switch cannot beat on this machine.
 *
 *   node --import tsx bench/switch/run.ts [--count 5000] [--concurrency 128] [--connections 8]
 *
 * Goal from the issue: >= 10k TPS with p99 <= 10 ms on 2 cores.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAcquirer, type AcquirerReport } from '../../pkg/sim/acquirer.ts';
import { startIssuer } from '../../pkg/sim/issuer.ts';
import { freePort } from '../../pkg/supervise/index.ts';
import { startRig } from '../../test/support/rig-process.ts';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const COUNT = arg('count', 5000);
const CONCURRENCY = arg('concurrency', 128);
const CONNECTIONS = arg('connections', 8);

function row(name: string, report: AcquirerReport): string {
  const lost = report.sent - report.answered;
  return `  ${name.padEnd(28)} ${report.tps.toFixed(0).padStart(7)} TPS   p50 ${report.latencyMs.p50.toFixed(2).padStart(7)} ms   p99 ${report.latencyMs.p99.toFixed(2).padStart(7)} ms   lost ${lost}`;
}

async function main(): Promise<void> {
  process.stdout.write(`bench/switch: ${COUNT} auths, ${CONCURRENCY} in flight over ${CONNECTIONS} connections, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`);
  const load = { count: COUNT, concurrency: CONCURRENCY, connections: CONNECTIONS, timeoutMs: 30_000 };

  const issuer = await startIssuer();
  await runAcquirer({ ...load, port: issuer.port, count: Math.min(1000, COUNT) }); // warm-up
  const direct = await runAcquirer({ ...load, port: issuer.port });
  await issuer.close();

  const [acquirerPort, issuerPort] = [await freePort(), await freePort()];
  const rig = await startRig(['run'], {
    FLUXRIG_NODE_DATA_DIR: mkdtempSync(join(tmpdir(), 'fluxrig-bench-switch-')),
    FLUXRIG_NATS_EMBEDDED_PORT: '0',
    FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
    FLUXRIG_MIXER_PORT: '0',
    FLUXRIG_ACQUIRER_PORT: String(acquirerPort),
    FLUXRIG_ISSUER_PORT: String(issuerPort),
    FLUXRIG_LOG_LEVEL: 'warn',
  });
  try {
    await runAcquirer({ ...load, port: acquirerPort, count: Math.min(1000, COUNT) }); // warm-up
    const switched = await runAcquirer({ ...load, port: acquirerPort });
    process.stdout.write(`${row('issuer simulator, direct', direct)}\n${row('through rig run (switch)', switched)}\n`);
    process.stdout.write(`  ratio switch / direct TPS      ${(switched.tps / direct.tps).toFixed(3)}\n`);
    process.stdout.write(`  goal: >= 10000 TPS and p99 <= 10 ms: ${switched.tps >= 10_000 && switched.latencyMs.p99 <= 10 ? 'met' : 'NOT met'}\n`);
  } finally {
    await rig.kill('SIGTERM');
  }
}

await main();
