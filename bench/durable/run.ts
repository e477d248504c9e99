/**
 * bench/durable: throughput of a 3-step durable flow (durableFlow + generic gear activity) against a
 * bare Temporal TypeScript workflow running the same three units of work as plain activities, on the
 * same private Temporal dev server, in the same run. Rounds alternate (durable, bare, durable, bare…)
 * so drift in a shared machine hits both sides; each side gets its own worker, started only for its
 * round. Prints flows/s per round, the median per side and the median of the per-round ratios.
 * Goal (issue 6): durable costs <= 20% over bare, i.e. ratio >= 0.80.
 *
 *   node --import tsx bench/durable/run.ts [--flows 150] [--concurrency 20] [--rounds 5] [--persisted]
 *   (FLUXRIG_BENCH_TEMPORAL_ADDRESS=host:port uses a running server instead of a private one)
 * The private server keeps its state in memory by default: with a SQLite file (--persisted, what
 * `rig run` uses) every flow waits on disk syncs and both sides run ~8x slower on a shared machine,
 * which hides the client/worker-side cost this benchmark is about.
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createGearActivities } from '../../pkg/orchestration/activities.ts';
import { dataConverter, ensureWorkflowBundle } from '../../pkg/orchestration/bundle.ts';
import { FLOW_WORKFLOW_TYPE } from '../../pkg/orchestration/plan.ts';
import type { DurableFlowInput, FlowPlan } from '../../pkg/orchestration/plan.ts';
import { superviseProcess } from '../../pkg/supervise/child.ts';
import { freePort, resolveEngineBinary, startTemporal } from '../../pkg/supervise/index.ts';
import { canConnect } from '../../pkg/supervise/ports.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { bareActivities, benchAppendGear } from './work.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const FLOWS = arg('flows', 150);
const PERSISTED = process.argv.includes('--persisted');
const CONCURRENCY = arg('concurrency', 20);
const ROUNDS = arg('rounds', 5);
const here = dirname(fileURLToPath(import.meta.url));

Runtime.install({ logger: new DefaultLogger('ERROR') });

let address = process.env.FLUXRIG_BENCH_TEMPORAL_ADDRESS ?? '';
let stopServer = async (): Promise<void> => {};
if (address === '' && PERSISTED) {
  const server = await startTemporal({ dataDir: mkdtempSync(join(tmpdir(), 'fluxrig-bench-temporal-')), ephemeral: true });
  address = server.address;
  stopServer = async () => {
    await server.stop();
  };
} else if (address === '') {
  // In-memory dev server (no --db-filename), supervised so it dies with this process.
  const scratch = mkdtempSync(join(tmpdir(), 'fluxrig-bench-temporal-'));
  const port = await freePort();
  const server = await superviseProcess({
    binary: resolveEngineBinary('temporal'),
    args: ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(await freePort()), '--metrics-port', String(await freePort()), '--log-level', 'error'],
    logFile: join(scratch, 'temporal.log'),
    removeOnExit: scratch,
  });
  const deadline = Date.now() + 60_000;
  while (!(await canConnect('127.0.0.1', port))) {
    if (Date.now() > deadline) throw new Error(`in-memory Temporal dev server did not listen on ${port}; see ${scratch}/temporal.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
  address = `127.0.0.1:${port}`;
  stopServer = async () => {
    await server.stop();
  };
}
const namespace = 'default';
const connection = await Connection.connect({ address });
const client = new Client({ connection, namespace, dataConverter });
const workerConnection = await NativeConnection.connect({ address });

const durableBundle = await ensureWorkflowBundle();
const { code: bareCode } = await bundleWorkflowCode({ workflowsPath: join(here, 'bare-workflow.ts'), logger: new DefaultLogger('ERROR') });

const plan: FlowPlan = {
  flow: 'bench',
  scenario: 'bench',
  steps: ['a', 'b', 'c'].map((mark) => ({ kind: 'gear' as const, id: mark, gear: 'bench-append', config: { mark } })),
};
let sequence = 0;
const envelopeFor = (n: number): Envelope => ({
  id: `${Date.now()}${n}`,
  type: 'fluxrig.bench',
  source: 'bench/durable',
  time: new Date().toISOString(),
  data: { trail: [] },
});

type Side = 'durable' | 'bare';

async function round(side: Side, roundNo: number): Promise<number> {
  const taskQueue = `bench-${side}-${process.pid}-${roundNo}`;
  const worker = await Worker.create({
    connection: workerConnection,
    namespace,
    taskQueue,
    ...(side === 'durable'
      ? {
          workflowBundle: durableBundle,
          dataConverter,
          activities: createGearActivities({ catalogue: [benchAppendGear as never], sourcePrefix: 'rack/bench' }),
        }
      : { workflowBundle: { code: bareCode }, activities: bareActivities }),
  });
  const running = worker.run();
  const startOne = async (): Promise<void> => {
    sequence += 1;
    const workflowId = `bench-${side}-${process.pid}-${roundNo}-${sequence}`;
    if (side === 'durable') {
      const input: DurableFlowInput = { plan, envelope: envelopeFor(sequence) };
      await client.workflow.execute(FLOW_WORKFLOW_TYPE, { taskQueue, workflowId, args: [input] });
    } else {
      await client.workflow.execute('bareThreeSteps', { taskQueue, workflowId, args: [{ trail: [] }] });
    }
  };
  // Warm-up: bundle load, sticky cache, connections.
  await Promise.all(Array.from({ length: Math.min(10, CONCURRENCY) }, startOne));
  let remaining = FLOWS;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (remaining > 0) {
        remaining -= 1;
        await startOne();
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  worker.shutdown();
  await running;
  return FLOWS / seconds;
}

const results: Record<Side, number[]> = { durable: [], bare: [] };
try {
  process.stdout.write(
    `bench/durable: ${FLOWS} flows × ${ROUNDS} rounds per side, ${CONCURRENCY} in flight, 3 steps each, server ${address} (${PERSISTED ? 'SQLite file' : 'in memory'})\n`,
  );
  // Absolute flows/s depend on the machine's load (the dev server persists to SQLite); the ratio is the figure.
  process.stdout.write(`  load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  for (let r = 1; r <= ROUNDS; r++) {
    for (const side of (r % 2 === 1 ? ['durable', 'bare'] : ['bare', 'durable']) as Side[]) {
      const rate = await round(side, r);
      results[side].push(rate);
      process.stdout.write(`  round ${r}  ${side.padEnd(8)} ${rate.toFixed(1).padStart(8)} flows/s\n`);
    }
  }
  const median = (xs: number[]): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const durable = median(results.durable);
  const bare = median(results.bare);
  // On a shared machine the load swings between rounds; the two sides of one round ran back to back,
  // so the per-round ratio is the steadier figure. Report its median too.
  const ratios = results.durable.map((d, i) => d / (results.bare[i] ?? Number.NaN));
  const ratio = median(ratios);
  process.stdout.write(
    `\n  median   durable ${durable.toFixed(1)} flows/s   bare ${bare.toFixed(1)} flows/s` +
      `\n  per-round ratios durable/bare ${ratios.map((r) => r.toFixed(2)).join(' ')}   median ${ratio.toFixed(2)}` +
      `   (overhead ${((1 - ratio) * 100).toFixed(1)}%, goal <= 20%)\n`,
  );
  process.stdout.write(`  load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
} finally {
  await workerConnection.close();
  await connection.close();
  await stopServer();
}
