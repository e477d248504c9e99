/**
 * Flow template: an ISO 8583 authorisation with reversal / store-and-forward (issue 6 §3).
 *
 *   authorize   iso8583-client sends the 0100 and waits for the 0110 (one attempt: an authorisation is
 *               never resent). Its answer feeds `respond` (answer the acquirer).
 *   on failure  (no answer in time, connection lost mid-exchange, …), in this order:
 *     answer-timeout   a transform builds the 0110 for the acquirer from the original request with
 *                      DE 39 = `timeoutResponseCode` (default 91) and `respond` delivers it at once;
 *     reverse          a transform builds 0400 on the first attempt and 0401 on every repeat (from the
 *                      `fluxrig-attempt` header), with DE 90 original data elements, and iso8583-client
 *                      sends it; any 0410 stops the loop, no answer fails the attempt and Temporal retries
 *                      with back-off, unlimited by default: the loop survives worker and server restarts.
 * The flow itself then ends as failed (FLOW_FAILED at step `authorize`), its history showing both.
 *
 * Pure data: names gear types, never imports them (the worker's catalogue provides them).
 */
import type { Duration, FlowPlan, GearInvocation, StageSpec, StepRetryPolicy } from '../plan.ts';

export interface ReversalFlowOptions {
  flow: string;
  scenario: string;
  /** iso8583-client config for the issuer link (host, port, spec, framing…); timeouts are set here. */
  issuer: Record<string, unknown>;
  /** How long the issuer has to answer the 0100 (iso8583-client timeout_ms). Default 30000. */
  responseTimeoutMs?: number;
  /** How long the issuer has to answer one 0400/0401. Default = responseTimeoutMs. */
  reversalTimeoutMs?: number;
  /** Back-off between reversal repeats. Default 1s, ×2, capped at 1m, unlimited attempts. */
  reversalRetry?: StepRetryPolicy;
  /** The gear step that delivers a 0110 to the acquirer (e.g. a reply toward iso8583-server). */
  respond: Pick<GearInvocation, 'gear' | 'config' | 'port'>;
  /** DE 39 of the 0110 sent when the issuer did not answer. Default 91 (issuer unavailable). */
  timeoutResponseCode?: string;
  /** DE 39 (reason) carried in the 0400/0401. Default 68 (response received too late). */
  reversalReasonCode?: string;
}

/** Fields of the original request a reversal and a timeout answer echo. */
const ECHOED = ['2', '3', '4', '7', '11', '12', '13', '14', '18', '22', '32', '37', '41', '42', '49'];

export function iso8583ReversalPlan(options: ReversalFlowOptions): FlowPlan {
  const responseTimeoutMs = options.responseTimeoutMs ?? 30_000;
  const reversalTimeoutMs = options.reversalTimeoutMs ?? responseTimeoutMs;
  const echoed = `$sift(input.fields, function($v, $k) { $k in ${JSON.stringify(ECHOED)} })`;
  const client = (timeoutMs: number) => ({
    ...options.issuer,
    timeout_ms: timeoutMs,
    // stop() waits for the answer in flight: the step must not end before the response could arrive.
    drain_timeout_ms: timeoutMs + 1_000,
  });
  const stepTimeout = (timeoutMs: number): Duration => `${Math.ceil((timeoutMs * 2 + 10_000) / 1000)}s`;

  const timeoutAnswer: StageSpec = {
    gear: 'transform',
    config: {
      type: 'fluxrig.iso8583.message',
      expression: `{ "mti": $substring(input.mti, 0, 2) & "10", "fields": $merge([${echoed}, { "39": ${JSON.stringify(options.timeoutResponseCode ?? '91')} }]) }`,
    },
  };
  const reversalMessage: StageSpec = {
    gear: 'transform',
    config: {
      type: 'fluxrig.iso8583.message',
      // DE 90: original MTI (4) + STAN (6) + transmission date-time (10) + acquirer id (11) + forwarder id (11).
      expression:
        `{ "mti": $headers."fluxrig-attempt" = "1" ? "0400" : "0401", "fields": $merge([${echoed}, {` +
        ` "39": ${JSON.stringify(options.reversalReasonCode ?? '68')},` +
        ` "90": input.mti & input.fields."11" & input.fields."7" & $pad(input.fields."32", -11, "0") & "00000000000" }]) }`,
    },
  };
  return {
    flow: options.flow,
    scenario: options.scenario,
    steps: [
      {
        kind: 'gear',
        id: 'authorize',
        gear: 'iso8583-client',
        config: client(responseTimeoutMs),
        timeout: stepTimeout(responseTimeoutMs),
        heartbeat: '5s',
        retry: { maxAttempts: 1 },
      },
      { kind: 'gear', id: 'respond', ...options.respond, retry: { initialInterval: '200ms', maxAttempts: 5 } },
    ],
    onError: [
      { id: 'answer-timeout', ...options.respond, before: [timeoutAnswer], retry: { initialInterval: '200ms', maxAttempts: 5 } },
      {
        id: 'reverse',
        gear: 'iso8583-client',
        config: client(reversalTimeoutMs),
        before: [reversalMessage],
        timeout: stepTimeout(reversalTimeoutMs),
        // A rack that dies mid-attempt is noticed after 5 s; the next 0401 goes out from another worker.
        heartbeat: '5s',
        retry: { initialInterval: '1s', backoff: 2, maximumInterval: '1m', maxAttempts: 0, ...options.reversalRetry },
      },
    ],
  };
}
