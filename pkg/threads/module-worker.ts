/**
 * Runs one of fluxrig's own modules in a worker thread, the same way from the source tree and from the
 * single executable:
 *   - source tree: the module is TypeScript, so the thread starts tsx-bootstrap.mjs, which registers tsx
 *     (as bin/rig.mjs does for the CLI) and imports the module;
 *   - single executable: deploy/build.ts bundles each module listed in its WORKER_MODULES into a script of
 *     its own, carried as an asset; deploy/sea/plugin.ts rewrites `packagedScript` below so the thread
 *     runs that script, unpacked on first use, and is handed the build's manifest (packagedManifest) to
 *     find its own native addons.
 * The module reads what it was given with `moduleWorkerInput()`. Nothing here knows what a module does.
 */
import { fileURLToPath } from 'node:url';
import { Worker, workerData } from 'node:worker_threads';

/** What every module worker receives: its input, and in the single executable the build's manifest. */
interface ModuleWorkerData {
  input: unknown;
  packagedManifest?: unknown;
}

/**
 * In the single executable: the unpacked script of a bundled module, and the manifest it needs.
 * Replaced by deploy/sea/plugin.ts (the line must stay exactly as it is); undefined in the source tree.
 */
const packagedScript: ((modulePath: string) => { script: string; manifest: unknown }) | undefined = undefined;

/**
 * Starts `module` (a file URL of one of fluxrig's own modules, e.g. `new URL('./sink-worker.ts',
 * import.meta.url)`) in a worker thread named `name`, handing it `input` (structured-cloned).
 */
export function startModuleWorker(module: URL, input: unknown, name: string): Worker {
  const modulePath = fileURLToPath(module);
  if (packagedScript) {
    const { script, manifest } = packagedScript(modulePath);
    const data: ModuleWorkerData = { input, packagedManifest: manifest };
    return new Worker(script, { workerData: data, name });
  }
  const data: ModuleWorkerData & { module: string } = { input, module: module.href };
  return new Worker(new URL('./tsx-bootstrap.mjs', import.meta.url), { workerData: data, name });
}

/** Inside a module worker: the input it was started with. */
export function moduleWorkerInput<T>(): T {
  const data = workerData as ModuleWorkerData | null;
  if (data === null || typeof data !== 'object' || !('input' in data)) {
    throw new Error('moduleWorkerInput() called outside a thread started by startModuleWorker()');
  }
  return data.input as T;
}
