import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envFlag, telemetryDisabled, traceForced } from './env.ts';

describe('env switches', () => {
  it('FLUXRIG_DISABLE_TELEMETRY=1 disables telemetry; unset or 0 does not', () => {
    assert.equal(telemetryDisabled({ FLUXRIG_DISABLE_TELEMETRY: '1' }), true);
    assert.equal(telemetryDisabled({ FLUXRIG_DISABLE_TELEMETRY: '0' }), false);
    assert.equal(telemetryDisabled({}), false);
  });
  it('FLUXRIG_TRACE accepts true/yes/1 and rejects false/off/empty', () => {
    for (const on of ['1', 'true', 'YES']) assert.equal(traceForced({ FLUXRIG_TRACE: on }), true, on);
    for (const off of ['', 'false', 'off', 'no']) assert.equal(traceForced({ FLUXRIG_TRACE: off }), false, off);
  });
  it('envFlag reads the named variable only', () => {
    assert.equal(envFlag({ OTHER: '1' }, 'FLUXRIG_TRACE'), false);
  });
});
