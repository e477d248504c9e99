import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { gearHarness, type GearHarness } from '../../pkg/gear/harness.ts';
import { descriptor as httpOut } from '../http-out/index.ts';
import { descriptor as httpIn, pathMatcher, REQUEST_ID_HEADER } from './index.ts';

async function startHttpIn(config: Record<string, unknown>): Promise<{ h: GearHarness; base: string }> {
  const h = gearHarness(httpIn, { port: 0, ...config });
  await h.instance.start?.();
  const line = h.logs.find((l) => l.message === 'http-in listening');
  assert.ok(line, 'http-in logs where it listens');
  const port = (line.entry as { port: number }).port;
  return { h, base: `http://127.0.0.1:${port}` };
}

describe('http-in gear', () => {
  it('matches path parameters', () => {
    const match = pathMatcher('/payments/:id/status');
    assert.deepEqual(match('/payments/42/status'), { id: '42' });
    assert.equal(match('/payments/42'), undefined);
  });

  it('emits the request and answers with the reply for it', async () => {
    const { h, base } = await startHttpIn({ path: '/echo/:name' });
    after(() => h.stop());
    const responding = (async () => {
      const [request] = await h.waitFor('out', 1);
      const data = request!.data as { params: { name: string }; body: { n: number }; query: Record<string, string> };
      await h.send('reply', { status: 201, body: { hello: data.params.name, n: data.body.n, q: data.query.x } }, { headers: { [REQUEST_ID_HEADER]: request!.headers![REQUEST_ID_HEADER]! } });
    })();
    const response = await fetch(`${base}/echo/ann?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":7}' });
    await responding;
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { hello: 'ann', n: 7, q: '1' });
  });

  it('answers 504 and reports on error when no reply comes in time', async () => {
    const { h, base } = await startHttpIn({ timeout: '50ms' });
    after(() => h.stop());
    const response = await fetch(base, { method: 'POST', body: 'x' });
    assert.equal(response.status, 504);
    const [error] = await h.waitFor('error', 1);
    assert.deepEqual(error?.data, { reason: 'timeout', request: h.out('out')[0]?.id });
  });

  it('answers 202 at once in accept mode, 405 and 404 and 400 for bad requests', async () => {
    const { h, base } = await startHttpIn({ mode: 'accept', path: '/in' });
    after(() => h.stop());
    assert.equal((await fetch(`${base}/in`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 202);
    assert.equal((await fetch(`${base}/in`)).status, 405);
    assert.equal((await fetch(`${base}/other`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${base}/in`, { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal(h.out('out').length, 1);
  });
});

describe('http-out gear', () => {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/fail') return void response.writeHead(503).end('down');
      if (request.url === '/slow') return void setTimeout(() => response.end('late'), 300);
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: JSON.parse(body), trace: request.headers.traceparent }));
    });
  });
  const base = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
  after(() => server.close());

  it('posts the data and emits the response, carrying the trace header', async () => {
    const h = gearHarness(httpOut, { url: `${await base}/ok` });
    await h.send('in', { amount: 5 }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const [out] = h.out('out');
    assert.ok(out);
    assert.deepEqual((out.data as { body: unknown }).body, { got: { amount: 5 }, trace: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
  });

  it('fails on a non-2xx status and on a timeout', async () => {
    await assert.rejects(gearHarness(httpOut, { url: `${await base}/fail` }).send('in', {}), { code: 'HTTP_STATUS' });
    await assert.rejects(gearHarness(httpOut, { url: `${await base}/slow`, timeout: '50ms' }).send('in', {}), { code: 'HTTP_TIMEOUT' });
  });
});
