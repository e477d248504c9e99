/**
 * esbuild plugin for the single-executable build (deploy/build.ts): rewrites the few dependency modules
 * that load files from disk next to themselves, so the bundle loads them from the executable's assets
 * instead (deploy/sea/runtime.ts):
 *   - the project's own sources: `import.meta.url` → their path under the unpack directory, which
 *     mirrors the repository layout for the files they read (configs/, dist/workflows.bundle.js), and
 *     their "run as a script" blocks are dropped (see RUN_AS_SCRIPT_GUARD);
 *   - @duckdb/node-bindings → the DuckDB addon, loaded lazily on first use; its data exports (enums,
 *     sizeof_bool), which node-api reads while being imported (pkg/telemetry imports the bindings only when a writer opens), are copied at build time
 *     from the same addon, so importing them does not load it;
 *   - @temporalio/core-bridge → the Temporal core addon, loaded lazily on first use;
 *   - cbor-extract → the optional cbor-x accelerator (cbor-x falls back to plain JS if it cannot load);
 *   - @temporalio/worker's workflow bundler (webpack + swc, resolves files at load) → a stand-in that
 *     says bundling is not available: the binary runs the workflow bundle built ahead of time;
 *   - @temporalio/worker's threaded VM → starts its worker thread from the unpacked script (with the
 *     core bridge unpacked where that script's own bundled copy of core-bridge looks for it);
 *   - source-map's wasm loader (Temporal maps workflow stack traces) → the unpacked mappings.wasm;
 *   - pkg/threads/module-worker.ts → starts own modules in worker threads from their bundled scripts
 *     (deploy/build.ts WORKER_MODULES) instead of through tsx;
 *   - @temporalio/common's data-converter loader, which `require`s a converter by file path → the
 *     bundled copy of that module (see `pathLoadedModules`).
 * Every text rewrite checks that its pattern occurs exactly once, so a dependency upgrade that changes
 * the code fails the build loudly instead of shipping a binary that breaks at run time.
 */
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'esbuild';

export interface NativeAssetKeys {
  /** DuckDB addon, the shared libraries beside it, and its data exports as read by the build. */
  duckdb: { addon: string; companions: string[]; knownConstants: Record<string, unknown> };
  /** Temporal core bridge, at `temporal/releases/<target>/index.node` (beside the worker-thread script). */
  temporalBridge: string;
  /** Absent when cbor-extract is not installed for this platform: cbor-x then runs in plain JS. */
  cborExtract?: string;
  temporalWorkerThread: string;
  /** source-map's mappings.wasm, at temporal/mappings.wasm (beside the worker-thread script). */
  sourceMapWasm: string;
}

export interface PackagedPluginOptions {
  /** Repository root: its own .ts sources get a per-file `import.meta.url` (see runtime.ts `sourceUrl`). */
  sourceRoot: string;
  /** Absolute path of deploy/sea/runtime.ts. */
  runtimePath: string;
  /** Absolute path of deploy/sea/stubs/temporal-bundler.cjs. */
  temporalBundlerStub: string;
  /**
   * Own sources that dependencies load by file path at run time (Temporal's `payloadConverterPath`),
   * repository-relative. They are bundled, and `require(<their unpack path>)` returns the bundled module.
   */
  pathLoadedModules: readonly string[];
  keys: NativeAssetKeys;
}

/**
 * A module's "run as a script" block (`if (process.argv[1] … import.meta.url …) {` at the top level, as
 * in pkg/orchestration/bundle.ts). In the binary no source module is the main script, so the block is
 * dead; turning its condition into `false` lets esbuild drop it, top-level await and all (a CommonJS
 * bundle cannot hold top-level await).
 */
export const RUN_AS_SCRIPT_GUARD = /^if \((?=[^\n]*process\.argv\[1\])(?=[^\n]*import\.meta\.url)[^\n]*\) \{$/gm;

export function packagedRuntimePlugin(options: PackagedPluginOptions): Plugin {
  const runtime = `require(${JSON.stringify(options.runtimePath)})`;
  const { keys } = options;
  return {
    name: 'fluxrig-packaged-runtime',
    setup(build) {
      // The project's sources, not its dependencies and not this packaging code (deploy/).
      const ownSource = (path: string) => {
        if (!path.startsWith(options.sourceRoot + sep)) return false;
        const inside = path.slice(options.sourceRoot.length + 1);
        return !inside.startsWith(`deploy${sep}`) && !inside.includes(`node_modules${sep}`);
      };
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!ownSource(args.path)) return undefined;
        const text = await readFile(args.path, 'utf8');
        const relativePath = relative(options.sourceRoot, args.path).split(sep).join('/');
        const rewritten = relativePath === MODULE_WORKER_SOURCE ? packagedModuleWorker(text, runtime, args.path) : text;
        if (rewritten === text && !text.includes('import.meta.url')) return undefined;
        const contents = rewritten
          .replace(RUN_AS_SCRIPT_GUARD, 'if (false /* packaged: the entry is deploy/sea/entry.ts */) {')
          .replaceAll('import.meta.url', `${runtime}.sourceUrl(${JSON.stringify(relativePath)})`);
        return { loader: 'ts', contents };
      });

      build.onLoad({ filter: /[\\/]@duckdb[\\/]node-bindings[\\/]duckdb\.js$/ }, () => ({
        loader: 'js',
        contents:
          `module.exports = ${runtime}.lazyObject(() => ${runtime}.loadNative(` +
          `${JSON.stringify(keys.duckdb.addon)}, ${JSON.stringify(keys.duckdb.companions)}), ` +
          `${JSON.stringify(keys.duckdb.knownConstants)});\n`,
      }));

      build.onLoad({ filter: /[\\/]@temporalio[\\/]core-bridge[\\/]index\.js$/ }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        text = replaceOnce(
          text,
          'const nativeLibPath = getPrebuiltPath();\n  const native = Object.fromEntries(Object.entries(require(nativeLibPath))',
          `const native = ${runtime}.lazyObject(() => Object.fromEntries(Object.entries(${runtime}.loadNative(${JSON.stringify(keys.temporalBridge)}))`,
          args.path,
        );
        text = replaceOnce(text, '[name, wrapper(fn)]));', '[name, wrapper(fn)])));', args.path);
        return { loader: 'js', contents: text };
      });

      build.onResolve({ filter: /^cbor-extract$/ }, () => ({ path: 'cbor-extract', namespace: 'fluxrig-native' }));
      build.onLoad({ filter: /^cbor-extract$/, namespace: 'fluxrig-native' }, () => ({
        loader: 'js',
        resolveDir: process.cwd(),
        contents:
          keys.cborExtract === undefined
            ? `throw new Error('cbor-extract is not part of this build');\n`
            : `module.exports = ${runtime}.loadNative(${JSON.stringify(keys.cborExtract)});\n`,
      }));

      build.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]bundler\.js$/ }, async () => ({
        loader: 'js',
        contents: await readFile(options.temporalBundlerStub, 'utf8'),
      }));

      build.onLoad({ filter: /[\\/]source-map[\\/]lib[\\/]read-wasm\.js$/ }, async (args) => {
        const text = replaceOnce(
          await readFile(args.path, 'utf8'),
          'path.join(__dirname, "mappings.wasm")',
          `${runtime}.ensureAsset(${JSON.stringify(keys.sourceMapWasm)})`,
          args.path,
        );
        return { loader: 'js', contents: text };
      });

      build.onResolve({ filter: /^fluxrig:path-loaded-modules$/ }, () => ({ path: 'path-loaded-modules', namespace: 'fluxrig-native' }));
      build.onLoad({ filter: /^path-loaded-modules$/, namespace: 'fluxrig-native' }, () => {
        const table = options.pathLoadedModules
          .map((file) => `  ${JSON.stringify(file)}: () => require(${JSON.stringify(join(options.sourceRoot, file))}),`)
          .join('\n');
        return {
          loader: 'js',
          resolveDir: options.sourceRoot,
          contents: `const table = {\n${table}\n};\nmodule.exports = (path) => ${runtime}.requireBundled(path, table);\n`,
        };
      });
      build.onLoad({ filter: /[\\/]@temporalio[\\/]common[\\/]lib[\\/]internal-non-workflow[\\/]data-converter-helpers\.js$/ }, async (args) => {
        const text = replaceOnce(
          await readFile(args.path, 'utf8'),
          'module = require(path);',
          "module = require('fluxrig:path-loaded-modules')(path);",
          args.path,
        );
        return { loader: 'js', contents: text };
      });

      build.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]threaded-vm\.js$/ }, async (args) => {
        const text = replaceOnce(
          await readFile(args.path, 'utf8'),
          "require.resolve('./workflow-worker-thread')",
          `${runtime}.sideFile(${JSON.stringify(keys.temporalWorkerThread)}, ${JSON.stringify([keys.temporalBridge, keys.sourceMapWasm])})`,
          args.path,
        );
        return { loader: 'js', contents: text };
      });
    },
  };
}

/** pkg/threads/module-worker.ts: starts own modules in worker threads (from their bundled scripts here). */
const MODULE_WORKER_SOURCE = 'pkg/threads/module-worker.ts';

/**
 * module-worker.ts as packaged: its `packagedScript` hook answers with the unpacked script of the
 * bundled module (deploy/build.ts WORKER_MODULES) and this build's manifest (runtime.ts `workerScript`).
 */
function packagedModuleWorker(text: string, runtime: string, file: string): string {
  return replaceOnce(
    text,
    'const packagedScript: ((modulePath: string) => { script: string; manifest: unknown }) | undefined = undefined;',
    `const packagedScript = (modulePath: string) => ${runtime}.workerScript(modulePath);`,
    file,
  );
}

/** `text` with the single occurrence of `pattern` replaced; throws when it occurs zero or several times. */
export function replaceOnce(text: string, pattern: string, replacement: string, file: string): string {
  const first = text.indexOf(pattern);
  if (first < 0 || text.indexOf(pattern, first + 1) >= 0) {
    throw new Error(
      `${file}: expected exactly one occurrence of ${JSON.stringify(pattern.slice(0, 80))}; ` +
        'the dependency changed, update deploy/sea/plugin.ts',
    );
  }
  return text.slice(0, first) + replacement + text.slice(first + pattern.length);
}
