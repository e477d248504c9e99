/**
 * A small typed client for the mixer's REST API (http.ts): one method per route, JSON in and out.
 * The API's error bodies `{ error: { code, message, where?, hint?, problems? } }` come back as RigErrors
 * with the same code, message, place and hint; a mixer that cannot be reached is MIXER_UNREACHABLE.
 * Mutating calls carry `Authorization: Bearer <token>`; the token comes from config (mixer.api_token)
 * or from the file `rig run` writes under the data directory (`mixerTokenFile`).
 *
 * It must never print or log the token, and never retry a mutating call on its own (a replayed PUT or
 * deploy is the caller's decision).
 */
import { readFile } from 'node:fs/promises';
import { dataPath, mixerUrl, type RigConfig } from '../config/index.ts';
import { RigError } from '../errors/index.ts';
import { describeProblem, type Problem } from '../scenario/problems.ts';
import type { RackRecord, ScenarioRecord } from './records.ts';
import type { ScenarioStatus } from './service.ts';

/** A rack as the API lists it: its own record plus liveness computed by the mixer. */
export type RackView = RackRecord & { live: boolean };

/** One entry of GET /v1/gears. */
export interface GearCatalogueEntry {
  type: string;
  summary: string;
  pure: boolean;
  inputs: { name: string; description?: string }[];
  outputs: { name: string; description?: string }[];
  /** JSON Schema of the gear's config. */
  config: Record<string, unknown>;
}

export interface MixerClientOptions {
  /** Base URL such as `http://127.0.0.1:7070` (a trailing slash is ignored). */
  url: string;
  /** Bearer token for mutating calls; without one they fail with MIXER_TOKEN_MISSING before sending. */
  token?: string;
  /** Said in MIXER_TOKEN_MISSING's hint: where a token would have been looked for. */
  tokenHint?: string;
  /** Per-request time limit. */
  timeoutMs?: number;
}

/**
 * The token file `rig run` writes when mixer.api_token is empty and the mixer generated one. The same
 * name as pkg/node/token.ts (which sits above pkg/mixer, so it is not imported here); a test holds them equal.
 */
export const MIXER_TOKEN_FILE = 'mixer.token';

export function mixerTokenFile(config: RigConfig, cwd = process.cwd()): string {
  return dataPath(config, MIXER_TOKEN_FILE, cwd);
}

/**
 * The bearer token for mutating calls: mixer.api_token when set, else the token file under the data
 * directory, else undefined (read-only calls still work). A token file that exists but cannot be read
 * is an error, not a silent fallback.
 */
export async function resolveMixerToken(config: RigConfig, cwd = process.cwd()): Promise<string | undefined> {
  if (config.mixer.api_token !== '') return config.mixer.api_token;
  const file = mixerTokenFile(config, cwd);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RigError('MIXER_TOKEN_READ', `cannot read the mixer token file: ${(error as Error).message}`, { where: file, cause: error });
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}

/** A client for the mixer this config points at (mixer.url or its listen address), with its token. */
export async function mixerClientFor(config: RigConfig, options: { cwd?: string; timeoutMs?: number } = {}): Promise<MixerClient> {
  const token = await resolveMixerToken(config, options.cwd);
  return new MixerClient({
    url: mixerUrl(config),
    ...(token === undefined ? {} : { token }),
    tokenHint: `set mixer.api_token (env FLUXRIG_MIXER_API_TOKEN), or run this where \`rig run\` wrote ${mixerTokenFile(config, options.cwd)} (same --data-dir)`,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/** The error body every failing API route sends. */
interface ApiErrorBody {
  error: { code: string; message: string; where?: string; hint?: string; problems?: Problem[] };
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

export class MixerClient {
  readonly url: string;
  private readonly token: string | undefined;
  private readonly tokenHint: string;
  private readonly timeoutMs: number;

  constructor(options: MixerClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.tokenHint = options.tokenHint ?? 'set mixer.api_token (env FLUXRIG_MIXER_API_TOKEN)';
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  health(): Promise<{ status: string }> {
    return this.call('GET', '/healthz');
  }

  /** true when the mixer answers /readyz with 200, false on 503. */
  async ready(): Promise<boolean> {
    return (await this.exchange('GET', '/readyz')).status === 200;
  }

  openapi(): Promise<Record<string, unknown>> {
    return this.call('GET', '/openapi.json');
  }

  listRacks(): Promise<RackView[]> {
    return this.call('GET', '/v1/racks');
  }

  getRack(id: string): Promise<RackView> {
    return this.call('GET', `/v1/racks/${segment(id)}`);
  }

  drainRack(id: string): Promise<{ rack: string; draining: boolean }> {
    return this.call('POST', `/v1/racks/${segment(id)}/drain`);
  }

  listScenarios(): Promise<ScenarioRecord[]> {
    return this.call('GET', '/v1/scenarios');
  }

  getScenario(id: string): Promise<ScenarioRecord> {
    return this.call('GET', `/v1/scenarios/${segment(id)}`);
  }

  /** Creates or replaces; the mixer bumps the version only when the scenario changed. */
  putScenario(id: string, scenario: unknown): Promise<ScenarioRecord> {
    return this.call('PUT', `/v1/scenarios/${segment(id)}`, scenario);
  }

  deleteScenario(id: string): Promise<void> {
    return this.call('DELETE', `/v1/scenarios/${segment(id)}`);
  }

  deploy(id: string): Promise<ScenarioRecord> {
    return this.call('POST', `/v1/scenarios/${segment(id)}/deploy`);
  }

  undeploy(id: string): Promise<ScenarioRecord> {
    return this.call('POST', `/v1/scenarios/${segment(id)}/undeploy`);
  }

  status(id: string): Promise<ScenarioStatus> {
    return this.call('GET', `/v1/scenarios/${segment(id)}/status`);
  }

  gears(): Promise<GearCatalogueEntry[]> {
    return this.call('GET', '/v1/gears');
  }

  /** Sends one request and returns its JSON body (undefined for 204), or throws the API's error as a RigError. */
  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { status, text } = await this.exchange(method, path, body);
    if (status < 200 || status > 299) throw this.apiError(method, path, status, text);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new RigError('MIXER_BAD_RESPONSE', `the mixer answered ${method} ${path} with a body that is not JSON`, { where: this.url, cause: error });
    }
  }

  /** One request and its whole body, within the time limit; transport failures become RigErrors. */
  private async exchange(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') {
      if (this.token === undefined) {
        throw new RigError('MIXER_TOKEN_MISSING', `no mixer API token for ${method} ${path}`, { hint: this.tokenHint, exitCode: 2 });
      }
      headers.authorization = `Bearer ${this.token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    // One timer covers the request and reading its body; the flag tells our time limit apart from any
    // other reason the request was aborted.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const response = await fetch(`${this.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: controller.signal,
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw this.transportError(method, path, error, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  private transportError(method: string, path: string, error: unknown, timedOut: boolean): RigError {
    if (timedOut) {
      return new RigError('MIXER_TIMEOUT', `the mixer did not answer ${method} ${path} within ${this.timeoutMs} ms`, { where: this.url, cause: error });
    }
    const code = causeCode(error);
    const reason = code ?? (error instanceof Error ? error.message : String(error));
    if (code === undefined || UNREACHABLE_CODES.has(code)) {
      return new RigError('MIXER_UNREACHABLE', `cannot reach the mixer (${reason})`, {
        where: this.url,
        hint: 'is `rig run` running? check mixer.url',
        cause: error,
      });
    }
    return new RigError('MIXER_REQUEST', `${method} ${path} failed: ${reason}`, { where: this.url, cause: error });
  }

  private apiError(method: string, path: string, status: number, text: string): RigError {
    const exitCode = status >= 400 && status < 500 ? 2 : 1;
    const parsed = parseErrorBody(text);
    if (!parsed) {
      return new RigError('MIXER_HTTP', `the mixer answered ${method} ${path} with HTTP ${status}`, { where: this.url, exitCode, details: { status } });
    }
    const { code, message, where, hint, problems } = parsed.error;
    const problemList = problems && problems.length > 0 ? problems.map(describeProblem).join('\n  ') : undefined;
    return new RigError(code, message, {
      where: where ?? `${method} ${path}`,
      hint: hint ?? problemList,
      exitCode,
      details: { status, ...(problems ? { problems } : {}) },
    });
  }
}

function segment(id: string): string {
  return encodeURIComponent(id);
}

function parseErrorBody(text: string): ApiErrorBody | undefined {
  try {
    const value = JSON.parse(text) as Partial<ApiErrorBody>;
    return typeof value.error?.code === 'string' && typeof value.error.message === 'string' ? (value as ApiErrorBody) : undefined;
  } catch {
    // Not JSON (a proxy's HTML page, say): the caller reports the bare HTTP status instead.
    return undefined;
  }
}

/** The system error code under fetch's TypeError (`fetch failed` → cause ECONNREFUSED), if any. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // AggregateError (happy eyeballs over several addresses) carries the per-address errors.
    if (current instanceof AggregateError && current.errors.length > 0) current = current.errors[0];
    else current = current.cause;
  }
  return undefined;
}
