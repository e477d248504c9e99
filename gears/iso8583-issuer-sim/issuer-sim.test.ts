import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { builtinSpec } from '../../pkg/iso8583/index.ts';
import { eventually, purchase, TestHost, TestTerminal } from '../../test/iso8583/support.ts';
import { descriptor, EXCHANGE_TYPE } from './index.ts';

const spec = builtinSpec('iso87ascii');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The gear on a free port; its `received` reports collect in the host. */
async function startSim(config: Record<string, unknown>, options: { receivedWired?: boolean } = {}) {
  const host = new TestHost();
  if (options.receivedWired === false) host.unwired.add('issuer.received');
  const context = host.context('issuer');
  const gear = descriptor.create(descriptor.config.parse({ port: 0, ...config }), context);
  await gear.start?.();
  cleanups.push(async () => gear.stop?.());
  const line = context.log.lines.find((l) => l.message === 'issuer simulator listening');
  assert.ok(line, 'the gear logs the port it listens on');
  const port = (line.entry as { port: number }).port;
  const terminal = await TestTerminal.connect(port, spec, { kind: 'binary2' });
  cleanups.push(() => terminal.close());
  return { host, terminal };
}

describe('iso8583-issuer-sim gear', () => {
  it('reports each request on `received` with its answer, or null when a rule kept it silent, PAN masked', async () => {
    const { host, terminal } = await startSim({ rules: [{ when: 'fields."41" = "SILENT01"', respond: false }] });
    terminal.send({ ...purchase(1), mti: '0100' });
    terminal.send({ ...purchase(2, 'SILENT01'), mti: '0100' });
    await eventually(() => host.out('issuer.received').length === 2, 'two reports');
    await eventually(() => terminal.received.length === 1, 'one answer');
    const reports = host.out('issuer.received').map((e) => e.data as { request: { mti: string; fields: Record<string, unknown> }; answer: { mti: string; fields: Record<string, unknown> } | null });
    const byStan = new Map(reports.map((r) => [r.request.fields['11'], r]));
    assert.equal(byStan.get('000001')?.answer?.mti, '0110');
    assert.equal(byStan.get('000001')?.answer?.fields['39'], '00');
    assert.equal(byStan.get('000002')?.answer, null);
    for (const report of reports) {
      assert.notEqual(report.request.fields['2'], '4111111111111111', 'the PAN never leaves the gear in clear');
      assert.match(String(report.request.fields['2']), /^411111\*+1111$/);
    }
    assert.equal(host.out('issuer.received')[0]?.type, EXCHANGE_TYPE);
    assert.equal(terminal.received[0]?.message.fields[11], '000001');
  });

  it('builds no report when `received` is not wired, and still answers', async () => {
    const { host, terminal } = await startSim({}, { receivedWired: false });
    terminal.send({ ...purchase(3), mti: '0100' });
    await eventually(() => terminal.received.length === 1, 'one answer');
    assert.equal(terminal.received[0]?.message.fields[39], '00');
    assert.deepEqual(host.out('issuer.received'), []);
  });
});
