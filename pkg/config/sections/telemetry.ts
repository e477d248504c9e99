/** [telemetry]: OpenTelemetry export, the DuckDB/Parquet store and its retention. */
import { z } from 'zod';
import { duration } from '../types.ts';

export const telemetrySection = z
  .object({
    enabled: z.boolean().default(true).meta({ description: 'Emit traces, metrics and logs. FLUXRIG_DISABLE_TELEMETRY=1 forces false.' }),
    otlp_endpoint: z
      .string()
      .default('')
      .refine((value) => value === '' || /^https?:\/\/\S+$/.test(value), { message: 'expected "" or an http(s):// URL' })
      .meta({ description: 'Also export over OTLP/HTTP to this collector URL; "" = no OTLP export.' }),
    trace_sample_ratio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .meta({
        description:
          'Share of new traces recorded (0..1; 1 = every authorisation/message). Decided once where a trace starts (a listener, a generator) ' +
          'and followed by every gear, rack and flow on its path, so a trace is whole or absent. Metrics stay exact; spans and the messages view ' +
          'then hold that share of the traffic. Lower it where a busy switch spends more on tracing than on switching (bench/switch).',
      }),
    retention_days: z.int().min(1).max(3650).default(7).meta({ description: 'Days of telemetry kept in DuckDB and Parquet.' }),
    parquet_roll_interval: duration('10m', 'How often the sink closes the current Parquet files (partitioned by signal and hour).'),
  })
  .prefault({})
  .meta({ description: 'Telemetry: OpenTelemetry in every process, stored in DuckDB + Parquet by the mixer.' });
