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
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
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
