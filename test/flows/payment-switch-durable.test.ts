/**
 * The durable payment switch example (configs/scenarios/payment-switch-durable.yaml) as an operator runs
 * it: `rig run --scenario <file>` as a child process (embedded nats-server and Temporal dev server), an
 * acquirer terminal on real TCP, and the built-in issuer simulator the scenario configures, watched
 * through the trail file its `received` port feeds.
 *
 *   - `rig check` accepts the file;
 *   - a normal authorisation is answered 0110 with the issuer's own code;
 *   - an authorisation the issuer ignores (card ending 0091) is answered 0110 with DE 39 = 91 at the
 *     acquirer before its reversal is done; the issuer then receives a 0400, then 0401 repeats, until
 *     it answers 0410 (the simulator ignores the first two reversal messages); after that, nothing more.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtinSpec, type IsoMessage } from '../../pkg/iso8583/index.ts';
import { TestTerminal } from '../iso8583/support.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { type RigProcess, startRig, startRigOnFreePorts, rigCommand } from '../support/rig-process.ts';

const SCENARIO = fileURLToPath(new URL('../../configs/scenarios/payment-switch-durable.yaml', import.meta.url));
/** The issuer's answer time limit the test gives the flow (FLUXRIG_ISSUER_TIMEOUT_MS). */
const ISSUER_TIMEOUT_MS = 1500;
/** How long the acquirer terminal waits for any answer: the issuer's limit plus room for the flow to start. */
const ACQUIRER_TIMEOUT_MS = ISSUER_TIMEOUT_MS + 10_000;

interface TrailLine {
  time: string;
  data: { request: IsoMessage; answer: IsoMessage | null };
}

function authorisation(stan: string, pan: string, amount = '000000001250'): IsoMessage {
  return {
    mti: '0100',
    fields: { 2: pan, 3: '000000', 4: amount, 7: '1123191500', 11: stan, 12: '191500', 13: '1123', 32: '123456', 37: `000000${stan}`, 41: 'TERM0001', 42: 'MERCHANT0000001', 49: '840' },
  };
}

function rig(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(...rigCommand([...args]), { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('durable payment switch example (rig run --scenario)', () => {
  let node: RigProcess;
  let terminal: TestTerminal;
  let trail: string;
  let flowEnv: NodeJS.ProcessEnv;

  before(async () => {
    const base = await mkdtemp(join(tmpdir(), 'fluxrig-durable-switch-'));
    trail = join(base, 'issuer-trail.jsonl');
    let attempt = 0;
    const started = await startRigOnFreePorts(2, ([acquirer, issuer]) =>
      startRig(
        ['run', '--scenario', SCENARIO, '--ready-timeout', '90000'],
        {
          FLUXRIG_NODE_DATA_DIR: join(base, `node-${++attempt}`),
          FLUXRIG_NATS_EMBEDDED_PORT: '0',
          FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
          FLUXRIG_MIXER_PORT: '0',
          FLUXRIG_LOG_LEVEL: 'info',
          FLUXRIG_ACQUIRER_PORT: String(acquirer),
          FLUXRIG_ISSUER_PORT: String(issuer),
          FLUXRIG_ISSUER_TIMEOUT_MS: String(ISSUER_TIMEOUT_MS),
          FLUXRIG_REVERSAL_INTERVAL: '300ms',
          FLUXRIG_ISSUER_TRAIL: trail,
        },
        120_000,
      ),
    );
    node = started.rig;
    const acquirerPort = started.ports[0] as number;
    flowEnv = { FLUXRIG_TEMPORAL_ADDRESS: String(node.ready.temporalAddress), FLUXRIG_NODE_DATA_DIR: join(base, 'cli') };
    terminal = await TestTerminal.connect(acquirerPort, builtinSpec('iso87ascii'), { kind: 'binary2' });
  });
  after(async () => {
    await terminal?.close();
    await node?.kill('SIGTERM');
  });

  /** The answer to `stan` on the terminal's connection, once it arrived (fails after the acquirer's limit). */
  const answerTo = (stan: string): Promise<{ message: IsoMessage; at: number }> =>
    eventually(
      async () => {
        const answer = terminal.received.find((r) => r.message.fields[11] === stan);
        return answer === undefined ? undefined : { message: answer.message, at: Date.now() };
      },
      ACQUIRER_TIMEOUT_MS,
      `the answer to STAN ${stan} at the acquirer\n${node.output()}`,
    );
  /** What the issuer received for `stan`, oldest first. */
  const issuerSaw = async (stan: string): Promise<TrailLine[]> => {
    const text = await readFile(trail, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as TrailLine)
      .filter((line) => line.data.request.fields[11] === stan)
      .sort((a, b) => a.time.localeCompare(b.time));
  };

  it('passes rig check', async () => {
    const checked = await rig(['check', '--json', SCENARIO], {});
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.equal(JSON.parse(checked.stdout).ok, true);
  });

  it('answers an authorisation 0110 with the issuer\'s own code', { timeout: 60_000 }, async () => {
    terminal.send(authorisation('000001', '4111111111111111'));
    terminal.send(authorisation('000002', '5500000000000002'));
    const approved = (await answerTo('000001')).message;
    assert.equal(approved.mti, '0110');
    assert.equal(approved.fields[39], '00');
    assert.match(String(approved.fields[38]), /^\d{6}$/, 'the issuer\'s approval code');
    const declined = (await answerTo('000002')).message;
    assert.deepEqual([declined.mti, declined.fields[39]], ['0110', '05']);
    const seen = await eventually(async () => ((await issuerSaw('000001')).length === 1 ? issuerSaw('000001') : undefined), 10_000, 'the issuer trail');
    assert.deepEqual(seen.map((line) => [line.data.request.mti, line.data.answer?.mti]), [['0100', '0110']]);
  });

  it('answers 91 at once when the issuer ignores the authorisation, then reverses with 0400 and 0401 repeats until the 0410', { timeout: 120_000 }, async () => {
    const stan = '000091';
    const sentAt = Date.now();
    terminal.send(authorisation(stan, '4111111111110091'));
    const { message: answer, at: answeredAt } = await answerTo(stan);
    assert.equal(answer.mti, '0110');
    assert.equal(answer.fields[39], '91', 'issuer unavailable');
    assert.equal(answer.fields[4], '000000001250', 'the answer echoes the request');
    assert.ok(answeredAt - sentAt >= ISSUER_TIMEOUT_MS, 'the switch waited for the issuer first');
    assert.equal(terminal.received.filter((r) => r.message.fields[11] === stan).length, 1);

    // The issuer: the 0100 and the first two reversal messages ignored, the third one answered 0410.
    const exchanges = await eventually(
      async () => {
        const lines = await issuerSaw(stan);
        return lines.some((line) => line.data.answer?.mti === '0410') ? lines : undefined;
      },
      60_000,
      `the 0410 in the issuer trail\n${node.output()}`,
    );
    assert.deepEqual(
      exchanges.map((line) => [line.data.request.mti, line.data.answer?.mti ?? 'silent']),
      [
        ['0100', 'silent'],
        ['0400', 'silent'],
        ['0401', 'silent'],
        ['0401', '0410'],
      ],
    );
    const answered = Date.parse(exchanges[3]?.time ?? '');
    assert.ok(answeredAt < answered, 'the acquirer had its 91 before the reversal was acknowledged');
    const reversal = exchanges[1]?.data.request as IsoMessage;
    assert.equal(reversal.fields[90], `0100${stan}11231915000000012345600000000000`, 'DE 90 names the original 0100');
    assert.equal(reversal.fields[39], '68');
    assert.match(String(reversal.fields[2]), /^411111\*+0091$/, 'the trail masks the PAN');

    // Nothing after the 0410: wait well over two repeat intervals (issuer limit + back-off) and look again.
    await new Promise((resolve) => setTimeout(resolve, 3 * (ISSUER_TIMEOUT_MS + 1200)));
    assert.equal((await issuerSaw(stan)).length, 4, 'no reversal is sent after the 0410');
    assert.equal(terminal.received.filter((r) => r.message.fields[11] === stan).length, 1, 'the acquirer was answered once');

    // The flow ended failed at `authorize`, having answered and reversed.
    const listed = await rig(['--json', 'flow', 'list', '--scenario', 'payment-switch-durable'], flowEnv);
    assert.equal(listed.code, 0, listed.stderr);
    const flows = JSON.parse(listed.stdout) as { workflowId: string; status: string }[];
    const failed = flows.filter((flow) => flow.status === 'FAILED');
    assert.equal(failed.length, 1, listed.stdout);
    const shown = await rig(['--json', 'flow', 'show', failed[0]?.workflowId as string], flowEnv);
    assert.equal(shown.code, 0, shown.stderr);
    const view = JSON.parse(shown.stdout) as { state: string; steps: { step: string; state: string }[]; failure: { step: string; code: string } };
    assert.deepEqual([view.state, view.failure.step, view.failure.code], ['failed', 'authorize', 'TIMEOUT']);
    assert.deepEqual(
      view.steps.map((record) => [record.step, record.state]),
      [
        ['authorize', 'failed'],
        ['answer-timeout', 'completed'],
        ['reverse', 'completed'],
      ],
    );
  });
});
