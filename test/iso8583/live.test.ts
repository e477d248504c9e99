/**
 * Live proof for the ISO 8583 TCP gears (issue 4): acquirer terminals → iso8583-server gear →
 * iso8583-client gear → an issuer → and all the way back, over real loopback TCP. 10k requests must all
 * come back matched to the terminal that sent them, none lost; a request the issuer never answers must
 * reach the client's error port with reason=timeout. The gears run on TestHost, a minimal in-test
 * stand-in for the rack (pkg/rack hosts them for real).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { descriptor as clientDescriptor, type IsoClientGear } from '../../gears/iso8583-client/index.ts';
import { descriptor as serverDescriptor, type IsoServerGear } from '../../gears/iso8583-server/index.ts';
import { builtinSpec, type IsoMessage } from '../../pkg/iso8583/index.ts';
import { approveRequests, eventually, purchase, TestHost, TestIssuer, TestTerminal } from './support.ts';

const spec = builtinSpec('iso87ascii');
const framing = { kind: 'binary2' as const };
const TERMINALS = 8;
const PER_TERMINAL = 1250; // 8 × 1250 = 10 000 requests
const SILENT_TERMINAL = 'NOANSWER';

describe('iso8583 live: terminals → server gear → client gear → issuer and back, over TCP', () => {
  const host = new TestHost();
  let issuer: TestIssuer;
  let server: IsoServerGear;
  let client: IsoClientGear;

  before(async () => {
    // The issuer approves everything except requests from one terminal, which it never answers.
    issuer = new TestIssuer(spec, framing, (request) => (request.fields[41] === SILENT_TERMINAL ? null : approveRequests(request)));
    await issuer.listen();
    const clientContext = host.context('client');
    client = clientDescriptor.create(
      clientDescriptor.config.parse({
        host: '127.0.0.1',
        port: issuer.port,
        framing,
        connections: 2,
        timeout_ms: 2000,
        sign_on: { enabled: true },
        echo: { interval_ms: 500 },
      }),
      clientContext,
    ) as IsoClientGear;
    server = serverDescriptor.create(serverDescriptor.config.parse({ host: '127.0.0.1', port: 0, framing }), host.context('server')) as IsoServerGear;
    host.wire('server.out', { instance: client, port: 'in' });
    host.wire('client.out', { instance: server, port: 'reply' });
    await client.start();
    await server.start();
    await eventually(() => client.stats().ready === 2, 'both issuer connections signed on');
  });

  after(async () => {
    await server.stop();
    await client.stop();
    await issuer.close();
  });

  it('10 000 requests from 8 terminals all come back matched, none lost', async (t) => {
    const terminals = await Promise.all(Array.from({ length: TERMINALS }, () => TestTerminal.connect(server.address().port, spec, framing)));
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    terminals.forEach((terminal, index) => {
      const id = `TERM${String(index).padStart(4, '0')}`;
      const frames: Buffer[] = [];
      for (let stan = 1; stan <= PER_TERMINAL; stan++) frames.push(terminal.frame(purchase(stan, id)));
      terminal.socket.write(Buffer.concat(frames));
    });
    const total = TERMINALS * PER_TERMINAL;
    const answered = () => terminals.reduce((sum, terminal) => sum + terminal.received.length, 0);
    await eventually(() => answered() >= total, `${total} answers (have ${answered()})`, 60_000);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    // Everything (terminals, both gears, issuer) runs in this one process: CPU time is the honest cost.
    t.diagnostic(
      `${total} round trips in ${seconds.toFixed(2)} s wall = ${Math.round(total / seconds)} req/s; ` +
        `${cpuSeconds.toFixed(2)} s CPU = ${Math.round(total / cpuSeconds)} req/CPU-s (terminals, gears and issuer in one process)`,
    );

    terminals.forEach((terminal, index) => {
      const id = `TERM${String(index).padStart(4, '0')}`;
      assert.equal(terminal.received.length, PER_TERMINAL, `${id}: every request answered once`);
      const stans = new Set<string>();
      for (const { message } of terminal.received) {
        assert.equal(message.mti, '0210');
        assert.equal(message.fields[39], '00');
        assert.equal(message.fields[41], id, 'an answer never reaches another terminal');
        stans.add(String(message.fields[11]));
      }
      assert.equal(stans.size, PER_TERMINAL, `${id}: each STAN answered exactly once`);
    });
    assert.equal(host.out('server.error').length, 0);
    assert.equal(host.out('client.error').length, 0);
    const issued = issuer.received.filter((message: IsoMessage) => message.mti === '0200').length;
    assert.equal(issued, total, 'the issuer saw each request exactly once');
    // An echo test (every 500 ms) may be in flight at this moment and counts as pending until its answer.
    await eventually(() => client.stats().pending === 0, 'no request or echo left in flight');
    assert.deepEqual(client.stats(), { ready: 2, pending: 0, queued: 0 });
    assert.equal(server.stats().inFlight, 0);
    await Promise.all(terminals.map((terminal) => terminal.close()));
  });

  it('a request the issuer never answers reaches the client error port with reason=timeout', async () => {
    const terminal = await TestTerminal.connect(server.address().port, spec, framing);
    terminal.send(purchase(1, SILENT_TERMINAL));
    terminal.send(purchase(2, 'TERMOKAY'));
    await eventually(() => terminal.received.length === 1, 'the answered request');
    await eventually(() => host.out('client.error').length === 1, 'the timeout', 5000);
    const [error] = host.out('client.error');
    assert.equal(error?.headers?.reason, 'timeout');
    assert.equal((error?.data as IsoMessage | undefined)?.fields[41], SILENT_TERMINAL);
    assert.ok(error?.headers?.['iso8583-connection'], 'the error still names the acquirer connection, so a flow can answer it');
    assert.equal(terminal.received[0]?.message.fields[41], 'TERMOKAY');
    await terminal.close();
  });
});
