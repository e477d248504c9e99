import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { generateTraffic } from '../../test/telemetry/generate.ts';
const spans = generateTraffic({ authorisations: 25000, startUs: Date.now()*1000, spreadUs: 60e6 }).spans;
for (const [label, opts, useBatch] of [['ckpt+batch', {}, true], ['nockpt+batch', {checkpointEachFlush:false}, true], ['nockpt+plain', {checkpointEachFlush:false}, false], ['ckpt+plain', {}, false]] as const) {
  const w = await TelemetryWriter.open({ dataDir: mkdtempSync(join(tmpdir(),'p-')), ...opts });
  const t0 = performance.now();
  for (let i=0;i<spans.length;i+=500){ const recs = spans.slice(i,i+500); if (useBatch) w.appendBatch({signal:'spans',producer:'p',seq:i,records:recs}); else w.append('spans', recs); if ((i/500)%40===39) await w.flush(); }
  await w.flush(); const ms = performance.now()-t0; console.log(label, Math.round(spans.length/(ms/1000)));
  await w.close();
}
