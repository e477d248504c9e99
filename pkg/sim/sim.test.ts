import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { encodeFrame, FrameDecoder, resolveFraming } from '../iso8583/framing.ts';
import { builtinSpec, pack, unpack } from '../iso8583/index.ts';
import type { IsoMessage } from '../iso8583/types.ts';
import { percentiles, runAcquirer } from './acquirer.ts';
import { type IssuerExchange, startIssuer } from './issuer.ts';

/** One framed connection to the simulator: send messages, read the answers that came back. */
async function openLink(port: number) {
  const spec = builtinSpec('iso87ascii');
  const framing = resolveFraming({ kind: 'binary2' });
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const decoder = new FrameDecoder(framing);
  const answers: IsoMessage[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) answers.push(unpack(frame.message, spec));
  });
  return {
    answers,
    socket,
    send: (message: IsoMessage) => socket.write(encodeFrame(pack(message, spec), framing)),
    /** Several requests in one write, so the simulator reads them together. */
    sendAll: (messages: IsoMessage[]) => socket.write(Buffer.concat(messages.map((message) => encodeFrame(pack(message, spec), framing)))),
    close: () => socket.destroy(),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const reversal = (mti: '0400' | '0401', stan: string): IsoMessage => ({
  mti,
  fields: { 2: '4111111111110091', 3: '000000', 4: '000000009191', 7: '1123191500', 11: stan, 32: '123456', 37: `000000${stan}`, 41: 'TERM0001', 90: `0100${stan}1123191500000001234560000000000` },
});

describe('issuer and acquirer simulators over real TCP', () => {
  it('answers every request once, approving and declining by rule', async () => {
    const issuer = await startIssuer();
    after(() => issuer.close());
    const report = await runAcquirer({ port: issuer.port, count: 400, concurrency: 32, connections: 2, amount: (n) => (n % 4 === 3 ? 2_000_000 : 1000) });
    assert.equal(report.sent, 400);
    assert.equal(report.answered, 400);
    assert.deepEqual([report.timedOut, report.wrongMti, report.unmatched, report.duplicates], [0, 0, 0, 0]);
    // PAN 4000000000000002 (every 4th from index 2) is declined 05; amounts over 10,000.00 (every 4th from index 3) get 51.
    assert.deepEqual(report.byResponseCode, { '00': 200, '05': 100, '51': 100 });
    assert.equal(issuer.stats.requests, 400);
  });

  it('reports timeouts when the issuer stays silent', async () => {
    const issuer = await startIssuer({ rules: [{ when: 'fields."11" = "000002"', code: '00', delay_ms: 0, respond: false }] });
    after(() => issuer.close());
    const report = await runAcquirer({ port: issuer.port, count: 3, concurrency: 3, connections: 1, timeoutMs: 300 });
    assert.equal(report.answered, 2);
    assert.equal(report.timedOut, 1);
  });

  it('applies rules whose conditions answer asynchronously, and answers 30 when a condition fails on a request', async () => {
    const issuer = await startIssuer({
      rules: [
        // `$count` is outside JSONata's synchronous subset: this condition answers with a promise.
        { when: '$count([fields."11"]) = 1 and fields."11" = "000002"', code: '05', delay_ms: 0, respond: true },
        // `$number` of a non-numeric DE 48 is a JSONata error: the condition fails for that request only.
        { when: '$number(fields."48") > 5', code: '51', delay_ms: 0, respond: true },
      ],
    });
    after(() => issuer.close());
    const link = await openLink(issuer.port);
    after(() => link.close());
    const request = (stan: string, de48: string): IsoMessage => ({ mti: '0200', fields: { 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: stan, 41: 'TERM0001', 48: de48 } });
    link.sendAll([request('000001', '9'), request('000002', '1'), request('000003', 'X'), request('000004', '1')]);
    await until(() => link.answers.length === 4, 'four answers');
    const codes = Object.fromEntries(link.answers.map((answer) => [answer.fields[11], answer.fields[39]]));
    assert.deepEqual(codes, { '000001': '51', '000002': '05', '000003': '30', '000004': '00' });
  });

  it('answers 0100 authorisation requests with 0110', async () => {
    const issuer = await startIssuer();
    after(() => issuer.close());
    const report = await runAcquirer({ port: issuer.port, count: 1, connections: 1, mti: '0100' });
    assert.equal(report.wrongMti, 0);
    assert.deepEqual(report.byResponseCode, { '00': 1 });
  });

  it('answers a reversal (0400) and its repeats (0401) with 0410, ignoring the first ones while a `times` rule lasts', async () => {
    const exchanges: IssuerExchange[] = [];
    const issuer = await startIssuer(
      { rules: [{ when: 'mti in ["0400", "0401"] and fields."4" = "000000009191"', code: '05', delay_ms: 0, respond: false, times: 2 }] },
      { onExchange: (exchange) => exchanges.push(exchange) },
    );
    const link = await openLink(issuer.port);
    after(async () => {
      link.close();
      await issuer.close();
    });
    // One at a time, as a reversal loop sends them: each waits for the simulator's decision.
    for (const [n, mti] of (['0400', '0401', '0401', '0401'] as const).entries()) {
      link.send(reversal(mti, '000042'));
      await until(() => exchanges.length === n + 1, `the decision on message ${n + 1}`);
    }
    await until(() => link.answers.length === 2, 'two answers');
    assert.deepEqual(exchanges.map((e) => [e.request.mti, e.response?.mti ?? 'silent']), [['0400', 'silent'], ['0401', 'silent'], ['0401', '0410'], ['0401', '0410']]);
    assert.deepEqual(link.answers.map((a) => [a.mti, a.fields[11], a.fields[39]]), [['0410', '000042', '00'], ['0410', '000042', '00']]);
    assert.equal(issuer.stats.silent, 2);
  });

  it('never lets requests evaluated side by side overrun a `times` rule', async () => {
    const issuer = await startIssuer({ rules: [{ when: 'true', code: '05', delay_ms: 0, respond: true, times: 3 }] });
    after(() => issuer.close());
    const report = await runAcquirer({ port: issuer.port, count: 40, concurrency: 40, connections: 2, pans: ['4111111111111111'] });
    assert.deepEqual(report.byResponseCode, { '05': 3, '00': 37 });
  });

  it('does not answer messages that are not requests', async () => {
    const exchanges: IssuerExchange[] = [];
    const issuer = await startIssuer({}, { onExchange: (exchange) => exchanges.push(exchange) });
    const link = await openLink(issuer.port);
    after(async () => {
      link.close();
      await issuer.close();
    });
    link.send({ mti: '0110', fields: { 11: '000001', 39: '00' } });
    link.send(reversal('0400', '000007'));
    await until(() => link.answers.length === 1, 'the 0410');
    assert.equal(link.answers[0]?.mti, '0410');
    assert.equal(issuer.stats.malformed, 1);
    assert.deepEqual(exchanges.map((e) => e.request.mti), ['0400']);
  });

  it('answers the requests of one read in one write, intact and in order', async () => {
    const issuer = await startIssuer();
    const link = await openLink(issuer.port);
    after(async () => {
      link.close();
      await issuer.close();
    });
    const chunks: Buffer[] = [];
    link.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The simulator's sockets are its own: count its writes on the socket prototype, for this test only.
    let writes = 0;
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      if (this.localPort === issuer.port) writes++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as Socket['write'];
    after(() => {
      Socket.prototype.write = write;
    });
    link.sendAll(['000001', '000002', '000003'].map((stan) => reversal('0400', stan)));
    await until(() => link.answers.length === 3, 'three answers');
    assert.deepEqual(
      link.answers.map((answer) => [answer.mti, answer.fields[11]]),
      [
        ['0410', '000001'],
        ['0410', '000002'],
        ['0410', '000003'],
      ],
    );
    Socket.prototype.write = write;
    assert.equal(writes, 1, 'one socket write');
    assert.equal(chunks.length, 1, 'one read on the acquirer side');
  });

  it('computes latency percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(percentiles(samples), { p50: 51, p90: 91, p99: 100, max: 100, mean: 50.5 });
  });
});
