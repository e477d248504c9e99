/**
 * bench/switch/profile: a CPU profile of the rig process while it runs the example switch (fused, as
 * shipped) under the bench's acquirer load, and its top self-time as a share of busy CPU. The profile
 * covers the measured load only (warm-up and start-up excluded): profile-hook.mjs, loaded into the rig
 * through NODE_OPTIONS, starts and stops an in-process inspector profiler on SIGUSR2.
 *
 *   node --import tsx bench/switch/profile.ts [--count 5000] [--out /tmp/switch.cpuprofile] [--top 30] [--concurrency 32] [--warmup 3000] [--heap | --promoted]
 *
 * `--heap` records allocations instead (sampling heap profiler, objects already collected included) and
 * prints bytes allocated per authorisation by allocating function: what the young-generation GC has to
 * sweep. The file is then a .heapprofile. `--promoted` counts only what young collections did not free:
 * what they copied and promoted into the old generation (dead or not by now), which is where their time
 * and the old generation's growth come from.
 *
 * Open the .cpuprofile in Chrome DevTools or speedscope for the call tree. A 0.5 ms sampling profiler
 * costs a few percent of CPU; compare profiles with each other, not with bench/switch/run.ts figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runAcquirer } from '../../pkg/sim/acquirer.ts';
import { startSwitchRig } from './switch-rig.ts';

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const COUNT = Number(arg('count', '5000'));
const PROMOTED = process.argv.includes('--promoted');
const HEAP = PROMOTED || process.argv.includes('--heap');
const OUT = arg('out', join(tmpdir(), `fluxrig-switch-${Date.now()}.${HEAP ? 'heapprofile' : 'cpuprofile'}`));
const TOP = Number(arg('top', '30'));
const HOOK = fileURLToPath(new URL('./profile-hook.mjs', import.meta.url));

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per authorisation by allocating function (self), largest first. */
function topAllocations(head: HeapNode, authorisations: number, top: number, what: string): string {
  const self = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapNode) => {
    const frame = node.callFrame;
    const where = frame.url ? ` ${frame.url.replace(/^.*\/(node_modules\/)?/, '')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) visit(child);
  };
  visit(head);
  const perAuth = (bytes: number) => (bytes / authorisations).toFixed(0).padStart(6);
  const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => `  ${perAuth(bytes)} B  ${name}`);
  return `${what} ${perAuth(total).trim()} B per authorisation (sampled)\n${lines.join('\n')}`;
}

/**
 * Self time per function as a share of busy (non-idle) samples, largest first. Samples inside the
 * profiler's own start and stop (profile-hook.mjs) are left out: their time deltas span the switch
 * between profiler states and came out as 10 % of "dispatch".
 */
function topSelfTime(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const inHook = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      if (byId.get(at)?.callFrame.url.endsWith('profile-hook.mjs')) return true;
    }
    return false;
  };
  const self = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)' || inHook(id)) return;
    busy += dt;
    const where = frame.url ? ` ${frame.url.replace(/^.*\/(node_modules\/)?/, '')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + dt);
  });
  const lines = [...self].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => `  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
  return `busy ${(busy / 1000).toFixed(0)} ms\n${lines.join('\n')}`;
}

const load = { count: COUNT, concurrency: Number(arg('concurrency', '32')), connections: 8, timeoutMs: 30_000 };
const { rig, acquirerPort } = await startSwitchRig({
  fuse: true,
  dataDirPrefix: 'fluxrig-bench-switch-profile-',
  env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${HOOK}`, FLUXRIG_BENCH_PROFILE: OUT, ...(HEAP ? { FLUXRIG_BENCH_PROFILE_KIND: PROMOTED ? 'promoted' : 'heap' } : {}) },
});
try {
  await runAcquirer({ ...load, port: acquirerPort, count: Number(arg('warmup', '3000')) }); // warm-up (see run.ts)
  rig.child.kill('SIGUSR2');
  await sleep(200);
  const report = await runAcquirer({ ...load, port: acquirerPort });
  rig.child.kill('SIGUSR2');
  for (let waited = 0; !existsSync(OUT); waited += 100) {
    if (waited > 30_000) throw new Error(`no profile at ${OUT}\n${rig.output()}`);
    await sleep(100);
  }
  process.stdout.write(`bench/switch/profile: ${report.answered}/${report.sent} answered, ${report.tps.toFixed(0)} TPS; profile ${OUT}\n`);
  const profile = JSON.parse(readFileSync(OUT, 'utf8'));
  process.stdout.write(`${HEAP ? topAllocations((profile as { head: HeapNode }).head, report.answered, TOP, PROMOTED ? 'promoted' : 'allocated') : topSelfTime(profile as CpuProfile, TOP)}\n`);
} finally {
  await rig.kill('SIGTERM');
}
