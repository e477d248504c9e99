/**
 * Workflow code bundled ahead of time. Temporal runs workflows from a webpack bundle; building it at
 * worker start needs the source tree and seconds of CPU, so fluxrig builds it once:
 *   - `node --import tsx pkg/orchestration/bundle.ts [outFile]` (the build step) writes
 *     dist/workflows.bundle.js, which the single binary ships and loads with no sources at run time;
 *   - in a source checkout, `ensureWorkflowBundle()` keeps a content-addressed copy under
 *     .cache/workflows/ (rebuilt only when a workflow source changes), so tests and `rig run` share it.
 * Writes go to a temp file renamed into place, so parallel test processes never read half a bundle.
 * This module must never be imported by workflow code.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { RigError } from '../errors/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const workflowsDir = join(here, 'workflows');
const workflowsEntry = join(workflowsDir, 'index.ts');
/** Converter of flow values to Temporal payloads (bytes-aware JSON), shared by bundle, worker and client. */
export const PAYLOAD_CONVERTER_PATH = join(here, 'payload-converter.ts');
/** The data converter option every fluxrig Temporal client and worker passes. */
export const dataConverter = { payloadConverterPath: PAYLOAD_CONVERTER_PATH } as const;
/** Pure modules the bundle includes besides the workflows folder: part of the cache key. */
const sharedSources = [join(here, 'plan.ts'), join(repoRoot, 'pkg', 'wire', 'envelope.ts'), PAYLOAD_CONVERTER_PATH];

export const DIST_WORKFLOW_BUNDLE = join(repoRoot, 'dist', 'workflows.bundle.js');
export const BUNDLE_ENV = 'FLUXRIG_WORKFLOW_BUNDLE';

export interface WorkflowBundleOptions {
  /** Use this bundle file as is (also settable with FLUXRIG_WORKFLOW_BUNDLE). */
  codePath?: string;
  /** Cache directory for source checkouts (default <repo>/.cache/workflows). */
  cacheDir?: string;
}

/** Path of a ready workflow bundle for `Worker.create({ workflowBundle: { codePath } })`. */
export async function ensureWorkflowBundle(options: WorkflowBundleOptions = {}): Promise<{ codePath: string }> {
  const explicit = options.codePath ?? process.env[BUNDLE_ENV];
  if (explicit !== undefined && explicit !== '') {
    if (!existsSync(explicit)) {
      throw new RigError('ORCH_BUNDLE_MISSING', `workflow bundle ${explicit} does not exist`, {
        where: options.codePath === undefined ? BUNDLE_ENV : 'codePath',
        hint: 'build it with `node --import tsx pkg/orchestration/bundle.ts <file>`',
      });
    }
    return { codePath: explicit };
  }
  if (!existsSync(workflowsEntry)) {
    // A packaged binary: no sources, only the bundle produced at build time.
    if (existsSync(DIST_WORKFLOW_BUNDLE)) return { codePath: DIST_WORKFLOW_BUNDLE };
    throw new RigError('ORCH_BUNDLE_MISSING', 'no workflow sources and no prebuilt workflow bundle', {
      where: DIST_WORKFLOW_BUNDLE,
      hint: `set ${BUNDLE_ENV} to the bundle shipped with rig`,
    });
  }
  const cacheDir = options.cacheDir ?? join(repoRoot, '.cache', 'workflows');
  const codePath = join(cacheDir, `workflows-${workflowSourceHash()}.js`);
  if (!existsSync(codePath)) await writeWorkflowBundle(codePath);
  return { codePath };
}

/** Bundle the workflow sources into `outFile` (atomic write). */
export async function writeWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsEntry,
    payloadConverterPath: PAYLOAD_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  mkdirSync(dirname(outFile), { recursive: true });
  const temp = `${outFile}.${process.pid}.tmp`;
  writeFileSync(temp, code);
  renameSync(temp, outFile);
}

/** sha256 over every workflow source and the @temporalio/workflow version, first 16 hex digits. */
export function workflowSourceHash(): string {
  const hash = createHash('sha256');
  const files = [...listTs(workflowsDir), ...sharedSources].sort();
  for (const file of files) {
    hash.update(file.slice(repoRoot.length));
    hash.update(readFileSync(file));
  }
  const workflowPkg = join(repoRoot, 'node_modules', '@temporalio', 'workflow', 'package.json');
  if (existsSync(workflowPkg)) hash.update(readFileSync(workflowPkg));
  return hash.digest('hex').slice(0, 16);
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outFile = resolve(process.argv[2] ?? DIST_WORKFLOW_BUNDLE);
  await writeWorkflowBundle(outFile);
  process.stdout.write(`workflow bundle written to ${outFile}\n`);
}
