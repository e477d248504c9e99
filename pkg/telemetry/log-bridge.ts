/**
 * Log lines into OpenTelemetry: each (already masked) pino JSON line becomes an OTel log record, so
 * `rig logs` and the `logs` view see what the process logged. Scenario, gear and rack bindings become
 * attributes; the message is the body. Lines that are not JSON are passed through as the body.
 */
import type { Logger as OtelLogger } from '@opentelemetry/api-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** Fields every line has that are not worth an attribute. */
const SKIPPED = new Set(['level', 'time', 'msg', 'pid']);

export function logLineForwarder(logger: OtelLogger): (line: string) => void {
  return (line) => {
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'info', body: line.trimEnd() });
      return;
    }
    const level = typeof entry.level === 'string' ? entry.level : 'info';
    const attributes: Record<string, string | number | boolean> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (SKIPPED.has(key) || value === null || value === undefined) continue;
      attributes[key === 'scenario' ? 'fluxrig.scenario' : key === 'gear' ? 'fluxrig.gear' : key === 'rack' ? 'fluxrig.rack' : key] =
        typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
    }
    logger.emit({
      severityNumber: SEVERITY[level] ?? SeverityNumber.INFO,
      severityText: level,
      body: typeof entry.msg === 'string' ? entry.msg : '',
      attributes,
      ...(typeof entry.time === 'string' ? { timestamp: new Date(entry.time) } : {}),
    });
  };
}
