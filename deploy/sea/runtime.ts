/**
 * Run-time support for the single-file `rig` (a Node single executable application, built by
 * deploy/build.ts). The executable carries, as SEA assets, the files the bundled code still needs on disk:
 *   - resources read with fs (ISO 8583 specs, the prebuilt Temporal workflow bundle): unpacked at start;
 *   - native addons (DuckDB, Temporal core bridge, cbor-extract) and the Temporal workflow worker-thread
 *     script: unpacked on first use, because only a real file can be dlopen'ed or run as a worker thread.
 * They go to one directory per build, keyed by version and content hash (see `unpackRoot`), written through
 * a temp file and a rename so concurrent processes never see half a file; later runs only stat them.
 * The bundled code sees that directory as its "repository root" through `import.meta.url` (see
 * `sourceUrl`), so source paths like `../../configs/specs/` resolve to the unpacked copies of configs/.
 * This module is only part of the packaged build; it must never be imported by the source tree's code,
 * it never writes outside the unpack directory, and it never loads code from an unpack directory that
 * another user owns or may write to.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import sea from 'node:sea';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

/** One file the executable carries; `key` is both the SEA asset key and the path under the unpack dir. */
export interface PackagedAsset {
  key: string;
  size: number;
  /** Unpacked at every start when missing (resources read with fs); otherwise on first use. */
  eager: boolean;
  /** Carried gzip-compressed (large native libraries); `size` is the unpacked size. */
  gzip?: boolean;
}

export interface PackagedManifest {
  version: string;
  /** First hex digits of a sha256 over every asset: names the unpack directory. */
  contentHash: string;
  assets: PackagedAsset[];
}

/** Environment variable naming the unpack root (default: the user's cache directory). */
export const UNPACK_DIR_ENV = 'FLUXRIG_UNPACK_DIR';

// Replaced by deploy/build.ts (esbuild `define`) with the manifest of this build; in a worker script,
// with the global its banner sets from the manifest the parent thread handed over (workerScript).
declare const __RIG_PACKAGED_MANIFEST__: PackagedManifest;

const manifest: PackagedManifest | undefined =
  typeof __RIG_PACKAGED_MANIFEST__ === 'undefined' ? undefined : __RIG_PACKAGED_MANIFEST__;

let unpackDirCache: string | undefined;

/** The directory this build's assets unpack to: `<root>/<version>-<contentHash>`. */
export function unpackDir(env: NodeJS.ProcessEnv = process.env): string {
  if (unpackDirCache !== undefined) return unpackDirCache;
  const build = requireManifest();
  unpackDirCache = join(unpackRoot(env), `${build.version}-${build.contentHash}`);
  return unpackDirCache;
}

/**
 * `$FLUXRIG_UNPACK_DIR`, else `$XDG_CACHE_HOME/fluxrig`, else `~/.cache/fluxrig`, else (no home, e.g. a
 * service user) `<tmpdir>/fluxrig-<uid>`, which is created private to the user.
 */
export function unpackRoot(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[UNPACK_DIR_ENV];
  if (explicit) return explicit;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'fluxrig');
  const home = env.HOME || safeHomedir();
  if (home && home !== '/' && home !== '/nonexistent') return join(home, '.cache', 'fluxrig');
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return join(tmpdir(), `fluxrig-${uid}`);
}

function safeHomedir(): string | undefined {
  try {
    return homedir();
  } catch (error) {
    // No passwd entry for this uid (common in containers): there is no home to use.
    if (error instanceof Error) return undefined;
    throw error;
  }
}

/** Path of the unpacked asset `key`, writing it first if it is missing or has the wrong size. */
export function ensureAsset(key: string): string {
  const asset = requireManifest().assets.find((candidate) => candidate.key === key);
  if (asset === undefined) throw new Error(`rig: the executable carries no asset '${key}' (a build defect)`);
  const target = join(trustedUnpackDir(), key);
  if (existsSync(target) && statSync(target).size === asset.size) return target;
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const carried = new Uint8Array(sea.getAsset(key));
  writeFileSync(temp, asset.gzip ? gunzipSync(carried) : carried, { mode: 0o600 });
  // Shared objects are mapped executable by dlopen; keep them read-only to everyone but the owner.
  if (key.endsWith('.node') || key.endsWith('.so')) chmodSync(temp, 0o500);
  renameSync(temp, target);
  return target;
}

let trusted: string | undefined;

/**
 * The unpack directory, created private (0700) if missing, and refused unless this user owns it and
 * nobody else may write to it: rig loads native code from it, so a directory planted by someone else
 * (e.g. under a shared /tmp) must never be used.
 */
function trustedUnpackDir(): string {
  if (trusted !== undefined) return trusted;
  const dir = unpackDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : info.uid;
  if (!info.isDirectory() || info.uid !== uid || (info.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a directory owned by uid ${uid} and closed to others' writes; refusing to load code from it`);
  }
  trusted = dir;
  return dir;
}

/** Unpack every eager asset (resources read with fs). Throws when the unpack directory is not writable. */
export function unpackEagerAssets(): void {
  for (const asset of requireManifest().assets) if (asset.eager) ensureAsset(asset.key);
}

/** Unpack every asset, eager or not: used to prepare an image or a read-only install ahead of time. */
export function unpackAllAssets(): string {
  for (const asset of requireManifest().assets) ensureAsset(asset.key);
  return unpackDir();
}

/**
 * Load a native addon carried as asset `key`, after unpacking it together with `companions` (shared
 * libraries it links from its own directory, e.g. libduckdb.so beside duckdb.node).
 */
export function loadNative(key: string, companions: readonly string[] = []): unknown {
  for (const companion of companions) ensureAsset(companion);
  const path = ensureAsset(key);
  const module = { exports: {} as unknown };
  process.dlopen(module, path);
  return module.exports;
}

/**
 * An object that stands for `load()`'s result and calls it on first real use (a property read, `in`, key
 * listing). Lets a module that requires a native addon at its top level be imported without unpacking or
 * loading the addon, so commands that never touch DuckDB or Temporal start without them. A read of
 * `__esModule` (what TypeScript's interop helpers probe at import time) does not count as use, nor does a
 * read of a `known` property: constants the build read from the very same addon (e.g. DuckDB's
 * `sizeof_bool`, which node-api reads while it is imported).
 */
export function lazyObject(load: () => unknown, known: Readonly<Record<string, unknown>> = {}): object {
  let loaded: object | undefined;
  const real = (): object => {
    loaded ??= load() as object;
    return loaded;
  };
  return new Proxy(
    {},
    {
      get: (_target, key) => {
        if (loaded === undefined && typeof key === 'string') {
          if (key === '__esModule') return undefined;
          if (Object.hasOwn(known, key)) return known[key];
        }
        return Reflect.get(real(), key);
      },
      has: (_target, key) => Reflect.has(real(), key),
      ownKeys: () => Reflect.ownKeys(real()),
      getOwnPropertyDescriptor: (_target, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
        // The proxy target is an empty extensible object: report properties as configurable (a proxy rule).
        return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
      },
    },
  );
}

/**
 * What `import.meta.url` reads in the bundled source file `relativePath` (repository-relative): the same
 * path under the unpack directory, so `new URL('../../configs/…', import.meta.url)` finds the unpacked copy.
 */
export function sourceUrl(relativePath: string): string {
  return pathToFileURL(join(unpackDir(), relativePath)).href;
}

/**
 * `require(path)` for an own source module that a dependency loads by file path (e.g. Temporal's
 * payloadConverterPath): `path` is where the module would be under the unpack directory; `table` maps
 * repository-relative paths to the bundled module. Unknown paths fail like a missing file.
 */
export function requireBundled(path: string, table: Readonly<Record<string, () => unknown>>): unknown {
  const relativePath = relative(unpackDir(), path).split(sep).join('/');
  const load = table[relativePath];
  if (load === undefined) {
    const error = new Error(
      `Cannot find module '${path}': the single executable loads by path only the modules listed in ` +
        'deploy/build.ts PATH_LOADED_MODULES',
    );
    throw Object.assign(error, { code: 'MODULE_NOT_FOUND' });
  }
  return load();
}

/**
 * Path of a script carried as asset `key` (e.g. a worker-thread entry), unpacked on first use together
 * with the `companions` it loads from beside itself.
 */
export function sideFile(key: string, companions: readonly string[] = []): string {
  for (const companion of companions) ensureAsset(companion);
  return ensureAsset(key);
}

/** Where deploy/build.ts puts the bundled script of a worker module (WORKER_MODULES), by source path. */
export function workerScriptKey(relativeSource: string): string {
  return `workers/${relativeSource.replace(/\.ts$/, '.cjs')}`;
}

/**
 * For pkg/threads/module-worker.ts: the unpacked bundled script of the own module at `modulePath` (its
 * path under the unpack directory, as `sourceUrl` gives it) and this build's manifest, which the thread
 * needs to find its own assets (a worker bundle cannot carry the manifest: the manifest hashes it).
 */
export function workerScript(modulePath: string): { script: string; manifest: PackagedManifest } {
  const relativeSource = relative(unpackDir(), modulePath).split(sep).join('/');
  const key = workerScriptKey(relativeSource);
  const build = requireManifest();
  if (!build.assets.some((asset) => asset.key === key)) {
    throw new Error(`rig: ${relativeSource} is not bundled as a worker script; add it to WORKER_MODULES in deploy/build.ts (a build defect)`);
  }
  return { script: ensureAsset(key), manifest: build };
}

/** True when running as the packaged single executable with a manifest. */
export function isPackaged(): boolean {
  return manifest !== undefined && sea.isSea();
}

function requireManifest(): PackagedManifest {
  if (manifest === undefined || !sea.isSea()) {
    throw new Error('rig: packaged-runtime helpers used outside the single executable (a build defect)');
  }
  return manifest;
}
