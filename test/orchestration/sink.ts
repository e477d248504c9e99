/**
 * The receiving end of side effects in orchestration tests: a real HTTP server on 127.0.0.1 that records
 * every POST in arrival order and applies each idempotency key once, as a well-behaved edge system
 * would. Tests assert on `applied` (effects that happened) and `received` (deliveries, duplicates included).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRecord {
  key: string;
  label: string;
  attempt: number | undefined;
  data: unknown;
}

export interface Sink {
  url: string;
  received: SinkRecord[];
  applied: SinkRecord[];
  /** Resolves once `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const received: SinkRecord[] = [];
  const applied: SinkRecord[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<SinkRecord, 'key'>;
      const key = String(req.headers['idempotency-key'] ?? '');
      const record = { key, label: body.label, attempt: body.attempt, data: body.data };
      received.push(record);
      if (!seen.has(key)) {
        seen.add(key);
        applied.push(record);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    applied,
    async until(predicate, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`sink condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
