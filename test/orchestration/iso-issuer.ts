/**
 * A scripted ISO 8583 issuer for the reversal tests: real TCP with binary2 framing and the iso87ascii
 * spec, recording every request it receives in order and answering (or staying silent) as the test's
 * `decide` function says at that moment, so a test can keep it silent and later let it acknowledge.
 * Network messages (08xx, sign-on/echo) are always acknowledged.
 */
import { type Server, type Socket, createServer } from 'node:net';
import { FrameDecoder, encodeFrame, resolveFraming } from '../../pkg/iso8583/framing.ts';
import { builtinSpec, pack, unpack } from '../../pkg/iso8583/index.ts';
import { responseMti } from '../../pkg/iso8583/match.ts';
import type { IsoMessage } from '../../pkg/iso8583/types.ts';

export interface ScriptedIssuer {
  port: number;
  /** Requests received, in arrival order (network messages excluded). */
  received: IsoMessage[];
  /** Return a DE 39 code to answer with, or undefined to stay silent. */
  decide: (request: IsoMessage) => string | undefined;
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const ECHOED = ['2', '3', '4', '7', '11', '12', '13', '32', '37', '41', '42', '49'];

export async function startScriptedIssuer(): Promise<ScriptedIssuer> {
  const spec = builtinSpec('iso87ascii');
  const framing = resolveFraming({ kind: 'binary2' });
  const sockets = new Set<Socket>();
  const issuer: ScriptedIssuer = {
    port: 0,
    received: [],
    decide: () => undefined,
    async until(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`issuer condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder(framing);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        const request = unpack(frame.message, spec);
        const network = request.mti[1] === '8';
        if (!network) issuer.received.push(request);
        const code = network ? '00' : issuer.decide(request);
        if (code === undefined) continue;
        const fields: IsoMessage['fields'] = {};
        for (const f of network ? ['7', '11', '70'] : ECHOED) {
          const value = (request.fields as Record<string, IsoMessage['fields'][number]>)[f];
          if (value !== undefined) (fields as Record<string, unknown>)[f] = value;
        }
        (fields as Record<string, unknown>)['39'] = code;
        socket.write(encodeFrame(pack({ mti: responseMti(request.mti), fields }, spec), framing));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer.port = typeof address === 'object' && address ? address.port : 0;
  return issuer;
}
