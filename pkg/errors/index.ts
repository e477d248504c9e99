/**
 * RigError: the one error shape the product raises on purpose. It carries a stable machine code, a
 * human message, where it happened (file:line:col, field path, byte offset…) and what to do next.
 * The CLI prints `where: message` plus the hint and exits with `exitCode`. Never used for bugs.
 */
export interface RigErrorOptions {
  /** Where the problem is, e.g. `rig.toml:12:3 nats.url` or `DE 4 @ byte 37`. */
  where?: string;
  /** One sentence on how to fix it. */
  hint?: string;
  /** Process exit code the CLI uses (2 = bad input/config, 1 = runtime failure). */
  exitCode?: number;
  cause?: unknown;
  /** Structured details for --json output and tests. */
  details?: Record<string, unknown>;
}

export class RigError extends Error {
  readonly code: string;
  readonly where: string | undefined;
  readonly hint: string | undefined;
  readonly exitCode: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: RigErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RigError';
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details;
  }

  /** `where: message (hint)` — the line a person reads. */
  describe(): string {
    const head = this.where ? `${this.where}: ${this.message}` : this.message;
    return this.hint ? `${head}\n  hint: ${this.hint}` : head;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, where: this.where, hint: this.hint, ...this.details };
  }
}

export function isRigError(value: unknown): value is RigError {
  return value instanceof RigError;
}
