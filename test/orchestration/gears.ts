/**
 * Gears used only by the orchestration tests. Each one makes a durable-flow behaviour observable:
 * attempt-driven failures (retry), permanent failures (compensation), an HTTP side effect carrying the
 * step's idempotency key to a receiving end (exactly-once at the edge), and a hang after the side effect
 * (kill -9 mid-step). They follow the real GearDescriptor contract; nothing here is a stub of product code.
 */
import { z } from 'zod';
import { RigError } from '../../pkg/errors/index.ts';
import type { GearDescriptor } from '../../pkg/gear/descriptor.ts';
import { IDEMPOTENCY_HEADER } from '../../pkg/orchestration/plan.ts';

const ports = {
  inputs: [{ name: 'in', summary: 'message to process' }],
  outputs: [
    { name: 'out', summary: 'processed message' },
    { name: 'error', summary: 'failed message' },
  ],
};

/** Pure: appends `mark` to `data.trail`. */
export const appendGear: GearDescriptor<{ mark: string }> = {
  type: 'test-append',
  summary: 'appends a mark to data.trail',
  config: z.object({ mark: z.string() }),
  ...ports,
  pure: true,
  create(config, ctx) {
    return {
      async handle(_port, message) {
        const data = (message.data ?? {}) as { trail?: string[] };
        await ctx.emit('out', ctx.envelope({ ...data, trail: [...(data.trail ?? []), config.mark] }, { parent: message }));
      },
    };
  },
};

/**
 * Fails its first `failures` attempts with `code` — thrown as a RigError, or with `via: 'error-port'`
 * emitted on the error port with an `error-code` header — then passes the message on with the attempt.
 */
export const flakyGear: GearDescriptor<{ failures: number; code: string; via: 'throw' | 'error-port' }> = {
  type: 'test-flaky',
  summary: 'fails the first N attempts',
  config: z.object({
    failures: z.number().int().min(0),
    code: z.string().default('TEST_FLAKY'),
    via: z.enum(['throw', 'error-port']).default('throw'),
  }),
  ...ports,
  pure: false,
  create(config, ctx) {
    return {
      async handle(_port, message) {
        const attempt = message.attempt ?? 1;
        if (attempt <= config.failures && config.via === 'throw') throw new RigError(config.code, `attempt ${attempt} fails on purpose`);
        if (attempt <= config.failures) {
          await ctx.emit('error', ctx.envelope(message.data, { parent: message, headers: { 'error-code': config.code, error: `attempt ${attempt} fails on purpose` } }));
          return;
        }
        await ctx.emit('out', ctx.envelope({ ...(message.data as object), succeededOnAttempt: attempt }, { parent: message }));
      },
    };
  },
};

/** Always fails with RigError `code`. */
export const failGear: GearDescriptor<{ code: string }> = {
  type: 'test-fail',
  summary: 'always fails',
  config: z.object({ code: z.string().default('TEST_DECLINED') }),
  ...ports,
  pure: false,
  create(config) {
    return {
      async handle() {
        throw new RigError(config.code, 'this step always fails');
      },
    };
  },
};

/**
 * POSTs `{ label, data }` to `url` with the step's idempotency key in an `Idempotency-Key` header and
 * passes the message on. With `hangOnAttempt: n` it hangs after the POST on attempt n, so a test can
 * kill the worker between the side effect and the activity's completion.
 */
export const httpPostGear: GearDescriptor<{ url: string; label: string; hangOnAttempt?: number | undefined }> = {
  type: 'test-http-post',
  summary: 'POSTs to a test sink with the idempotency key',
  config: z.object({ url: z.string(), label: z.string(), hangOnAttempt: z.number().int().optional() }),
  ...ports,
  pure: false,
  create(config, ctx) {
    return {
      async handle(_port, message) {
        const key = message.headers?.[IDEMPOTENCY_HEADER] ?? '';
        const response = await fetch(config.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ label: config.label, attempt: message.attempt, data: message.data }),
        });
        if (!response.ok) throw new RigError('TEST_SINK_STATUS', `sink answered ${response.status}`);
        if (config.hangOnAttempt !== undefined && message.attempt === config.hangOnAttempt) {
          await new Promise<never>(() => {
            // Never settles: the test kills this process while the activity is "in flight".
          });
        }
        await ctx.emit('out', ctx.envelope(message.data, { parent: message }));
      },
    };
  },
};

/** Routes the message to its error port with an `error-code` header (a business decline, not a fault). */
export const declineGear: GearDescriptor<{ code: string }> = {
  type: 'test-decline',
  summary: 'emits on the error port',
  config: z.object({ code: z.string().default('TEST_DECLINED') }),
  ...ports,
  pure: true,
  create(config, ctx) {
    return {
      async handle(_port, message) {
        await ctx.emit('error', ctx.envelope(message.data, { parent: message, headers: { 'error-code': config.code } }));
      },
    };
  },
};

/** POSTs `<label>:start`, waits `delayMs`, POSTs `<label>:end`, passes the message on (graceful-drain probe). */
export const slowGear: GearDescriptor<{ url: string; label: string; delayMs: number }> = {
  type: 'test-slow',
  summary: 'a step that takes a while and reports its start and end',
  config: z.object({ url: z.string(), label: z.string(), delayMs: z.number().int().min(0) }),
  ...ports,
  pure: false,
  create(config, ctx) {
    const post = (label: string, key: string) =>
      fetch(config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${key}:${label}` },
        body: JSON.stringify({ label }),
      });
    return {
      async handle(_port, message) {
        const key = message.headers?.[IDEMPOTENCY_HEADER] ?? '';
        await post(`${config.label}:start`, key);
        await new Promise((r) => setTimeout(r, config.delayMs));
        await post(`${config.label}:end`, key);
        await ctx.emit('out', ctx.envelope(message.data, { parent: message }));
      },
    };
  },
};

/** Checks that `data.raw` arrives as a Uint8Array and passes on its reversed copy plus its length. */
export const bytesGear: GearDescriptor<Record<string, never>> = {
  type: 'test-bytes',
  summary: 'reverses data.raw (bytes)',
  config: z.object({}),
  ...ports,
  pure: true,
  create(_config, ctx) {
    return {
      async handle(_port, message) {
        const raw = (message.data as { raw?: unknown }).raw;
        if (!(raw instanceof Uint8Array)) throw new RigError('TEST_NOT_BYTES', `data.raw is ${Object.prototype.toString.call(raw)}`);
        await ctx.emit('out', ctx.envelope({ raw: Uint8Array.from(raw).reverse(), length: raw.length }, { parent: message }));
      },
    };
  },
};

export const testCatalogue: GearDescriptor[] = [
  appendGear as GearDescriptor,
  flakyGear as GearDescriptor,
  failGear as GearDescriptor,
  httpPostGear as GearDescriptor,
  declineGear as GearDescriptor,
  slowGear as GearDescriptor,
  bytesGear as GearDescriptor,
];
