/**
 * A flow worker in its own process, so a test can kill -9 it mid-flow. Reads the Temporal address,
 * namespace and rack from the environment (product gears plus test gears), prints `ready` once polling, and runs until killed or until
 * SIGTERM (graceful shutdown).
 *   FLUXRIG_CHILD_TEMPORAL_ADDRESS=… FLUXRIG_CHILD_TEMPORAL_NAMESPACE=… FLUXRIG_CHILD_RACK=… node --import tsx worker-child.ts
 */
import { gearCatalogue } from '../../gears/catalogue.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import { testCatalogue } from './gears.ts';

const address = process.env.FLUXRIG_CHILD_TEMPORAL_ADDRESS;
const namespace = process.env.FLUXRIG_CHILD_TEMPORAL_NAMESPACE;
const rack = process.env.FLUXRIG_CHILD_RACK;
if (!address || !namespace || !rack) throw new Error('FLUXRIG_CHILD_TEMPORAL_ADDRESS, _NAMESPACE and FLUXRIG_CHILD_RACK are required');

const worker = await createFlowWorker({ settings: { address, namespace }, rack, catalogue: [...gearCatalogue, ...testCatalogue], shutdownGraceTime: '2s' });
const running = worker.run();
process.stdout.write('ready\n');
await running;
