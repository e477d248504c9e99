import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../config/index.ts';
import type { RigError } from '../errors/index.ts';
import { MixerClient, mixerClientFor, mixerTokenFile, resolveMixerToken } from './client.ts';

const configOf = (text: string) => loadConfig({ text, env: {} }).config;

describe('mixer token lookup', () => {
  it('takes mixer.api_token first, even when a token file exists', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mixer-token-'));
    await writeFile(join(dir, 'mixer.token'), 'from-file\n');
    const config = configOf(`[node]\ndata_dir = "${dir}"\n[mixer]\napi_token = "from-config"\n`);
    assert.equal(await resolveMixerToken(config), 'from-config');
  });

  it('falls back to <data_dir>/mixer.token, trimmed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mixer-token-'));
    const config = configOf(`[node]\ndata_dir = "${dir}"\n`);
    assert.equal(mixerTokenFile(config), join(dir, 'mixer.token'));
    await writeFile(mixerTokenFile(config), '  abc123\n');
    assert.equal(await resolveMixerToken(config), 'abc123');
  });

  it('has no token when neither exists, and a mutating call then names both places', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mixer-token-'));
    const config = configOf(`[node]\ndata_dir = "${dir}"\n[mixer]\nurl = "http://127.0.0.1:1"\n`);
    assert.equal(await resolveMixerToken(config), undefined);
    const client = await mixerClientFor(config);
    await assert.rejects(client.deploy('s'), (error: RigError) => {
      assert.equal(error.code, 'MIXER_TOKEN_MISSING');
      assert.equal(error.exitCode, 2);
      assert.match(error.hint ?? '', /mixer\.api_token \(env FLUXRIG_MIXER_API_TOKEN\)/);
      assert.ok(error.hint?.includes(join(dir, 'mixer.token')));
      return true;
    });
  });

  it('reports a token path it cannot read instead of ignoring it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mixer-token-'));
    await mkdir(join(dir, 'mixer.token'));
    const config = configOf(`[node]\ndata_dir = "${dir}"\n`);
    await assert.rejects(resolveMixerToken(config), (error: RigError) => error.code === 'MIXER_TOKEN_READ' && error.where === join(dir, 'mixer.token'));
  });
});

describe('mixer client transport errors', () => {
  it('a refused connection is MIXER_UNREACHABLE naming the URL, with the rig run hint', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new MixerClient({ url: `http://127.0.0.1:${port}` });
    await assert.rejects(client.listRacks(), (error: RigError) => {
      assert.equal(error.code, 'MIXER_UNREACHABLE');
      assert.equal(error.where, `http://127.0.0.1:${port}`);
      assert.match(error.message, /ECONNREFUSED/);
      assert.equal(error.hint, 'is `rig run` running? check mixer.url');
      return true;
    });
  });

  it('a mixer that does not answer in time is MIXER_TIMEOUT', async () => {
    // Accepts the connection and never answers.
    const accepted: Socket[] = [];
    const server = createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = new MixerClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 });
      await assert.rejects(client.health(), (error: RigError) => error.code === 'MIXER_TIMEOUT' && /within 200 ms/.test(error.message));
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
