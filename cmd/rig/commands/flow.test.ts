import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../pkg/config/index.ts';
import { isRigError } from '../../../pkg/errors/index.ts';
import { cliTemporalSettings, maskPayload } from './flow.ts';

const configOf = (text: string) => loadConfig({ text, env: {} }).config;

describe('rig flow helpers', () => {
  it('masks the PAN of an ISO 8583 message and PANs in free text, leaving other values alone', () => {
    const masked = maskPayload([{ port: 'out', envelope: { data: { mti: '0110', fields: { 2: '4111111111111111', 39: '00' }, note: 'card 5500005555555559' } } }]);
    const data = masked[0]?.envelope.data as { mti: string; fields: Record<string, string>; note: string };
    assert.equal(data.mti, '0110');
    assert.equal(data.fields[39], '00');
    assert.doesNotMatch(data.fields[2] ?? '', /4111111111111111/);
    assert.doesNotMatch(data.note, /5500005555555559/);
  });

  it('reaches temporal.address, else the embedded server on its configured port', () => {
    assert.equal(cliTemporalSettings(configOf('[temporal]\naddress = "temporal.example:7233"\nnamespace = "pay"\n')).address, 'temporal.example:7233');
    assert.deepEqual(cliTemporalSettings(configOf('[temporal]\nembedded_port = 7300\n')), { address: '127.0.0.1:7300', namespace: 'default', taskQueuePrefix: 'fluxrig' });
  });

  it('refuses to guess when the embedded server uses a random port', () => {
    assert.throws(() => cliTemporalSettings(configOf('[temporal]\nembedded_port = 0\n')), (e: unknown) => isRigError(e) && e.code === 'FLOW_NO_TEMPORAL');
  });
});
