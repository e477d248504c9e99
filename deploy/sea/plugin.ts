/**
 * esbuild plugin for the single-executable build (deploy/build.ts): rewrites the few dependency modules
 * that load files from disk next to themselves, so the bundle loads them from the executable's assets
 * instead (deploy/sea/runtime.ts):
 *   - the project's own sources: `import.meta.url` → their path under the unpack directory, which
 *     mirrors the repository layout for the files they read (configs/, dist/workflows.bundle.js);
 *   - @duckdb/node-bindings → the DuckDB addon, loaded lazily on first use; its data exports (enums,
 *     sizeof_bool), which node-api and pkg/telemetry read while being imported, are copied at build time
 *     from the same addon, so importing them does not load it;
 *   - @temporalio/core-bridge → the Temporal core addon, loaded lazily on first use;
 *   - cbor-extract → the optional cbor-x accelerator (cbor-x falls back to plain JS if it cannot load);
 *   - @temporalio/worker's workflow bundler (webpack + swc, resolves files at load) → a stand-in that
 *     says bundling is not available: the binary runs the workflow bundle built ahead of time;
 *   - @temporalio/worker's threaded VM → starts its worker thread from the unpacked script.
 * Every text rewrite checks that its pattern occurs exactly once, so a dependency upgrade that changes
 * the code fails the build loudly instead of shipping a binary that breaks at run time.
 */
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import type { Plugin } from 'esbuild';

export interface NativeAssetKeys {
  /** DuckDB addon, the shared libraries beside it, and its data exports as read by the build. */
  duckdb: { addon: string; companions: string[]; knownConstants: Record<string, unknown> };
  temporalBridge: string;
  /** Absent when cbor-extract is not installed for this platform: cbor-x then runs in plain JS. */
  cborExtract?: string;
  temporalWorkerThread: string;
}

export interface PackagedPluginOptions {
  /** Repository root: its own .ts sources get a per-file `import.meta.url` (see runtime.ts `sourceUrl`). */
  sourceRoot: string;
  /** Absolute path of deploy/sea/runtime.ts. */
  runtimePath: string;
  /** Absolute path of deploy/sea/stubs/temporal-bundler.cjs. */
  temporalBundlerStub: string;
  keys: NativeAssetKeys;
}

export function packagedRuntimePlugin(options: PackagedPluginOptions): Plugin {
  const runtime = `require(${JSON.stringify(options.runtimePath)})`;
  const { keys } = options;
  return {
    name: 'fluxrig-packaged-runtime',
    setup(build) {
      const ownSource = (path: string) =>
        path.startsWith(options.sourceRoot + sep) && !path.slice(options.sourceRoot.length).includes(`${sep}node_modules${sep}`);
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!ownSource(args.path)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const relativePath = relative(options.sourceRoot, args.path).split(sep).join('/');
        return { loader: 'ts', contents: text.replaceAll('import.meta.url', `${runtime}.sourceUrl(${JSON.stringify(relativePath)})`) };
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

      build.onLoad({ filter: /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]threaded-vm\.js$/ }, async (args) => {
        const text = replaceOnce(
          await readFile(args.path, 'utf8'),
          "require.resolve('./workflow-worker-thread')",
          `${runtime}.sideFile(${JSON.stringify(keys.temporalWorkerThread)})`,
          args.path,
        );
        return { loader: 'js', contents: text };
      });
    },
  };
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
