/**
 * `make build`: produces dist/rig, one executable file that runs the CLI with no source tree and no
 * node_modules beside it (a Node single executable application, https://nodejs.org/api/single-executable-applications.html):
 *   1. checks cmd/rig/version.ts matches package.json;
 *   2. builds the Temporal workflow bundle (dist/workflows.bundle.js, pkg/orchestration/bundle.ts);
 *   3. bundles deploy/sea/entry.ts (which runs cmd/rig/main.ts) and every dependency into one CommonJS
 *      file with esbuild, plus Temporal's workflow worker-thread script and each of our own worker-thread
 *      modules (WORKER_MODULES) as files of their own;
 *   4. collects the assets the bundle still needs as files (specs, workflow bundle, worker-thread script,
 *      native addons for this platform) and lets `node --experimental-sea-config` write the blob;
 *   5. copies this Node executable to dist/rig and injects the blob with postject; runs `dist/rig --version`.
 * The build is incremental: dist/.build/stamp.json records a hash over every input file the previous
 * build read; when nothing changed and dist/rig exists, it only says so. `--force` rebuilds anyway.
 * `--entry <module> --output <file>` packages another entry the same way (test/build uses it for a probe
 * that runs a durable flow inside a single executable).
 * The executable is for this platform and architecture only (it embeds this Node and its native addons).
 * Never writes outside dist/ (and the workflow-bundle cache under .cache/workflows).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { VERSION } from '../cmd/rig/version.ts';
import { ensureWorkflowBundle, workflowSourceHash } from '../pkg/orchestration/bundle.ts';
import type { NativeAssetKeys } from './sea/plugin.ts';
import { packagedRuntimePlugin } from './sea/plugin.ts';
import { type PackagedAsset, type PackagedManifest, workerScriptKey } from './sea/runtime.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const buildDir = join(dist, '.build');
const seaDir = join(root, 'deploy', 'sea');
const requireFromRoot = createRequire(join(root, 'package.json'));

/** The fuse string Node's executable carries to say "a SEA blob may be injected" (Node docs). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const OUTPUT = join(dist, 'rig');

/**
 * Own sources a dependency `require`s by file path at run time, so the bundle must answer for them:
 * Temporal loads the data converter from `payloadConverterPath` (pkg/orchestration/bundle.ts).
 */
const PATH_LOADED_MODULES = ['pkg/orchestration/payload-converter.ts'];
export const DEFAULT_ENTRY = join(seaDir, 'entry.ts');

/**
 * Own modules that run in worker threads (pkg/threads/module-worker.ts): each is bundled into a script
 * of its own, carried as asset `workers/<path>.cjs` and unpacked on first use.
 */
const WORKER_MODULES = ['pkg/telemetry/sink-worker.ts'];

/** What to build: the CLI into dist/rig by default; another entry (a test probe) into another file. */
export interface BuildOptions {
  /** Rebuild even when the stamp says the output is up to date. */
  force?: boolean;
  /** Entry module (default deploy/sea/entry.ts, the CLI). */
  entry?: string;
  /** Executable to write (default dist/rig). */
  output?: string;
}

interface Target {
  entry: string;
  output: string;
  stamp: string;
  /** Only the CLI answers `--version`; a probe is not run by the build. */
  smokeTest: boolean;
}

function targetOf(options: BuildOptions): Target {
  const entry = resolve(root, options.entry ?? DEFAULT_ENTRY);
  const output = resolve(root, options.output ?? OUTPUT);
  const stamp = join(buildDir, output === OUTPUT ? 'stamp.json' : `${basename(output)}.stamp.json`);
  return { entry, output, stamp, smokeTest: entry === DEFAULT_ENTRY };
}

interface AssetSource extends PackagedAsset {
  source: string;
}

/** Assets at least this large travel gzip-compressed (the native libraries: ~100 MiB become ~34 MiB). */
const COMPRESS_FROM_BYTES = 4 * 1024 * 1024;
const compressCache = join(root, '.cache', 'build');

/**
 * The file the blob takes for `asset`: the source itself, or its gzip copy from .cache/build/ (keyed by
 * the source's sha256, so a rebuild after a source change does not compress the libraries again).
 */
function carriedFile(asset: AssetSource, bytes: Buffer): string {
  if (!asset.gzip) return asset.source;
  const cached = join(compressCache, `${sha256(bytes)}.gz`);
  if (!existsSync(cached)) {
    mkdirSync(compressCache, { recursive: true });
    const temp = `${cached}.${process.pid}.tmp`;
    writeFileSync(temp, gzipSync(bytes, { level: 6 }));
    renameSync(temp, cached);
  }
  return cached;
}

interface Stamp {
  inputsHash: string;
  inputs: string[];
  output: { size: number; mtimeMs: number };
}

function say(line: string): void {
  process.stdout.write(`build: ${line}\n`);
}

/** A build step that failed for a reason the message explains (no stack trace needed). */
class BuildError extends Error {}

function fail(message: string): never {
  throw new BuildError(message);
}

function checkVersion(): void {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  if (pkg.version !== VERSION) {
    fail(`cmd/rig/version.ts says ${VERSION} but package.json says ${pkg.version}: make them agree`);
  }
}

/** `${process.platform}-${process.arch}` of the native packages to carry; musl libc is refused (glibc builds only). */
function platformTag(): string {
  const tag = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux' && process.report?.getReport !== undefined) {
    const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
    if (report.header?.glibcVersionRuntime === undefined) fail('musl libc is not supported by this build (no glibc found)');
  }
  return tag;
}

/** Native addons and the files beside them, for this platform only. */
function nativeAssets(): { assets: AssetSource[]; keys: NativeAssetKeys } {
  const tag = platformTag();
  const assets: AssetSource[] = [];
  const add = (key: string, source: string) => {
    assets.push({ key, source, size: statSync(source).size, eager: false });
    return key;
  };

  const bindingsRequire = createRequire(requireFromRoot.resolve('@duckdb/node-bindings'));
  const duckdbAddon = bindingsRequire.resolve(`@duckdb/node-bindings-${tag}/duckdb.node`);
  const duckdbDir = dirname(duckdbAddon);
  const companions = readdirSync(duckdbDir)
    .filter((name) => /\.(so|dylib|dll)$/.test(name))
    .map((name) => add(`native/duckdb/${name}`, join(duckdbDir, name)));
  // The addon's data exports (sizeof_bool, enums such as StatementType), read here from the very addon the
  // binary carries: node-api and pkg/telemetry read them while being imported, which must not load DuckDB.
  const bindings = bindingsRequire(duckdbAddon) as Record<string, unknown>;
  const knownConstants = Object.fromEntries(
    Object.getOwnPropertyNames(bindings)
      .filter((name) => typeof bindings[name] !== 'function')
      .map((name) => [name, JSON.parse(JSON.stringify(bindings[name])) as unknown]),
  );
  const duckdb = { addon: add('native/duckdb/duckdb.node', duckdbAddon), companions, knownConstants };

  const bridgeCommon = createRequire(requireFromRoot.resolve('@temporalio/worker'))('@temporalio/core-bridge/common') as {
    getPrebuiltPath(): string;
    getPrebuiltTargetName(): string;
  };
  // Same place relative to the worker-thread script as in the package (releases/<target>/index.node
  // beside it), so core-bridge's own lookup finds it inside the workflow worker threads too.
  const temporalBridge = add(`temporal/releases/${bridgeCommon.getPrebuiltTargetName()}/index.node`, bridgeCommon.getPrebuiltPath());

  // source-map (Temporal maps workflow stack traces with it) reads mappings.wasm from beside itself; the
  // worker-thread script is unpacked to temporal/, so the wasm goes there too.
  const sourceMapDir = dirname(createRequire(requireFromRoot.resolve('@temporalio/worker')).resolve('source-map/package.json'));
  const sourceMapWasm = add('temporal/mappings.wasm', join(sourceMapDir, 'lib', 'mappings.wasm'));

  const cborExtract = findCborExtract();
  return {
    assets,
    keys: {
      duckdb,
      temporalBridge,
      cborExtract: cborExtract === undefined ? undefined : add('native/cbor-extract/extract.node', cborExtract),
      temporalWorkerThread: 'temporal/workflow-worker-thread.cjs',
      sourceMapWasm,
    },
  };
}

/** cbor-extract's addon (optional: cbor-x decodes in plain JS without it). */
function findCborExtract(): string | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(requireFromRoot.resolve('cbor-x'))
      .resolve('cbor-extract/package.json'));
  } catch (error) {
    say(`cbor-extract not installed (${(error as Error).message.split('\n')[0]}): cbor-x runs in plain JS`);
    return undefined;
  }
  const finder = createRequire(join(dir, 'package.json'))('node-gyp-build-optional-packages') as { path(dir: string): string };
  return finder.path(dir);
}

/** Everything under configs/ (specs, example scenarios, rig.toml) and the workflow bundle, unpacked at start. */
function resourceAssets(workflowBundle: string): AssetSource[] {
  const configs = readdirSync(join(root, 'configs'), { recursive: true, encoding: 'utf8' })
    .map((name) => join(root, 'configs', name))
    .filter((path) => statSync(path).isFile());
  return [...configs.sort(), workflowBundle].map((source) => ({
    key: source === workflowBundle ? 'dist/workflows.bundle.js' : relative(root, source).split(sep).join('/'),
    source,
    size: statSync(source).size,
    eager: true,
  }));
}

function sha256(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** Hash over the listed files' paths and contents, this Node and the build scripts. */
function inputsHash(inputs: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(`${process.version} ${process.execPath} ${statSync(process.execPath).size}\n`);
  for (const file of [...new Set(inputs)].sort()) {
    hash.update(`${file}\n`);
    hash.update(existsSync(file) ? readFileSync(file) : 'missing');
  }
  return hash.digest('hex');
}

/** The input hash plus the workflow sources' hash (their bundle lives in dist/, so it is no input). */
function currentHash(inputs: readonly string[]): string {
  return `${inputsHash(inputs)}:${workflowSourceHash()}`;
}

/** True when the target's output was built from exactly the current inputs. */
function upToDate(target: Target): boolean {
  if (!existsSync(target.stamp) || !existsSync(target.output)) return false;
  const stamp = JSON.parse(readFileSync(target.stamp, 'utf8')) as Stamp;
  const output = statSync(target.output);
  if (output.size !== stamp.output.size || output.mtimeMs !== stamp.output.mtimeMs) return false;
  return currentHash(stamp.inputs) === stamp.inputsHash;
}

function buildScripts(): string[] {
  return [join(root, 'deploy', 'build.ts'), ...readdirSync(seaDir, { recursive: true, encoding: 'utf8' }).map((name) => join(seaDir, name))].filter(
    (path) => statSync(path).isFile(),
  );
}

function metafileInputs(meta: esbuild.Metafile): string[] {
  return Object.keys(meta.inputs)
    .filter((input) => !input.includes(':'))
    .map((input) => resolve(root, input));
}

const commonOptions: esbuild.BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'error',
};

async function bundleWorkerThread(outfile: string): Promise<esbuild.Metafile> {
  const entry = join(dirname(requireFromRoot.resolve('@temporalio/worker')), 'workflow', 'workflow-worker-thread.js');
  const result = await esbuild.build({ ...commonOptions, entryPoints: [entry], outfile });
  return result.metafile!;
}

/**
 * One of WORKER_MODULES as a script of its own. It cannot carry the manifest (the manifest hashes it), so
 * its banner takes the one the parent thread hands over (runtime.ts `workerScript`).
 */
async function bundleWorkerModule(source: string, outfile: string, keys: NativeAssetKeys): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    ...commonOptions,
    entryPoints: [join(root, source)],
    outfile,
    banner: { js: 'globalThis.__rigPackagedManifest = require("node:worker_threads").workerData.packagedManifest;' },
    define: {
      'import.meta.url': '__rigImportMetaUrl',
      __RIG_PACKAGED_MANIFEST__: 'globalThis.__rigPackagedManifest',
    },
    inject: [join(seaDir, 'import-meta.ts')],
    plugins: [packagedRuntimePlugin(pluginOptions(keys))],
  });
  return result.metafile!;
}

function pluginOptions(keys: NativeAssetKeys) {
  return {
    sourceRoot: root,
    runtimePath: join(seaDir, 'runtime.ts'),
    temporalBundlerStub: join(seaDir, 'stubs', 'temporal-bundler.cjs'),
    pathLoadedModules: PATH_LOADED_MODULES,
    keys,
  };
}

async function bundleEntry(entry: string, outfile: string, manifest: PackagedManifest, keys: NativeAssetKeys): Promise<esbuild.Metafile> {
  const result = await esbuild.build({
    ...commonOptions,
    entryPoints: [entry],
    outfile,
    define: {
      'import.meta.url': '__rigImportMetaUrl',
      __RIG_PACKAGED_MANIFEST__: JSON.stringify(manifest),
    },
    inject: [join(seaDir, 'import-meta.ts')],
    plugins: [packagedRuntimePlugin(pluginOptions(keys))],
  });
  return result.metafile!;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}:\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export async function build(options: BuildOptions = {}): Promise<void> {
  const started = Date.now();
  const target = targetOf(options);
  checkVersion();
  if (!options.force && upToDate(target)) {
    say(`${relative(root, target.output)} is up to date (${mib(statSync(target.output).size)}); --force rebuilds`);
    return;
  }
  mkdirSync(buildDir, { recursive: true });
  // Intermediates go to a directory of this process's own, so two builds at once never mix their files;
  // dist/rig, dist/workflows.bundle.js and the stamp are replaced by rename.
  const work = mkdtempSync(join(buildDir, 'work-'));
  try {
    await buildInto(target, work, started);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function buildInto(target: Target, work: string, started: number): Promise<void> {
  const workflowBundle = join(dist, 'workflows.bundle.js');
  copyFileSync((await ensureWorkflowBundle()).codePath, join(work, 'workflows.bundle.js'));
  renameSync(join(work, 'workflows.bundle.js'), workflowBundle);
  say(`workflow bundle ${relative(root, workflowBundle)} (${mib(statSync(workflowBundle).size)}, sources ${workflowSourceHash()})`);

  const workerThread = join(work, 'workflow-worker-thread.cjs');
  const workerMeta = await bundleWorkerThread(workerThread);
  const native = nativeAssets();
  const workerModules: AssetSource[] = [];
  const workerModuleMetas: esbuild.Metafile[] = [];
  for (const source of WORKER_MODULES) {
    const key = workerScriptKey(source);
    const script = join(work, key);
    workerModuleMetas.push(await bundleWorkerModule(source, script, native.keys));
    workerModules.push({ key, source: script, size: statSync(script).size, eager: false });
  }
  const assets: AssetSource[] = [
    ...resourceAssets(workflowBundle),
    ...native.assets,
    { key: native.keys.temporalWorkerThread, source: workerThread, size: statSync(workerThread).size, eager: false },
    ...workerModules,
  ];
  const hash = createHash('sha256');
  const carried = new Map<string, string>();
  for (const asset of assets) {
    const bytes = readFileSync(asset.source);
    hash.update(asset.key);
    hash.update(bytes);
    asset.gzip = asset.size >= COMPRESS_FROM_BYTES;
    carried.set(asset.key, carriedFile(asset, bytes));
  }
  const contentHash = hash.digest('hex').slice(0, 16);
  const manifest: PackagedManifest = {
    version: VERSION,
    contentHash,
    assets: assets.map(({ key, size, eager, gzip }) => ({ key, size, eager, gzip })),
  };

  const bundle = join(work, 'rig.cjs');
  const cliMeta = await bundleEntry(target.entry, bundle, manifest, native.keys);
  say(`bundled ${relative(root, target.entry)} (${mib(statSync(bundle).size)}, ${Object.keys(cliMeta.inputs).length} modules) after ${Date.now() - started} ms`);

  const blob = join(work, 'rig.blob');
  const seaConfig = join(work, 'sea-config.json');
  writeFileSync(
    seaConfig,
    JSON.stringify(
      {
        main: bundle,
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
        assets: Object.fromEntries(carried),
      },
      null,
      2,
    ),
  );
  run(process.execPath, ['--experimental-sea-config', seaConfig]);

  const temp = join(work, 'rig');
  copyFileSync(process.execPath, temp);
  chmodSync(temp, 0o755);
  const { inject } = requireFromRoot('postject') as {
    inject(file: string, name: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
  };
  // postject's LIEF warns once per ELF note section it cannot name (harmless, Node's own notes); keep
  // the build output readable by dropping exactly those lines.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!/Can't find string offset for section name/.test(String(args[0]))) warn(...args);
  };
  try {
    await inject(temp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  } finally {
    console.warn = warn;
  }
  renameSync(temp, target.output);

  if (target.smokeTest) {
    // Smoke run with a private unpack directory, so the build leaves nothing in the user's cache.
    const smokeDir = mkdtempSync(join(tmpdir(), 'fluxrig-build-'));
    try {
      const printed = run(target.output, ['--version'], { ...process.env, FLUXRIG_UNPACK_DIR: smokeDir }).trim();
      if (printed !== VERSION) fail(`dist/rig --version printed '${printed}', expected '${VERSION}'`);
    } finally {
      rmSync(smokeDir, { recursive: true, force: true });
    }
  }

  const inputs = [
    ...metafileInputs(cliMeta),
    ...metafileInputs(workerMeta),
    ...workerModuleMetas.flatMap(metafileInputs),
    ...assets.map((asset) => asset.source).filter((source) => !source.startsWith(dist)),
    ...buildScripts(),
    join(root, 'package.json'),
    join(root, 'package-lock.json'),
  ];
  const output = statSync(target.output);
  const stamp: Stamp = { inputsHash: currentHash(inputs), inputs, output: { size: output.size, mtimeMs: output.mtimeMs } };
  writeFileSync(join(work, 'stamp.json'), JSON.stringify(stamp));
  renameSync(join(work, 'stamp.json'), target.stamp);
  say(`wrote ${relative(root, target.output)} (${mib(output.size)}: Node ${process.version} + ${mib(statSync(blob).size)} blob) in ${Date.now() - started} ms`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({
      options: { force: { type: 'boolean' }, entry: { type: 'string' }, output: { type: 'string' } },
    });
    await build(values);
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    process.stderr.write(`build: error: ${error.message}\n`);
    process.exitCode = 1;
  }
}
