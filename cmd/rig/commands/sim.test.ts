import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AcquirerReport } from '../../../pkg/sim/acquirer.ts';
import { acquirerFailures, acquirerReportRows, progressWriter } from './sim.ts';
import { rigCommand } from '../../../test/support/rig-process.ts';

const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() };

function rig(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(...rigCommand([...args]), { env: base, cwd: tmpdir() }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** `rig sim issuer` as a child process; resolves once it printed its listening line. */
async function startIssuerProcess(args: string[]): Promise<{ child: ChildProcess; port: number; stopped: () => Promise<{ code: number | null; stdout: string }> }> {
  const child = spawn(...rigCommand(['sim', 'issuer', '--port', '0', ...args]), { env: base, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; stdout: string }>((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const match = /issuer simulator listening on 127\.0\.0\.1:(\d+)\n/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`issuer exited early (${code}): ${stderr}`)));
  });
  return {
    child,
    port,
    stopped: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const report = (overrides: Partial<AcquirerReport> = {}): AcquirerReport => ({
  sent: 10,
  answered: 10,
  timedOut: 0,
  wrongMti: 0,
  unmatched: 0,
  duplicates: 0,
  byResponseCode: { '05': 3, '00': 7 },
  elapsedMs: 1000,
  tps: 10,
  latencyMs: { p50: 1, p90: 2, p99: 3, max: 4, mean: 1.5 },
  ...overrides,
});

describe('rig sim acquirer / issuer (spawned CLI, real sockets)', () => {
  let issuer: Awaited<ReturnType<typeof startIssuerProcess>>;
  before(async () => {
    issuer = await startIssuerProcess([]);
  });
  after(() => issuer.child.kill('SIGKILL'));

  it('sends 200 requests and gets 200 answers with the right MTI (--json report)', async () => {
    const { code, stdout } = await rig(['sim', 'acquirer', '--port', String(issuer.port), '--count', '200', '--concurrency', '16', '--connections', '2', '--json']);
    assert.equal(code, 0);
    const out = JSON.parse(stdout) as AcquirerReport & { ok: boolean };
    assert.deepEqual([out.ok, out.sent, out.answered, out.timedOut, out.wrongMti, out.unmatched, out.duplicates], [true, 200, 200, 0, 0, 0, 0]);
    // Default issuer rules: PAN ...0002 (every 4th request from the third) is declined with 05.
    assert.deepEqual(out.byResponseCode, { '00': 150, '05': 50 });
    assert.ok(out.tps > 0 && out.latencyMs.max >= out.latencyMs.p50);
  });

  it('prints the report as a table and plain progress lines on a non-terminal stderr', async () => {
    const { code, stdout, stderr } = await rig(['sim', 'acquirer', '--port', String(issuer.port), '--count', '30', '--rate', '20']);
    assert.equal(code, 0);
    assert.match(stdout, /^METRIC +VALUE\n/);
    assert.match(stdout, /\nanswered +30\n/);
    assert.match(stdout, /\nlatency p99 ms +\d+\.\d{3}\n/);
    assert.match(stderr, /^sent \d+\/30 {2}answered \d+ {2}in flight \d+ {2}\d+ tps {2}1\.\d+s\n/m);
    assert.ok(!stderr.includes('\r'));
  });

  it('exits 1 and says how many timed out when the issuer stays silent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-sim-'));
    const rules = join(dir, 'rules.yaml');
    await writeFile(rules, '- when: fields."11" = "000002"\n  respond: false\n');
    const silent = await startIssuerProcess(['--rules', rules]);
    after(() => silent.child.kill('SIGKILL'));
    const { code, stdout, stderr } = await rig(['sim', 'acquirer', '--port', String(silent.port), '--count', '3', '--connections', '1', '--timeout', '300', '--json', '--no-progress']);
    assert.equal(code, 1);
    const out = JSON.parse(stdout) as AcquirerReport & { ok: boolean };
    assert.deepEqual([out.ok, out.answered, out.timedOut], [false, 2, 1]);
    assert.match(stderr, /rig: 1 timed out of 3 sent/);
  });

  it('fails with a clear message when nothing listens on the port', async () => {
    const { code, stderr } = await rig(['sim', 'acquirer', '--port', String(await closedPort()), '--count', '5']);
    assert.equal(code, 1);
    assert.match(stderr, /ECONNREFUSED/);
    assert.match(stderr, /hint: is the ISO 8583 listener up/);
  });

  it('refuses a bad option with exit 2 naming the flag', async () => {
    const { code, stderr } = await rig(['sim', 'acquirer', '--count', 'lots']);
    assert.equal(code, 2);
    assert.match(stderr, /--count must be a whole number/);
  });

  it('issuer refuses a rules file with problems, naming file:line:col', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-sim-'));
    const rules = join(dir, 'rules.yaml');
    await writeFile(rules, '- when: "true"\n  code: 5\n');
    const { code, stderr } = await rig(['sim', 'issuer', '--port', '0', '--rules', rules]);
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`${rules.replaceAll('.', '\\.')}:2:9 rules\\[0\\]\\.code`));
  });

  it('issuer applies --rules and prints its stats on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rig-sim-'));
    const rules = join(dir, 'rules.json');
    await writeFile(rules, JSON.stringify({ default_code: '00', rules: [{ when: 'fields."4" = "000000000777"', code: '61' }] }));
    const own = await startIssuerProcess(['--rules', rules]);
    const { code, stdout } = await rig(['sim', 'acquirer', '--port', String(own.port), '--count', '4', '--amount', '777', '--json']);
    assert.equal(code, 0);
    assert.deepEqual((JSON.parse(stdout) as AcquirerReport).byResponseCode, { '61': 4 });
    const stopped = await own.stopped();
    assert.equal(stopped.code, 0);
    assert.match(stopped.stdout, /issuer simulator stopped \(SIGTERM\)/);
    assert.match(stopped.stdout, /\nrequests +4\n/);
    assert.match(stopped.stdout, /\ndeclined +4\n/);
  });
});

describe('acquirer report and progress rendering', () => {
  it('lists response codes in order after the counters', () => {
    const rows = acquirerReportRows(report());
    assert.deepEqual(
      rows.filter(([metric]) => metric?.startsWith('response')),
      [
        ['response 00', '7'],
        ['response 05', '3'],
      ],
    );
  });

  it('counts timeouts, unmatched, duplicates and wrong MTIs as failures', () => {
    assert.deepEqual(acquirerFailures(report()), []);
    assert.deepEqual(acquirerFailures(report({ timedOut: 1, unmatched: 2, duplicates: 3, wrongMti: 4 })), ['1 timed out', '2 unmatched', '3 duplicated', '4 with the wrong MTI']);
  });

  it('rewrites the progress line in place on a terminal and clears it at the end', () => {
    const chunks: string[] = [];
    const stream = {
      isTTY: true,
      write(text: string) {
        chunks.push(text);
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const progress = progressWriter(stream, 100);
    progress.update({ sent: 50, answered: 40, inFlight: 10, elapsedMs: 1000 });
    progress.update({ sent: 100, answered: 100, inFlight: 0, elapsedMs: 2000 });
    progress.finish();
    assert.equal(
      chunks.join(''),
      '\rsent 50/100  answered 40  in flight 10  40 tps  1.0s\x1b[K\rsent 100/100  answered 100  in flight 0  60 tps  2.0s\x1b[K\r\x1b[K',
    );
  });
});
