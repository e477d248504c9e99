/**
 * The value every `import.meta.url` in the bundled code reads in the single executable (deploy/build.ts
 * defines `import.meta.url` as `__rigImportMetaUrl` and injects this module). A CommonJS bundle has no
 * import.meta, and the sources use it to find files relative to the repository root
 * (`../../configs/specs/`, `../../dist/workflows.bundle.js`, …). Every bundled module therefore sees
 * itself at `<unpack dir>/pkg/packaged/bundle.js`, two levels below the unpack directory, which holds the
 * unpacked copies of those files in the same layout as the repository.
 * Must stay free of side effects beyond computing that one path.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unpackDir } from './runtime.ts';

export const __rigImportMetaUrl = pathToFileURL(join(unpackDir(), 'pkg', 'packaged', 'bundle.js')).href;
