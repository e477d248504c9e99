// First script of a module worker started from the source tree (module-worker.ts): registers tsx for
// this thread, as bin/rig.mjs does for the main one, then imports the TypeScript module it was given.
// Not used by the single executable, whose workers run bundled scripts.
import { workerData } from 'node:worker_threads';
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
registerCjs();
await import(workerData.module);
