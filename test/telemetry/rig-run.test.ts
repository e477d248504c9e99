/**
 * Issue 7's end-to-end proof: traffic through a real `rig run`, then `rig data query` (a separate CLI
 * process reading the store the mixer writes) finds each authorisation as one trace across listener,
 * router and issuer link, per-message rows with MTI and response code, gear metrics with counts that
 * match the traffic, and no card number anywhere in the store.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_TEST_PANS, runAcquirer } from '../../pkg/sim/acquirer.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { type RigProcess, startRig, startRigOnFreePorts, rigCommand } from '../support/rig-process.ts';

const run = promisify(execFile);
const AUTHS = 100;

describe('telemetry of a running switch', () => {
  let rig: RigProcess;
  let dataDir: string;
  const query = async (sql: string) => {
    const result = await run(...rigCommand(['--json', 'data', 'query', '--data-dir', dataDir, sql]), { maxBuffer: 50_000_000 }).catch(
      (error: { stderr?: string; message: string }) => {
        throw new Error(`rig data query failed: ${error.stderr || error.message}`);
      },
    );
    return JSON.parse(result.stdout) as Record<string, unknown>[];
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fluxrig-telemetry-e2e-'));
    // A retry after a taken port starts over in the same data directory, as a restarted node would.
    const started = await startRigOnFreePorts(2, ([acquirer, issuer]) =>
      startRig(['run'], {
        FLUXRIG_NODE_DATA_DIR: dataDir,
        FLUXRIG_NATS_EMBEDDED_PORT: '0',
        FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
        FLUXRIG_MIXER_PORT: '0',
        FLUXRIG_ACQUIRER_PORT: String(acquirer),
        FLUXRIG_ISSUER_PORT: String(issuer),
      }, 150_000),
    );
    rig = started.rig;
    const acquirerPort = started.ports[0] as number;
    const report = await runAcquirer({ port: acquirerPort, count: AUTHS, concurrency: 16, connections: 2 });
    assert.equal(report.answered, AUTHS);
  }, { timeout: 240_000 });
  after(() => rig?.kill('SIGTERM'));

  it('stores each authorisation as one trace from the listener through the issuer link and back', { timeout: 120_000 }, async () => {
    const traces = await eventually(async () => {
      const rows = await query(`SELECT trace_id, list(DISTINCT gear ORDER BY gear) AS gears, count(*) AS spans
        FROM spans WHERE scenario = 'payment-switch' GROUP BY trace_id`);
      const complete = rows.filter((row) => Number(row.spans) >= 4);
      return complete.length === AUTHS ? rows : undefined;
    }, 60_000, `${AUTHS} complete traces in the store`);
    assert.equal(traces.length, AUTHS, 'one trace per authorisation, nothing else');
    const shapes = new Set(traces.map((row) => (row.gears as string[]).join(',')));
    // Visa and Mastercard cards go through their issuer link; Amex has no route and is declined locally.
    assert.deepEqual([...shapes].sort(), ['acquirer,decline-unroutable,route-by-bin', 'acquirer,mastercard-link,route-by-bin', 'acquirer,route-by-bin,visa-link']);
  });

  it('records per-message rows with MTI and response code', async () => {
    const replies = await query(`SELECT response_code, count(*) AS n FROM messages
      WHERE gear = 'acquirer' AND mti = '0210' GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(replies.map((row) => [row.response_code, Number(row.n)]), [['00', 50], ['05', 25], ['14', 25]]);
  });

  it('records gear metrics whose counts match the traffic', async () => {
    const counts = await eventually(async () => {
      const rows = await query(`SELECT gear, max(value) AS total FROM metrics
        WHERE name = 'fluxrig.gear.messages' AND scenario = 'payment-switch' GROUP BY 1 ORDER BY 1`);
      const router = rows.find((row) => row.gear === 'route-by-bin');
      return router && Number(router.total) === AUTHS ? rows : undefined;
    }, 60_000, 'gear message counters');
    assert.equal(Number(counts.find((row) => row.gear === 'acquirer')?.total), AUTHS, 'one reply per authorisation');
  });

  it('holds no card number anywhere in spans, logs, metrics or messages', async () => {
    for (const view of ['spans', 'logs', 'metrics', 'messages']) {
      const clauses = DEFAULT_TEST_PANS.map((pan) => `CAST(${view} AS VARCHAR) LIKE '%${pan}%'`).join(' OR ');
      const [row] = await query(`SELECT count(*) AS n FROM ${view} WHERE ${clauses}`);
      assert.equal(Number(row?.n), 0, `${view} contains an unmasked PAN`);
    }
  });
});
