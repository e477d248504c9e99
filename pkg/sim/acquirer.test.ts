/**
 * The acquirer simulator's own accounting, against a scripted switch on real loopback TCP: which
 * response settles which request (RRN, STAN and terminal together), duplicates, answers nobody asked
 * for, late answers after a timeout, and a throughput that does not count the closing grace period.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { encodeFrame, FrameDecoder, resolveFraming } from '../iso8583/framing.ts';
import { builtinSpec, pack, unpack } from '../iso8583/index.ts';
import type { IsoMessage } from '../iso8583/types.ts';
import { runAcquirer } from './acquirer.ts';

const spec = builtinSpec('iso87ascii');
const framing = resolveFraming({ kind: 'binary2' });

/** Answers a request with these fields changed (an empty object: the plain approval). */
type Answer = Partial<Record<number, string>>;

/**
 * A switch that answers each request as `script` says: an array of answers (each one sent, in order,
 * after `delayMs`), nothing for an empty array. Returns its port; it closes when the test file ends.
 */
async function scriptedSwitch(script: (request: IsoMessage) => { answers: Answer[]; delayMs?: number }): Promise<number> {
  const server = createServer((socket: Socket) => {
    const decoder = new FrameDecoder(framing);
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const request = unpack(frame.message, spec);
        const { answers, delayMs = 0 } = script(request);
        const send = () => {
          for (const changes of answers) {
            const fields = { 11: request.fields[11], 37: request.fields[37], 41: request.fields[41], 39: '00', ...changes } as IsoMessage['fields'];
            if (!socket.destroyed) socket.write(encodeFrame(pack({ mti: '0210', fields }, spec), framing));
          }
        };
        if (delayMs > 0) setTimeout(send, delayMs);
        else send();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('acquirer simulator accounting', () => {
  it('settles each request by its RRN, STAN and terminal; counts duplicates and answers that match no request', async () => {
    const port = await scriptedSwitch((request) => {
      const rrn = request.fields[37];
      // Request 3 answered twice; request 5 first with another STAN, request 7 first as if from another
      // terminal, request 9 first with an RRN nobody sent: each then answered properly.
      if (rrn === '000000000003') return { answers: [{}, {}] };
      if (rrn === '000000000005') return { answers: [{ 11: '999999' }, {}] };
      if (rrn === '000000000007') return { answers: [{ 41: 'TERM0099' }, {}] };
      if (rrn === '000000000009') return { answers: [{ 37: '000000012345' }, {}] };
      return { answers: [{ 39: rrn === '000000000004' ? '05' : '00' }] };
    });
    const report = await runAcquirer({ port, count: 12, concurrency: 4, connections: 2 });
    assert.equal(report.sent, 12);
    assert.equal(report.answered, 12);
    assert.equal(report.duplicates, 1);
    assert.equal(report.unmatched, 3);
    assert.equal(report.timedOut, 0);
    assert.deepEqual(report.byResponseCode, { '00': 11, '05': 1 });
  });

  it('times out a request left unanswered, and counts its late answer as unmatched', async () => {
    const port = await scriptedSwitch((request) => (request.fields[37] === '000000000001' ? { answers: [{}], delayMs: 400 } : { answers: [{}] }));
    const report = await runAcquirer({ port, count: 3, concurrency: 3, connections: 1, timeoutMs: 300 });
    assert.equal(report.answered, 2);
    assert.equal(report.timedOut, 1);
    // Swept at 300-330 ms, answered at 400 ms: inside the 200 ms grace period that follows the last
    // settled request (the server's timer and the acquirer's run on this one event loop, in due order).
    assert.equal(report.unmatched, 1);
    assert.equal(report.duplicates, 0);
  });

  it('measures throughput up to the last answer, not over the grace period that follows it', async () => {
    const port = await scriptedSwitch(() => ({ answers: [{}] }));
    const started = performance.now();
    const report = await runAcquirer({ port, count: 50, concurrency: 8, connections: 2 });
    const wall = performance.now() - started;
    assert.equal(report.answered, 50);
    // The 200 ms grace period (catching late duplicates) runs after the last answer and is not elapsed time.
    assert.ok(wall - report.elapsedMs >= 195, `elapsed ${report.elapsedMs} ms of ${wall} ms`);
    assert.equal(report.tps, report.answered / (report.elapsedMs / 1000));
  });

  it('refuses a run longer than its RRN can number', async () => {
    await assert.rejects(runAcquirer({ port: 1, count: 10 ** 12 + 1 }), /SIM_OPTIONS|RRN/);
  });
});
