import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { contextWith, ensureContextManager } from './context-manager.ts';
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

describe('contextWith', () => {
  it('answers every lookup as OpenTelemetry contexts built with setValue/deleteValue do', () => {
    const keys = [createContextKey('a'), createContextKey('b'), createContextKey('c'), createContextKey('d')];
    let random = 7;
    const next = (n: number) => {
      random = (random * 1103515245 + 12345) % 2147483648;
      return random % n;
    };
    for (let round = 0; round < 200; round++) {
      let reference = ROOT_CONTEXT.setValue(keys[0] as symbol, 'base');
      let chained = reference;
      for (let step = 0; step < 12; step++) {
        const key = keys[next(keys.length)] as symbol;
        const operation = next(3);
        if (operation === 0) {
          reference = reference.setValue(key, step);
          chained = contextWith(chained, key, step);
        } else if (operation === 1) {
          reference = reference.setValue(key, `v${step}`);
          chained = chained.setValue(key, `v${step}`);
        } else {
          reference = reference.deleteValue(key);
          chained = chained.deleteValue(key);
        }
        for (const probe of keys) assert.equal(chained.getValue(probe), reference.getValue(probe), `round ${round} step ${step}`);
      }
    }
  });

  it('leaves the context it extends unchanged', () => {
    const key = createContextKey('k');
    const base = ROOT_CONTEXT.setValue(key, 1);
    const extended = contextWith(base, key, 2);
    assert.equal(base.getValue(key), 1);
    assert.equal(extended.getValue(key), 2);
    assert.equal(extended.deleteValue(key).getValue(key), undefined);
    assert.equal(extended.getValue(key), 2);
  });
});
