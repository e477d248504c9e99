// Loaded into the rig process by bench/switch/profile.ts (NODE_OPTIONS --import; --cpu-prof is refused
// there): the first SIGUSR2 starts the CPU profiler of an in-process inspector session (with
// FLUXRIG_BENCH_PROFILE_KIND=heap: the sampling heap profiler, counting objects young collections have
// already freed too, i.e. every allocation, not what is still alive; with KIND=promoted: only what
// young collections did not free, i.e. what they copied into the old generation), the second writes
// the profile to $FLUXRIG_BENCH_PROFILE. Not used by anything else.
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Two young-generation collections now (V8 exposes `gc` to contexts made after --expose-gc is set). */
function collectYoungGeneration() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  gc({ type: 'minor' });
  gc({ type: 'minor' });
}

const out = process.env.FLUXRIG_BENCH_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  const kind = process.env.FLUXRIG_BENCH_PROFILE_KIND;
  const heap = kind === 'heap' || kind === 'promoted';
  let profiling = false;
  const start = () =>
    heap
      ? session.post('HeapProfiler.enable', () =>
          session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: kind === 'heap' }),
        )
      : session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true;
      start();
      return;
    }
    profiling = false;
    // The load is over: what the last young collections have not seen yet is garbage, not promoted.
    if (kind === 'promoted') collectYoungGeneration();
    session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (error, result) => {
      if (error) process.stderr.write(`profile not written: ${error.message}\n`);
      else {
        // Whole or not at all: the bench waits for the file to appear.
        writeFileSync(`${out}.partial`, JSON.stringify(result.profile));
        renameSync(`${out}.partial`, out);
      }
    });
  });
}
