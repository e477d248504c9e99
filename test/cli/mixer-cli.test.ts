/**
 * `rig inspect racks | scenarios | scenario <id>`, `rig scenario apply | deploy | undeploy | delete` and
 * `rig rack drain` spawned as real processes against a private control plane (nats-server + mixer + one rack), plus the
 * MixerClient they are built on.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RigError } from '../../pkg/errors/index.ts';
import { MIXER_TOKEN_FILE, MixerClient } from '../../pkg/mixer/client.ts';
import { TOKEN_FILE } from '../../pkg/node/token.ts';
import { eventually, startControlPlane, type TestControlPlane } from '../support/fluxrig-node.ts';
import { rigCommand } from '../support/rig-process.ts';


let cp: TestControlPlane;
let dir: string;
let scenarioFile: string;
let outFile: string;

/** Runs `rig …` (rigCommand) in the temp dir with only the env given (never the caller's FLUXRIG_*). */
function rig(args: string[], env: Record<string, string> = {}) {
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, FLUXRIG_MIXER_URL: cp.mixer.url };
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(...rigCommand([...args]), { cwd: dir, env: { ...base, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const withToken = () => ({ FLUXRIG_MIXER_API_TOKEN: cp.token });

async function statusOf(id: string): Promise<{ state: string; gears: { gear: string; rack?: string; state: string }[] }> {
  const { body } = await cp.api('GET', `/v1/scenarios/${id}/status`);
  return body as { state: string; gears: { gear: string; rack?: string; state: string }[] };
}

describe('rig inspect / rig scenario against a running mixer (spawned CLI)', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rig-mixer-cli-'));
    outFile = join(dir, 'out.jsonl');
    scenarioFile = join(dir, 'counter.yaml');
    await writeFile(
      scenarioFile,
      [
        'id: counter',
        'name: counts to five',
        'gears:',
        '  - { id: tick, type: generator, config: { interval: 20ms, count: 5, expression: \'{ "n": seq }\' } }',
        `  - { id: sink, type: file, config: { path: "\${OUT_FILE}" } }`,
        'wires:',
        '  - { from: tick.out, to: sink.in }',
        '',
      ].join('\n'),
    );
    cp = await startControlPlane();
    await cp.startRack('r1', { zone: 'a' });
    await eventually(async () => ((await cp.api('GET', '/v1/racks')).body as unknown[]).length === 1 || undefined, 10_000, 'rack r1 registered');
  });
  after(() => cp.stop());

  it('inspect racks --json prints the API records with liveness', async () => {
    const { code, stdout, stderr } = await rig(['inspect', 'racks', '--json']);
    assert.equal(code, 0, stderr);
    const racks = JSON.parse(stdout) as { id: string; labels: Record<string, string>; live: boolean; draining: boolean }[];
    assert.deepEqual(
      racks.map((r) => [r.id, r.labels, r.live, r.draining]),
      [['r1', { zone: 'a' }, true, false]],
    );
  });

  it('inspect racks prints a table: id, labels, live, draining, counts and heartbeat age', async () => {
    const { code, stdout } = await rig(['inspect', 'racks']);
    assert.equal(code, 0);
    const [header, rule, row] = stdout.split('\n');
    assert.match(header ?? '', /^RACK +LABELS +LIVE +DRAINING +SCENARIOS +GEARS +FLOWS +HEARTBEAT$/);
    assert.match(rule ?? '', /^-+ +-+/);
    assert.match(row ?? '', /^r1 +zone=a +yes +no +0 +0 +0 +\d+(ms|\.\ds) ago$/);
  });

  it('scenario apply refuses a file with problems, naming file:line:col, and sends nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'id: counter\ngears:\n  - { id: tick, type: genrator }\nwires: []\n');
    const { code, stderr } = await rig(['scenario', 'apply', bad], withToken());
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`${bad.replaceAll('.', '\\.')}:3:\\d+ gears\\[0\\]\\.type`));
    assert.equal((await cp.api('GET', '/v1/scenarios/counter')).status, 404);
  });

  it('scenario apply needs a token and says where to put one', async () => {
    const { code, stderr } = await rig(['scenario', 'apply', scenarioFile], { OUT_FILE: outFile });
    assert.equal(code, 2);
    assert.match(stderr, /no mixer API token for PUT \/v1\/scenarios\/counter/);
    assert.match(stderr, /hint: set mixer\.api_token \(env FLUXRIG_MIXER_API_TOKEN\).*mixer\.token/);
  });

  it('a wrong token is the API error, with its code', async () => {
    const { code, stderr } = await rig(['scenario', 'apply', scenarioFile, '--json'], { OUT_FILE: outFile, FLUXRIG_MIXER_API_TOKEN: 'wrong' });
    assert.equal(code, 2);
    const error = (JSON.parse(stderr) as { error: { code: string; message: string } }).error;
    assert.deepEqual([error.code, error.message], ['UNAUTHORIZED', 'missing or wrong bearer token']);
  });

  it('scenario apply --deploy stores the file (env interpolated) and deploys it; inspect scenario shows each gear running', async () => {
    const applied = await rig(['scenario', 'apply', scenarioFile, '--deploy'], { ...withToken(), OUT_FILE: outFile });
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'scenario counter applied: version 1, deployed\n');
    await eventually(async () => ((await statusOf('counter')).state === 'running' ? true : undefined), 10_000, 'counter running');
    const lines = await eventually(async () => {
      const text = await readFile(outFile, 'utf8').catch(() => '');
      return text.trim().split('\n').filter(Boolean).length >= 5 ? true : undefined;
    });
    assert.equal(lines, true);

    const json = await rig(['inspect', 'scenario', 'counter', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as { id: string; version: number; deployed: boolean; state: string; gears: { gear: string; type: string; rack: string; state: string }[] };
    assert.deepEqual([shown.id, shown.version, shown.deployed, shown.state], ['counter', 1, true, 'running']);
    assert.deepEqual(
      shown.gears.map((g) => [g.gear, g.type, g.rack, g.state]),
      [
        ['tick', 'generator', 'r1', 'running'],
        ['sink', 'file', 'r1', 'running'],
      ],
    );

    const table = await rig(['inspect', 'scenario', 'counter']);
    assert.equal(table.code, 0);
    const lines2 = table.stdout.split('\n');
    assert.equal(lines2[0], 'scenario counter (counts to five)');
    assert.match(lines2[1] ?? '', /^version 1 {2}deployed yes {2}state running {2}updated \d{4}-/);
    assert.match(lines2[3] ?? '', /^GEAR +TYPE +RACK +STATE +ERROR$/);
    assert.match(lines2[5] ?? '', /^tick +generator +r1 +running$/);
    assert.match(lines2[6] ?? '', /^sink +file +r1 +running$/);
  });

  it('inspect scenarios lists id, version, deployed and state', async () => {
    const json = await rig(['inspect', 'scenarios', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as { id: string; version: number; deployed: boolean; state: string; gears: number }[];
    assert.deepEqual(
      list.map((s) => [s.id, s.version, s.deployed, s.state, s.gears]),
      [['counter', 1, true, 'running', 2]],
    );
    const table = await rig(['inspect', 'scenarios']);
    assert.match(table.stdout, /^SCENARIO +VERSION +DEPLOYED +STATE +GEARS +FLOWS +UPDATED\n-+.*\ncounter +1 +yes +running +2 +0 +\d{4}-/);
  });

  it('inspect racks counts the scenarios and gears a rack runs', async () => {
    const { stdout } = await rig(['inspect', 'racks']);
    assert.match(stdout.split('\n')[2] ?? '', /^r1 +zone=a +yes +no +1 +2 +/);
  });

  it('scenario undeploy reads the token rig run wrote under --data-dir', async () => {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, TOKEN_FILE), `${cp.token}\n`);
    const { code, stdout, stderr } = await rig(['--data-dir', dataDir, 'scenario', 'undeploy', 'counter']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, 'scenario counter undeployed: version 1, not deployed\n');
    assert.equal((await statusOf('counter')).state, 'undeployed');
  });

  it('scenario deploy and delete act on a stored scenario', async () => {
    const deployed = await rig(['scenario', 'deploy', 'counter', '--json'], withToken());
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual((JSON.parse(deployed.stdout) as { deployed: boolean }).deployed, true);
    const deleted = await rig(['scenario', 'delete', 'counter'], withToken());
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'scenario counter deleted\n');
    assert.equal((await cp.api('GET', '/v1/scenarios/counter')).status, 404);
  });

  it('inspect scenario of an unknown id prints the API error and exits 2', async () => {
    const { code, stderr } = await rig(['inspect', 'scenario', 'nope']);
    assert.equal(code, 2);
    assert.match(stderr, /^rig: .*nope/);
  });

  it('rack drain asks the rack through the mixer; inspect racks then shows it draining', async () => {
    const unknown = await rig(['rack', 'drain', 'r9'], withToken());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /r9/);
    const { code, stdout, stderr } = await rig(['rack', 'drain', 'r1'], withToken());
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^rack r1 draining/);
    await eventually(async () => {
      const { stdout: json } = await rig(['inspect', 'racks', '--json']);
      return (JSON.parse(json) as { draining: boolean }[])[0]?.draining === true ? true : undefined;
    }, 20_000, 'r1 reported draining');
    const table = await rig(['inspect', 'racks']);
    assert.match(table.stdout.split('\n')[2] ?? '', /^r1 +zone=a +yes +yes +/);
  });

  it('an unreachable mixer is MIXER_UNREACHABLE with a hint', async () => {
    const { code, stderr } = await rig(['inspect', 'racks', '--json'], { FLUXRIG_MIXER_URL: 'http://127.0.0.1:1' });
    assert.equal(code, 1);
    const error = (JSON.parse(stderr) as { error: { code: string; hint: string; where: string } }).error;
    assert.deepEqual([error.code, error.where], ['MIXER_UNREACHABLE', 'http://127.0.0.1:1']);
    assert.equal(error.hint, 'is `rig run` running? check mixer.url');
  });
});

describe('MixerClient', () => {
  let plane: TestControlPlane;
  before(async () => {
    plane = await startControlPlane();
  });
  after(() => plane.stop());

  it('reads health, readiness, the OpenAPI document and the gear catalogue', async () => {
    const client = new MixerClient({ url: `${plane.mixer.url}/` });
    assert.deepEqual(await client.health(), { status: 'ok' });
    assert.equal(await client.ready(), true);
    assert.equal(typeof ((await client.openapi()).paths as Record<string, unknown>)['/v1/racks'], 'object');
    const gears = await client.gears();
    assert.ok(gears.some((gear) => gear.type === 'generator' && gear.outputs.some((port) => port.name === 'out')));
  });

  it('turns a 400 with problems into a RigError carrying them', async () => {
    const client = new MixerClient({ url: plane.mixer.url, token: plane.token });
    const error = await client.putScenario('x', { id: 'x', gears: [{ id: 'g', typ: 'log' }] }).then(
      () => assert.fail('expected a 400'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof RigError);
    assert.equal(error.code, 'SCENARIO_INVALID');
    assert.equal(error.exitCode, 2);
    assert.equal(error.details?.status, 400);
    const problems = error.details?.problems as { path: string }[];
    assert.deepEqual(
      problems.map((p) => p.path),
      ['gears[0].type', 'gears[0].typ'],
    );
    assert.match(error.hint ?? '', /gears\[0\]\.typ/);
  });

  it('looks for the token in the file rig run writes', () => {
    assert.equal(MIXER_TOKEN_FILE, TOKEN_FILE);
  });

  it('refuses a mutating call without a token before sending it', async () => {
    const client = new MixerClient({ url: 'http://127.0.0.1:1', tokenHint: 'put one in the vault' });
    await assert.rejects(client.deploy('x'), (error: RigError) => error.code === 'MIXER_TOKEN_MISSING' && error.hint === 'put one in the vault');
  });

  it('round-trips a scenario: put, get, status, delete', async () => {
    const client = new MixerClient({ url: plane.mixer.url, token: plane.token });
    const scenario = { id: 'tiny', gears: [{ id: 'tick', type: 'generator', config: { interval: '1s', count: 1 } }], wires: [] };
    const stored = await client.putScenario('tiny', scenario);
    assert.deepEqual([stored.id, stored.version, stored.deployed], ['tiny', 1, false]);
    assert.equal((await client.getScenario('tiny')).version, 1);
    assert.equal((await client.status('tiny')).state, 'undeployed');
    assert.deepEqual(
      (await client.listScenarios()).map((s) => s.id),
      ['tiny'],
    );
    assert.equal(await client.deleteScenario('tiny'), undefined);
    await assert.rejects(client.getScenario('tiny'), (error: RigError) => error.code === 'NOT_FOUND' && error.details?.status === 404);
  });
});
