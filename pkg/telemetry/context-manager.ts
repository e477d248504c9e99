/**
 * One async context for the whole process: the OpenTelemetry context, kept by one AsyncLocalStorage
 * (@opentelemetry/context-async-hooks), registered whether telemetry runs or not. What else must follow
 * a message through a gear's awaits rides in that context as a value (the gear host's delivery scope,
 * pkg/rack/gear-host.ts), not in an AsyncLocalStorage of its own: on Node 20 every enabled
 * AsyncLocalStorage adds its own propagation work to every promise created anywhere in the process, and
 * a second one cost the example switch as much again as the first (bench/switch/README.md).
 *
 * startTelemetry (otel.ts) hands NodeSDK no context manager of its own (`contextManager: null`) and
 * leaves this one registered at shutdown: it belongs to the process, not to telemetry.
 */
import { type Context, context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

const PROBE = createContextKey('fluxrig context manager probe');

/** Whether the API's global context manager carries values (the API's default no-op one does not). */
function contextCarriesValues(): boolean {
  return context.with(ROOT_CONTEXT.setValue(PROBE, true), () => context.active().getValue(PROBE) === true);
}

/**
 * Registers the process's context manager unless one that carries values is registered already (by an
 * earlier call, or by whoever embeds fluxrig). Cheap when there is one; call it before relying on
 * `context.with` to carry a value across awaits.
 */
export function ensureContextManager(): void {
  if (contextCarriesValues()) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** What a ChainedContext holds for a key deleteValue() removed. */
const DELETED = Symbol('deleted');

/**
 * A context that is its parent plus one value, without copying anything. OpenTelemetry's own
 * context (BaseContext) copies its whole Map on every setValue, and the gear host makes two contexts
 * per message a fused step handles (its span's and its delivery scope's): 3.2 kB of the 27 kB the
 * example switch allocated per authorisation. A lookup walks the chain, a few links deep.
 */
class ChainedContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    let context: Context = this;
    while (context instanceof ChainedContext) {
      if (context.key === key) return context.value === DELETED ? undefined : context.value;
      context = context.parent;
    }
    return context.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return new ChainedContext(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return new ChainedContext(this, key, DELETED);
  }
}

/** `context` with `key` set to `value` (what context.setValue does, without copying `context`). */
export function contextWith(context: Context, key: symbol, value: unknown): Context {
  return new ChainedContext(context, key, value);
}
