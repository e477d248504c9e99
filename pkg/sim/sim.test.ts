import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { percentiles, runAcquirer } from './acquirer.ts';
import { startIssuer } from './issuer.ts';

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

  it('answers 0100 authorisation requests with 0110', async () => {
    const issuer = await startIssuer();
    after(() => issuer.close());
    const report = await runAcquirer({ port: issuer.port, count: 1, connections: 1, mti: '0100' });
    assert.equal(report.wrongMti, 0);
    assert.deepEqual(report.byResponseCode, { '00': 1 });
  });

  it('computes latency percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.deepEqual(percentiles(samples), { p50: 51, p90: 91, p99: 100, max: 100, mean: 50.5 });
  });
});
