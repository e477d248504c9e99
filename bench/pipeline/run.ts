/**
 * bench/pipeline: messages through a real rack — JetStream → 3 inline gears → JetStream — next to raw
 * nats.js doing the same work on the same nats-server in the same run:
 *
 *   raw 1 hop      publish (window in flight) → one pull consumer acks          the cost of one JetStream hop
 *   raw 1 relay    publish → 1 raw consumer republishing → consumer             what the fused pipeline stores
 *   raw 3 relays   publish → 3 raw consumers, each republishing to the next     the unfused topology, no fluxrig
 *   fluxrig fused  publish → transform → filter → transform (a deployed scenario on a Rack) → counted;
 *                  the three pure gears run fused (pkg/rack/fusion.ts): one consume, one publish
 *   fluxrig hops   the same scenario with `fuse: false` on every wire: a JetStream hop per wire
 *
 * Ratios: fluxrig / raw relays of the same number of hops is fluxrig's overhead (envelopes, CBOR, dedup
 * keys, ack-after-emit); fluxrig / raw 1 hop is against the issue's "raw NATS" baseline.
 *
 *   node --import tsx bench/pipeline/run.ts [--messages 10000] [--window 256] [--rounds 2] [--only fluxrig|hops]
 *
 * The two fluxrig cases run alternately `--rounds` times each; the round with the least node CPU per
 * message of each is reported (the others are printed too).
 *
 * `--only fluxrig` (fused) or `--only hops` runs that case alone (no ratios): for `node --cpu-prof`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { gearCatalogue } from '../../gears/catalogue.ts';
import { openBus } from '../../pkg/bus/index.ts';
import { createIdGenerator } from '../../pkg/idgen/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { startMixer } from '../../pkg/mixer/mixer.ts';
import { Rack } from '../../pkg/rack/rack.ts';
import { startNats } from '../../pkg/supervise/index.ts';
import { dataSubject } from '../../pkg/wire/subjects.ts';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const MESSAGES = arg('messages', 10_000);
const WINDOW = arg('window', 256);
const ROUNDS = arg('rounds', 2);
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const payload = { mti: '0200', fields: { 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000001', 41: 'TERM0001' } };

/** CPU seconds used so far by this process and by the nats-server (utime + stime from /proc). */
function cpuSeconds(natsPid: number): { node: number; nats: number } {
  const usage = process.cpuUsage();
  const fields = readFileSync(`/proc/${natsPid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return { node: (usage.user + usage.system) / 1e6, nats: ticks / 100 };
}

/** Rate and CPU cost per message of one case (CPU time is less disturbed by a busy machine than wall time). */
interface CaseResult {
  rate: number;
  nodeUsPerMsg: number;
  natsUsPerMsg: number;
  /** fluxrig cases: messages JetStream stored per wire (what fusion saves shows here). */
  stored?: Record<string, number>;
}

async function storedPerSubject(url: string, filter: string): Promise<Record<string, number>> {
  const nc = await connect({ servers: url });
  const info = await (await jetstreamManager(nc)).streams.info('FLUXRIG_DATA', { subjects_filter: filter });
  await nc.close();
  return Object.fromEntries(Object.entries(info.state.subjects ?? {}).map(([subject, n]) => [subject.split('.').pop() as string, n]));
}

function measured(seconds: number, before: { node: number; nats: number }, after: { node: number; nats: number }): CaseResult {
  return {
    rate: MESSAGES / seconds,
    nodeUsPerMsg: ((after.node - before.node) * 1e6) / MESSAGES,
    natsUsPerMsg: ((after.nats - before.nats) * 1e6) / MESSAGES,
  };
}

/** Publishes `count` items with at most `window` acks outstanding. */
async function publishWindowed(count: number, publish: (n: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: WINDOW }, async () => {
    while (next < count) await publish(next++);
  });
  await Promise.all(lanes);
}

async function rawCase(url: string, natsPid: number, relays: number): Promise<CaseResult> {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `RAW${relays}`;
  await jsm.streams.add({ name: stream, subjects: [`raw${relays}.>`] });
  const body = new TextEncoder().encode(JSON.stringify(payload));
  const stops: (() => void)[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let arrived = 0;
  for (let stage = 0; stage <= relays; stage++) {
    const durable = `stage${stage}`;
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, filter_subject: `raw${relays}.s${stage}` });
    const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: 256 });
    stops.push(() => messages.stop());
    void (async () => {
      for await (const message of messages) {
        if (stage < relays) {
          void js.publish(`raw${relays}.s${stage + 1}`, message.data, { msgID: `${message.seq}-${stage}` }).then(() => message.ack());
        } else {
          message.ack();
          if (++arrived === MESSAGES) done();
        }
      }
    })();
  }
  const cpuBefore = cpuSeconds(natsPid);
  const started = performance.now();
  await publishWindowed(MESSAGES, (n) => js.publish(`raw${relays}.s0`, body, { msgID: `m${n}` }));
  await finished;
  const result = measured((performance.now() - started) / 1000, cpuBefore, cpuSeconds(natsPid));
  for (const stop of stops) stop();
  await nc.close();
  return result;
}

async function fluxrigCase(url: string, natsPid: number, fuse: boolean, round = 0): Promise<CaseResult> {
  const id = `${fuse ? 'bench' : 'bench-hops'}${round}`;
  const logger = silentLogger();
  const ids = createIdGenerator({ machineId: 1 });
  const mixerBus = await openBus({ servers: url, name: 'bench-mixer', logger });
  const rackBus = await openBus({ servers: url, name: 'bench-rack', logger });
  const mixer = await startMixer({ bus: mixerBus, catalogue: gearCatalogue, logger, ids, host: '127.0.0.1', port: 0, apiToken: 'bench', version: 'bench', reconcileEveryMs: 500 });
  const rack = new Rack({ bus: rackBus, id: 'bench', labels: {}, catalogue: gearCatalogue, logger, ids: createIdGenerator({ machineId: 2 }), version: 'bench', heartbeatMs: 500, drainTimeoutMs: 5000, concurrency: 256 });
  await rack.start();
  const wire = (name: string, from: string, to: string) => ({ id: name, from, to, ...(fuse ? {} : { fuse: false }) });
  const scenario = {
    id,
    gears: [
      { id: 'source', type: 'generator', config: { interval: '1h', count: 1, data: payload } },
      { id: 'enrich', type: 'transform', config: { expression: '$merge([$, { "channel": "pos" }])' } },
      { id: 'screen', type: 'filter', config: { condition: '$number(fields."4") < 100000000' } },
      { id: 'shape', type: 'transform', config: { expression: '{ "mti": mti, "fields": fields, "channel": channel }' } },
      { id: 'tail', type: 'log', config: { level: 'trace' } },
    ],
    wires: [wire('w0', 'source.out', 'enrich.in'), wire('w1', 'enrich.out', 'screen.in'), wire('w2', 'screen.out', 'shape.in'), wire('w3', 'shape.out', 'tail.in')],
  };
  await mixer.service.putScenario(id, scenario);
  await mixer.service.setDeployed(id, true);
  for (;;) {
    if ((await mixer.service.status(id)).state === 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Count what leaves the third gear with a consumer of our own on w3.
  let arrived = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const counter = await rackBus.consume({ stream: 'FLUXRIG_DATA', durable: `${id}-counter`, filterSubjects: [dataSubject(id, 'w3')], concurrency: 256, deliverPolicy: 'new' }, async (envelope) => {
    if (envelope.source.endsWith('/gear/source')) return; // the generator's single tick
    if (++arrived === MESSAGES) done();
  });
  const idleBefore = cpuSeconds(natsPid);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleAfter = cpuSeconds(natsPid);
  process.stdout.write(`  (idle rack: node ${((idleAfter.node - idleBefore.node) * 500).toFixed(0)} ms/s, nats-server ${((idleAfter.nats - idleBefore.nats) * 500).toFixed(0)} ms/s)\n`);
  const cpuBefore = cpuSeconds(natsPid);
  const started = performance.now();
  await publishWindowed(MESSAGES, (n) =>
    mixerBus.publish(dataSubject(id, 'w0'), { id: ids.next(), type: 'fluxrig.message', source: 'bench/producer', time: new Date().toISOString(), data: payload, scenario: id, headers: { n: String(n) } }),
  );
  await finished;
  const result = measured((performance.now() - started) / 1000, cpuBefore, cpuSeconds(natsPid));
  result.stored = await storedPerSubject(url, `fluxrig.data.${id}.>`);
  await counter.stop();
  await mixer.service.setDeployed(id, false); // the next case's mixer and rack must not run this one too
  await rack.stop();
  await mixer.stop();
  await rackBus.close();
  await mixerBus.close();
  return result;
}

const FUSED = 'fluxrig fused (2 hops)';
const HOPS = 'fluxrig fuse: false (4 hops)';

function row(name: string, result: CaseResult): string {
  const cpu = `cpu/msg: node ${result.nodeUsPerMsg.toFixed(0).padStart(5)} µs, nats-server ${result.natsUsPerMsg.toFixed(0).padStart(4)} µs`;
  const stored = result.stored ? `   stored: ${Object.entries(result.stored).map(([wire, n]) => `${wire} ${n}`).join(', ')}` : '';
  return `  ${name.padEnd(36)} ${Math.round(result.rate).toString().padStart(8)} msgs/s   ${cpu}${stored}\n`;
}

async function main(): Promise<void> {
  const nats = await startNats({ dataDir: mkdtempSync(join(tmpdir(), 'fluxrig-bench-pipeline-')), ephemeral: true });
  try {
    process.stdout.write(`bench/pipeline: ${MESSAGES} messages, window ${WINDOW}, ${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}\n`);
    if (ONLY === 'fluxrig' || ONLY === 'hops') {
      process.stdout.write(row(ONLY === 'fluxrig' ? FUSED : HOPS, await fluxrigCase(nats.url, nats.pid, ONLY === 'fluxrig')));
      return;
    }
    const oneHop = await rawCase(nats.url, nats.pid, 0);
    const oneRelay = await rawCase(nats.url, nats.pid, 1);
    const relays = await rawCase(nats.url, nats.pid, 3);
    // Alternated rounds, least node CPU per message of each kept: other work on a shared machine only
    // ever makes a round slower, and the order of the two cases must not favour either.
    const hopsRounds: CaseResult[] = [];
    const fusedRounds: CaseResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      hopsRounds.push(await fluxrigCase(nats.url, nats.pid, false, round));
      fusedRounds.push(await fluxrigCase(nats.url, nats.pid, true, round));
    }
    for (const [name, rounds] of [[HOPS, hopsRounds], [FUSED, fusedRounds]] as const) {
      process.stdout.write(`  (${name} rounds: ${rounds.map((r) => `${Math.round(r.rate)} msgs/s ${r.nodeUsPerMsg.toFixed(0)} µs`).join(' | ')})\n`);
    }
    const leastCpu = (rounds: CaseResult[]) => rounds.reduce((best, r) => (r.nodeUsPerMsg < best.nodeUsPerMsg ? r : best));
    const hops = leastCpu(hopsRounds);
    const fused = leastCpu(fusedRounds);
    process.stdout.write(row('raw 1 hop (publish → consume)', oneHop));
    process.stdout.write(row('raw 1 relay (2 hops)', oneRelay));
    process.stdout.write(row('raw 3 relays (4 hops)', relays));
    process.stdout.write(row(HOPS, hops));
    process.stdout.write(row(FUSED, fused));
    const ratio = (name: string, a: CaseResult, b: CaseResult) =>
      process.stdout.write(`  ratio ${name.padEnd(34)} ${(a.rate / b.rate).toFixed(2)}   node cpu/msg ${(a.nodeUsPerMsg / b.nodeUsPerMsg).toFixed(2)}x\n`);
    ratio('fluxrig fused / fuse: false', fused, hops);
    ratio('fluxrig fuse: false / raw 3 relays', hops, relays);
    ratio('fluxrig fused / raw 1 relay', fused, oneRelay);
    ratio('fluxrig fuse: false / raw 1 hop', hops, oneHop);
    ratio('fluxrig fused / raw 1 hop', fused, oneHop);
    process.stdout.write('  (goal: fluxrig / raw 1 hop >= 0.50)\n');
  } finally {
    await nats.stop();
  }
}

await main();
