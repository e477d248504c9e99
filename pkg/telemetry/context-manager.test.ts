import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { ensureContextManager } from './context-manager.ts';
import { startTelemetry } from './otel.ts';

const KEY = createContextKey('test value');

/** The registered global context manager (the API keeps its getter private). */
function registeredManager(): unknown {
  return (context as unknown as { _getContextManager(): unknown })._getContextManager();
}

/** The value `context.with` set, read back after an await and a timer inside it. */
async function valueAfterAwaits(): Promise<unknown> {
  return context.with(ROOT_CONTEXT.setValue(KEY, 'kept'), async () => {
    await sleep(1);
    await Promise.resolve();
    return context.active().getValue(KEY);
  });
}

describe('ensureContextManager', () => {
  it('makes context values follow awaits without telemetry, once for the process', async () => {
    context.disable();
    assert.equal(await valueAfterAwaits(), undefined, 'the API alone (no-op manager) carries nothing');
    ensureContextManager();
    assert.equal(await valueAfterAwaits(), 'kept');
    const registered = registeredManager();
    ensureContextManager();
    assert.equal(registeredManager(), registered, 'a second call keeps the registered manager');
  });

  it('is the manager telemetry runs on, and outlives its shutdown', async () => {
    context.disable();
    ensureContextManager();
    const registered = registeredManager();
    const telemetry = startTelemetry({ serviceName: 'context-manager-test', role: 'cli', env: {} });
    assert.equal(registeredManager(), registered, 'NodeSDK registers no manager of its own');
    assert.equal(await valueAfterAwaits(), 'kept');
    await telemetry.shutdown();
    assert.equal(registeredManager(), registered);
    assert.equal(await valueAfterAwaits(), 'kept');
  });
});
