/**
 * `import.meta.url` for bundled dependency code in the single executable (deploy/build.ts defines
 * `import.meta.url` as `__rigImportMetaUrl` and injects this module). A CommonJS bundle has no
 * import.meta; the project's own sources get their own path instead (deploy/sea/plugin.ts rewrites their
 * `import.meta.url` to `sourceUrl(<their path>)`), so this value only serves dependencies, which see
 * themselves under `<unpack dir>/node_modules/`. Must stay free of side effects beyond computing it.
 */
import { sourceUrl } from './runtime.ts';

export const __rigImportMetaUrl = sourceUrl('node_modules/bundled.js');
