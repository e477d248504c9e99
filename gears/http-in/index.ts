/**
 * http-in: an HTTP endpoint as a source. Each request matching `path` (with `:name` parameters) and
 * one of `methods` is emitted on `out` as `{ method, path, params, query, headers, body }`. In `reply`
 * mode the HTTP response is whatever arrives on the `reply` port for that request (matched by the
 * `http-request-id` header) or 504 after `timeout`; in `accept` mode it answers 202 at once.
 * CORS preflight is answered for the configured origins.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ERROR_PORT, type GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { duration, durationMs } from '../../pkg/scenario/model.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

export const REQUEST_ID_HEADER = 'http-request-id';

export const httpInConfig = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  /** e.g. `/payments/:id`; parameters land in `params`. */
  path: z.string().startsWith('/').default('/'),
  methods: z.array(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])).min(1).default(['POST']),
  mode: z.enum(['reply', 'accept']).default('reply'),
  timeout: duration.default('10s'),
  max_body_bytes: z.number().int().positive().default(1_048_576),
  cors: z.strictObject({ origins: z.array(z.string()).default([]) }).default({ origins: [] }),
});
export type HttpInConfig = z.infer<typeof httpInConfig>;

/** Compiles `/a/:id/b` into a matcher returning params or undefined. */
export function pathMatcher(pattern: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.slice(1));
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${source}/?$`);
  return (path) => {
    const match = regex.exec(path);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] as string)]));
  };
}

interface Pending {
  response: ServerResponse;
  timer: NodeJS.Timeout;
}

export const descriptor: GearDescriptor<HttpInConfig> = {
  type: 'http-in',
  summary: 'HTTP endpoint: emits each request, answers with what arrives on reply (or 202)',
  config: httpInConfig,
  inputs: [{ name: 'reply', summary: 'responses: data { status?, headers?, body } or any JSON body', feeds: [ERROR_PORT] }],
  outputs: [
    { name: 'out', summary: 'requests' },
    { name: ERROR_PORT, summary: 'replies for unknown or timed-out requests, request timeouts' },
  ],
  pure: false,
  create(config, context) {
    const match = pathMatcher(config.path);
    const timeoutMs = durationMs(config.timeout);
    const pending = new Map<string, Pending>();
    let server: Server | undefined;

    const cors = (request: IncomingMessage, response: ServerResponse) => {
      const origin = request.headers.origin;
      if (origin && (config.cors.origins.includes('*') || config.cors.origins.includes(origin))) {
        response.setHeader('access-control-allow-origin', origin);
        response.setHeader('vary', 'origin');
      }
    };

    const onRequest = async (request: IncomingMessage, response: ServerResponse) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const params = match(url.pathname);
      cors(request, response);
      if (request.method === 'OPTIONS' && params) {
        response.writeHead(204, { 'access-control-allow-methods': config.methods.join(', '), 'access-control-allow-headers': 'content-type, authorization' }).end();
        return;
      }
      if (!params) return void response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such path"}');
      if (!config.methods.includes(request.method as HttpInConfig['methods'][number])) {
        return void response.writeHead(405, { allow: config.methods.join(', '), 'content-type': 'application/json' }).end('{"error":"method not allowed"}');
      }
      const body = await readBody(request, config.max_body_bytes);
      if (body === undefined) return void response.writeHead(413, { 'content-type': 'application/json' }).end('{"error":"body too large"}');
      let parsed: unknown = body.length === 0 ? undefined : new Uint8Array(body);
      if (body.length > 0 && (request.headers['content-type'] ?? '').includes('json')) {
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (error) {
          return void response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `body is not valid JSON: ${(error as Error).message}` }));
        }
      }
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'authorization' && name !== 'cookie').map(([name, value]) => [name, String(value)]));
      const envelope = context.envelope(
        { method: request.method, path: url.pathname, params, query: Object.fromEntries(url.searchParams), headers, body: parsed },
        { type: 'fluxrig.http.request' },
      );
      envelope.headers = { ...envelope.headers, [REQUEST_ID_HEADER]: envelope.id };
      if (config.mode === 'reply') {
        const timer = setTimeout(() => {
          pending.delete(envelope.id);
          response.writeHead(504, { 'content-type': 'application/json' }).end('{"error":"no reply in time"}');
          void context.emit(ERROR_PORT, context.envelope({ reason: 'timeout', request: envelope.id }, { parent: envelope, type: 'fluxrig.error' }));
        }, timeoutMs);
        pending.set(envelope.id, { response, timer });
      }
      try {
        await context.emit('out', envelope);
        if (config.mode === 'accept') response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: envelope.id }));
      } catch (error) {
        const entry = pending.get(envelope.id);
        if (entry) clearTimeout(entry.timer);
        pending.delete(envelope.id);
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `not accepted: ${(error as Error).message}` }));
      }
    };

    return {
      async start() {
        server = createServer((request, response) => {
          onRequest(request, response).catch((error: Error) => {
            context.log.error({ err: error.message }, 'http-in request failed');
            if (!response.headersSent) response.writeHead(500).end();
          });
        });
        await new Promise<void>((resolve, reject) => {
          server?.once('error', reject);
          server?.listen(config.port, config.host, () => resolve());
        });
        const address = server.address() as AddressInfo;
        context.log.info({ host: config.host, port: address.port, path: config.path }, 'http-in listening');
      },
      async handle(_port, message) {
        const id = message.headers?.[REQUEST_ID_HEADER];
        const entry = id === undefined ? undefined : pending.get(id);
        if (!entry || id === undefined) {
          await context.emit(ERROR_PORT, context.envelope({ reason: 'unknown or expired request', request: id ?? null }, { parent: message, type: 'fluxrig.error' }));
          return;
        }
        clearTimeout(entry.timer);
        pending.delete(id);
        writeReply(entry.response, message);
      },
      async stop() {
        for (const [, entry] of pending) {
          clearTimeout(entry.timer);
          entry.response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"shutting down"}');
        }
        pending.clear();
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        server?.closeAllConnections();
      },
    };
  },
};

function writeReply(response: ServerResponse, message: Envelope): void {
  const data = message.data as { status?: unknown; headers?: unknown; body?: unknown } | undefined;
  const shaped = data !== null && typeof data === 'object' && !(data instanceof Uint8Array) && ('status' in data || 'body' in data);
  const status = shaped && typeof data.status === 'number' ? data.status : 200;
  const body = shaped ? data.body : message.data;
  const headers: Record<string, string> = shaped && data.headers && typeof data.headers === 'object' ? (data.headers as Record<string, string>) : {};
  if (body instanceof Uint8Array) {
    response.writeHead(status, { 'content-type': 'application/octet-stream', ...headers }).end(body);
  } else {
    response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
