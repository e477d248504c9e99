/**
 * The issuer simulator: an ISO 8583 host on a TCP port that answers authorisations by rule. It stands
 * in for a card issuer in `rig run`'s example switch, in `rig sim issuer` and in tests. Rules are
 * JSONata conditions over the request `{ mti, fields }`, checked in order; the first that holds gives
 * the response code (and optionally a delay, or `respond: false` to stay silent and provoke a timeout).
 * A rule with `times: N` applies to the first N requests it matches only, then is passed over: that is
 * how a test issuer ignores the first reversals and acknowledges a later repeat. Without a matching
 * rule the answer is `default_code` (00, approved). Every request, answer type by request type (0100 →
 * 0110, 0400 and its repeat 0401 → 0410), goes through the same rules.
 *
 * Responses echo the fields an acquirer matches on and add DE 38 (approval code) and DE 39.
 * `onExchange` sees each request with its answer (or none), for tests and the gear's `received` port.
 * Answers to one connection within an event-loop turn leave in one socket write (FrameWriter).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { z } from 'zod';
import { RigError } from '../errors/index.ts';
import { compileExpression } from '../gear/expression.ts';
import { FrameWriter } from '../iso8583/frame-writer.ts';
import { encodeFrame, FrameDecoder, resolveFraming, type FramingKind } from '../iso8583/framing.ts';
import { builtinSpec, loadSpec, pack, unpack } from '../iso8583/index.ts';
import { isRequestMti, responseMti } from '../iso8583/match.ts';
import type { IsoMessage, IsoSpec } from '../iso8583/types.ts';

export const issuerRuleSchema = z.strictObject({
  /** JSONata over `{ mti, fields }`, e.g. `$number(fields."4") > 100000`. */
  when: z.string().min(1),
  /** DE 39 response code to answer with. */
  code: z.string().regex(/^[0-9A-Z]{2}$/, 'a two-character response code such as "05"').default('05'),
  /** Wait this many milliseconds before answering. */
  delay_ms: z.number().int().min(0).max(600_000).default(0),
  /** false: do not answer at all (the acquirer side times out). */
  respond: z.boolean().default(true),
  /** Apply to the first N requests the condition matches only; later ones go on to the next rules. */
  times: z.number().int().min(1).optional(),
});

export const issuerConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(0),
  spec: z.string().default('iso87ascii'),
  framing: z.enum(['binary2', 'ascii4']).default('binary2'),
  header_length: z.number().int().min(0).max(64).default(0),
  default_code: z.string().regex(/^[0-9A-Z]{2}$/).default('00'),
  rules: z.array(issuerRuleSchema).default([
    { when: '$number(fields."4") > 1000000', code: '51', delay_ms: 0, respond: true },
    { when: '$substring(fields."2", -4) = "0002"', code: '05', delay_ms: 0, respond: true },
  ]),
});
export type IssuerConfig = z.infer<typeof issuerConfigSchema>;

/** DE 39 for a request a rule's condition cannot be evaluated on. */
const FORMAT_ERROR = '30';

/** Fields an issuer echoes so the acquirer can match and account the response. */
const ECHOED_FIELDS = [2, 3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49] as const;

export interface IssuerStats {
  requests: number;
  approved: number;
  declined: number;
  silent: number;
  malformed: number;
  networkMessages: number;
}

/** One request the simulator received and what it did about it. */
export interface IssuerExchange {
  request: IsoMessage;
  /** The answer, or undefined when a rule said `respond: false`. */
  response?: IsoMessage;
  /** How long the answer is held back (rule `delay_ms`). */
  delayMs: number;
}

export interface IssuerHooks {
  /** Called once per request (network management excluded) when its answer is decided. */
  onExchange?: (exchange: IssuerExchange) => void;
}

export interface IssuerSimulator {
  readonly port: number;
  readonly stats: IssuerStats;
  close(): Promise<void>;
}

export function resolveSpec(nameOrPath: string): IsoSpec {
  return /[/\\.]/.test(nameOrPath) ? loadSpec(nameOrPath) : builtinSpec(nameOrPath);
}

export async function startIssuer(input: Partial<IssuerConfig> = {}, hooks: IssuerHooks = {}): Promise<IssuerSimulator> {
  const config = issuerConfigSchema.parse(input);
  const spec = resolveSpec(config.spec);
  const framing = resolveFraming({ kind: config.framing as FramingKind, headerLength: config.header_length });
  const rules = config.rules.map((rule, index) => {
    try {
      // The gears' JSONata (pkg/gear/expression.ts): the plain subset the default rules use runs synchronously.
      return { ...rule, condition: compileExpression(rule.when, `rules[${index}].when`), matched: 0 };
    } catch (error) {
      throw new RigError('SIM_RULE', `invalid rule condition: ${(error as Error).message}`, { where: `rules[${index}].when`, exitCode: 2 });
    }
  });
  const stats: IssuerStats = { requests: 0, approved: 0, declined: 0, silent: 0, malformed: 0, networkMessages: 0 };
  const sockets = new Set<Socket>();
  let approvalCounter = 0;

  type Answer = { response?: IsoMessage; delayMs: number };
  /**
   * The answer to `request`, synchronously while the rules' conditions answer synchronously (the
   * default rules do: JSONata's plain subset), else a promise; see applyRules.
   */
  const answer = (request: IsoMessage): Answer | Promise<Answer> => {
    const fields: IsoMessage['fields'] = {};
    for (const field of ECHOED_FIELDS) if (request.fields[field] !== undefined) fields[field] = request.fields[field];
    const mti = responseMti(request.mti);
    if (request.mti[1] === '8') {
      // Message class 8: network management (sign-on, echo, key exchange) is always acknowledged.
      stats.networkMessages++;
      for (const field of [7, 11, 70]) if (request.fields[field] !== undefined) fields[field] = request.fields[field];
      fields[39] = '00';
      return { response: { mti, fields }, delayMs: 0 };
    }
    stats.requests++;
    return applyRules(request, mti, fields, 0);
  };
  /** Rules from `from` on; the first condition that answers with a promise carries on asynchronously. */
  const applyRules = (request: IsoMessage, mti: string, fields: IsoMessage['fields'], from: number): Answer | Promise<Answer> => {
    for (let index = from; index < rules.length; index++) {
      const rule = rules[index] as (typeof rules)[number];
      const result = rule.condition.evaluate({ data: request });
      if (result instanceof Promise) {
        return result.then(
          (value) => (value ? ruleMatched(rule, mti, fields) : undefined) ?? applyRules(request, mti, fields, index + 1),
          // A condition that fails on this request (e.g. $number of a non-numeric amount): what a real
          // issuer answers to a message it cannot process, a format error, and the simulator goes on.
          () => decided(mti, fields, FORMAT_ERROR, 0),
        );
      }
      if (!result) continue;
      const matched = ruleMatched(rule, mti, fields);
      if (matched) return matched;
    }
    return decided(mti, fields, config.default_code, 0);
  };
  /** The answer of a rule whose condition held, or undefined when it already answered `times` requests. */
  const ruleMatched = (rule: (typeof rules)[number], mti: string, fields: IsoMessage['fields']): Answer | undefined => {
    // Counted after the (possibly asynchronous) condition, so requests evaluated side by side never overrun it.
    if (rule.times !== undefined && rule.matched >= rule.times) return undefined;
    rule.matched++;
    if (!rule.respond) {
      stats.silent++;
      return { delayMs: 0 };
    }
    return decided(mti, fields, rule.code, rule.delay_ms);
  };
  /** The response with DE 39 `code` (and an approval code when approved), sent after `delayMs`. */
  const decided = (mti: string, fields: IsoMessage['fields'], code: string, delayMs: number): Answer => {
    fields[39] = code;
    if (code === '00') {
      stats.approved++;
      fields[38] = String(++approvalCounter % 1_000_000).padStart(6, '0');
    } else {
      stats.declined++;
    }
    return { response: { mti, fields }, delayMs };
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder(framing);
    const writer = new FrameWriter(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const respond = (request: IsoMessage, header: Uint8Array, { response, delayMs }: Answer) => {
      if (request.mti[1] !== '8') hooks.onExchange?.({ request, ...(response === undefined ? {} : { response }), delayMs });
      if (!response) return;
      // An answer for a connection that closed in the meantime is dropped, as a real issuer's would be.
      const write = () => {
        if (!socket.destroyed) writer.queue(encodeFrame(pack(response, spec), framing, header.length ? Buffer.from(header) : undefined));
      };
      if (delayMs > 0) setTimeout(write, delayMs).unref();
      else write();
    };
    socket.on('data', (chunk) => {
      let frames: ReturnType<FrameDecoder['push']>;
      try {
        frames = decoder.push(chunk);
      } catch {
        stats.malformed++;
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        let request: IsoMessage;
        try {
          request = unpack(frame.message, spec);
        } catch {
          stats.malformed++;
          continue; // an issuer ignores what it cannot parse; the acquirer's timeout handles it
        }
        if (!isRequestMti(request.mti)) {
          stats.malformed++;
          continue; // a response (or an MTI with no answer) sent to the issuer: nothing to answer
        }
        const answered = answer(request);
        if (answered instanceof Promise) void answered.then((outcome) => respond(request, frame.header, outcome));
        else respond(request, frame.header, answered);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new RigError('SIM_LISTEN', `issuer simulator cannot listen on ${config.host}:${config.port}: ${error.message}`, { cause: error })));
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
