/**
 * The product's promise end to end, with real processes: a mixer (embedded nats-server and Temporal),
 * an edge rack holding the acquirer listener and the issuer simulator, and a core rack holding the
 * router and issuer links. 1,000 authorisations from `rig sim acquirer`; the core rack is killed with
 * SIGKILL mid-run and restarted; every request must still be answered exactly once with the right MTI.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { interpolateEnv } from '../../pkg/scenario/index.ts';
import { freePort } from '../../pkg/supervise/index.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { type RigProcess, startRig, rigCommand } from '../support/rig-process.ts';

const EXAMPLE = fileURLToPath(new URL('../../configs/scenarios/payment-switch.yaml', import.meta.url));
const EDGE_GEARS = new Set(['acquirer', 'issuer']);

describe('payment switch across processes', () => {
  const processes: RigProcess[] = [];
  after(async () => {
    for (const process of processes.reverse()) await process.kill('SIGKILL');
  });

  it('answers every one of 1,000 authorisations exactly once through a SIGKILL of the core rack', { timeout: 240_000 }, async () => {
    const base = await mkdtemp(join(tmpdir(), 'fluxrig-e2e-'));
    const [acquirerPort, issuerPort] = [await freePort(), await freePort()];
    const common = {
      FLUXRIG_RACK_HEARTBEAT_INTERVAL: '1s',
      FLUXRIG_LOG_LEVEL: 'info',
      FLUXRIG_ACQUIRER_PORT: String(acquirerPort),
      FLUXRIG_ISSUER_PORT: String(issuerPort),
    };
    const mixer = await startRig(['run', '--role', 'mixer', '--no-scenario'], {
      ...common,
      FLUXRIG_NODE_DATA_DIR: join(base, 'mixer'),
      FLUXRIG_NATS_EMBEDDED_PORT: '0',
      FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
      FLUXRIG_MIXER_PORT: '0',
    });
    processes.push(mixer);
    const natsUrl = mixer.ready.natsUrl as string;
    const mixerUrl = mixer.ready.mixerUrl as string;
    const token = (await readFile(join(base, 'mixer', 'mixer.token'), 'utf8')).trim();

    const rack = (id: string, zone: string) =>
      startRig(['run', '--role', 'rack', '--nats-url', natsUrl, '--rack-id', id, '--labels', `zone=${zone}`], { ...common, FLUXRIG_NODE_DATA_DIR: join(base, id) });
    processes.push(await rack('edge', 'edge'));
    let core = await rack('core', 'core');
    processes.push(core);

    // The example switch, placed: the listener and the simulator on the edge rack, the rest on core.
    const ports = { FLUXRIG_ACQUIRER_PORT: String(acquirerPort), FLUXRIG_ISSUER_PORT: String(issuerPort) };
    const scenario = parse(interpolateEnv(await readFile(EXAMPLE, 'utf8'), ports, EXAMPLE).text);
    for (const gear of scenario.gears) gear.placement = { labels: { zone: EDGE_GEARS.has(gear.id) ? 'edge' : 'core' } };
    const file = join(base, 'switch.yaml');
    await writeFile(file, stringify(scenario));
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`${mixerUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
    assert.equal((await api('PUT', '/v1/scenarios/payment-switch', scenario)).status, 200);
    assert.equal((await api('POST', '/v1/scenarios/payment-switch/deploy')).status, 200);
    const status = await eventually(async () => {
      const { body } = await api('GET', '/v1/scenarios/payment-switch/status');
      return body.state === 'running' ? (body as { gears: { gear: string; rack: string }[] }) : undefined;
    }, 60_000, 'the switch running on both racks');
    for (const gear of status.gears) assert.equal(gear.rack, EDGE_GEARS.has(gear.gear) ? 'edge' : 'core', gear.gear);

    // Traffic, with the core rack killed and restarted while it flows.
    const acquirer = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        ...rigCommand(['--json', 'sim', 'acquirer', '--port', String(acquirerPort), '--count', '1000', '--rate', '100', '--concurrency', '64', '--connections', '4', '--timeout', '60000']),
        { maxBuffer: 10_000_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(await core.kill('SIGKILL'), null, 'the core rack died of SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    core = await rack('core', 'core');
    processes.push(core);

    const result = await acquirer;
    const report = JSON.parse(result.stdout) as { sent: number; answered: number; timedOut: number; wrongMti: number; unmatched: number; duplicates: number; byResponseCode: Record<string, number> };
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}\n${core.output()}`);
    assert.deepEqual(
      { sent: report.sent, answered: report.answered, timedOut: report.timedOut, wrongMti: report.wrongMti, unmatched: report.unmatched, duplicates: report.duplicates },
      { sent: 1000, answered: 1000, timedOut: 0, wrongMti: 0, unmatched: 0, duplicates: 0 },
    );
    // The example issuer approves, declines the test card ending 0002, and the router declines Amex (no route).
    assert.deepEqual(report.byResponseCode, { '00': 500, '05': 250, '14': 250 });
  });
});
