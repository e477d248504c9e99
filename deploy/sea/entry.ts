/**
 * Entry point of the single-file `rig` (deploy/build.ts bundles this module with the whole CLI into a
 * Node single executable application). It unpacks the resources the CLI reads from disk (ISO 8583 specs,
 * the Temporal workflow bundle) when they are missing, then runs the same `main` as bin/rig.mjs.
 * `FLUXRIG_UNPACK=all` unpacks native addons too before running, for images and read-only installs
 * that prepare the unpack directory ahead of time.
 * It must stay a thin wrapper: everything a command does lives in cmd/ and pkg/.
 */
import { main } from '../../cmd/rig/main.ts';
import { UNPACK_DIR_ENV, unpackAllAssets, unpackDir, unpackEagerAssets } from './runtime.ts';

function prepareUnpackDir(): void {
  try {
    if (process.env.FLUXRIG_UNPACK === 'all') unpackAllAssets();
    else unpackEagerAssets();
  } catch (error) {
    // Commands that read no resource (help, --version, check …) still work; say what else will not.
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `rig: warning: cannot unpack bundled resources to ${unpackDir()}: ${reason}\n` +
        `rig: warning: ISO 8583 builtin specs, DuckDB and durable flows need them; set ${UNPACK_DIR_ENV} to a writable directory\n`,
    );
  }
}

prepareUnpackDir();
// No top-level await: a single executable's main script is CommonJS.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
