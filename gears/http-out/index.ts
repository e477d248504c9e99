/**
 * http-out: calls an HTTP endpoint for each message (JSON body = message data, bytes sent raw) and
 * emits the response `{ status, headers, body }` on `out`. A non-2xx status, a network error or a
 * timeout is an error (the host routes it to `error` with the reason), so retries and DLQ apply.
 */
import { z } from 'zod';
import { RigError } from '../../pkg/errors/index.ts';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { duration, durationMs } from '../../pkg/scenario/model.ts';

export const httpOutConfig = z.strictObject({
  url: z.url(),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: duration.default('10s'),
});
export type HttpOutConfig = z.infer<typeof httpOutConfig>;

export const descriptor: GearDescriptor<HttpOutConfig> = {
  type: 'http-out',
  summary: 'Calls an HTTP endpoint per message and emits the response',
  config: httpOutConfig,
  inputs: [{ name: 'in', summary: 'messages to send' }],
  outputs: [
    { name: 'out', summary: 'responses { status, headers, body }' },
    { name: ERROR_PORT, summary: 'non-2xx responses, network errors and timeouts' },
  ],
  pure: false,
  create(config, context) {
    const timeoutMs = durationMs(config.timeout);
    return {
      async handle(_port, message) {
        const bytes = message.data instanceof Uint8Array;
        const hasBody = config.method !== 'GET' && message.data !== undefined;
        const headers: Record<string, string> = { ...(hasBody ? { 'content-type': bytes ? 'application/octet-stream' : 'application/json' } : {}), ...config.headers };
        if (message.traceparent) headers.traceparent = message.traceparent;
        let response: Response;
        try {
          response = await fetch(config.url, {
            method: config.method,
            headers,
            body: hasBody ? (bytes ? (message.data as Uint8Array) : JSON.stringify(message.data)) : undefined,
            signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), context.signal]),
          });
        } catch (error) {
          const timedOut = (error as Error).name === 'TimeoutError';
          throw new RigError(timedOut ? 'HTTP_TIMEOUT' : 'HTTP_NETWORK', timedOut ? `no response within ${config.timeout}` : `request failed: ${(error as Error).message}`, {
            where: `${config.method} ${config.url}`,
            cause: error,
          });
        }
        const text = await response.text();
        let body: unknown = text;
        if ((response.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
          try {
            body = JSON.parse(text);
          } catch {
            body = text; // a server that mislabels its content type still gets its text through
          }
        }
        if (!response.ok) {
          throw new RigError('HTTP_STATUS', `endpoint answered ${response.status}`, { where: `${config.method} ${config.url}`, details: { status: response.status, body } });
        }
        const responseHeaders = Object.fromEntries(response.headers.entries());
        await context.emit('out', context.envelope({ status: response.status, headers: responseHeaders, body }, { parent: message, type: 'fluxrig.http.response' }));
      },
    };
  },
};
