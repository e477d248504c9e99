/**
 * The test harness's rig starter (rig-process.ts): a port taken before rig binds it ends the start at
 * once with PortTakenError (instead of after the ready timeout), and startRigOnFreePorts starts again on
 * fresh ports.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PortTakenError, type RigProcess, startRig, startRigOnFreePorts } from './rig-process.ts';

describe('startRig on ports that may be taken', () => {
  const rigs: RigProcess[] = [];
  let squatter: Server | undefined;
  after(async () => {
    for (const rig of rigs) await rig.kill('SIGTERM');
    squatter?.close();
  });

  it('gives up at once when a listener port is taken, and starts on fresh ports the next time', { timeout: 150_000 }, async () => {
    squatter = createServer();
    await new Promise<void>((resolve) => squatter?.listen(0, '127.0.0.1', resolve));
    const taken = (squatter.address() as { port: number }).port;
    const base = await mkdtemp(join(tmpdir(), 'fluxrig-port-taken-'));
    const env = (acquirer: number, issuer: number, dir: string) => ({
      FLUXRIG_NODE_DATA_DIR: join(base, dir),
      FLUXRIG_NATS_EMBEDDED_PORT: '0',
      FLUXRIG_TEMPORAL_EMBEDDED_PORT: '0',
      FLUXRIG_MIXER_PORT: '0',
      FLUXRIG_LOG_LEVEL: 'warn',
      FLUXRIG_ACQUIRER_PORT: String(acquirer),
      FLUXRIG_ISSUER_PORT: String(issuer),
    });
    const began = Date.now();
    let attempts = 0;
    const { rig, ports } = await startRigOnFreePorts(2, ([acquirer, issuer]) => {
      attempts++;
      // The first attempt gets a port someone holds, as when another test took it meanwhile.
      return startRig(['run', '--ready-timeout', '120000'], env(attempts === 1 ? taken : (acquirer as number), issuer as number, `node-${attempts}`), 130_000);
    });
    rigs.push(rig);
    assert.equal(attempts, 2);
    assert.notEqual(ports[0], taken);
    assert.ok(Date.now() - began < 110_000, 'the taken port did not wait out the ready timeout');
    await assert.rejects(startRig(['run'], env(taken, ports[1] as number, 'node-3'), 130_000), PortTakenError);
  });
});
