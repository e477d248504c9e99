#!/usr/bin/env node
// Development entry for `rig`: runs the TypeScript sources through tsx so `npx rig …` works from a
// fresh clone without a build step. `make build` produces the bundled binary that needs no sources.
import { register as registerCjs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

register();
// Temporal loads the payload converter (a .ts source here) with require(): CommonJS needs tsx too.
registerCjs();
const { main } = await import('../cmd/rig/main.ts');
process.exitCode = await main(process.argv);
