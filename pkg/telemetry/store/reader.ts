/**
 * TelemetryReader: read-only SQL over the store, in its own process, whether or not a mixer runs.
 * It opens an in-memory DuckDB, ATTACHes `telemetry.duckdb` READ_ONLY as `store`, and defines the views
 * (`spans`, `logs`, `metrics`, `messages`) over `store.live_*` and the Parquet files.
 * When the running writer holds the file lock, it reads `snapshot.duckdb` instead, the consistent copy
 * the writer refreshes every few seconds (TelemetryWriter.publishSnapshot): results then lag by at most
 * that interval, and `warnings` says so. Without a snapshot it copies the file itself (rows not yet
 * checkpointed are missing); if even that fails it reads the Parquet files alone.
 * Only SELECT/EXPLAIN statements run: it must never write, to the store or anywhere else.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import { RigError } from '../../errors/index.ts';
import { SIGNALS } from '../records.ts';
import { sqlString, type TelemetryPaths, telemetryPaths } from './paths.ts';
import { createViewsSql } from './views.ts';

/** Where the live rows came from. */
export type ReaderSource = 'file' | 'snapshot' | 'parquet-only';

export interface QueryResult {
  columns: { name: string; type: string }[];
  /** Plain JS values: numbers (bigints that fit), strings, booleans, null, arrays, objects; timestamps as ISO strings. */
  rows: unknown[][];
}

const ALLOWED_STATEMENTS = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);
/** Statements that start with one of these (after `;` or the start) write or change state. */
const WRITE_KEYWORD =
  /(?:^|;)\s*(insert|update|delete|merge|create|drop|alter|copy|attach|detach|install|load|set|reset|pragma|export|import|vacuum|checkpoint|call|use|begin|commit|rollback|truncate)\b/i;

function readOnlyError(index: number, kind: string): RigError {
  return new RigError('QUERY_READ_ONLY', `only SELECT queries are allowed (statement ${index + 1} is ${kind})`, {
    exitCode: 2,
    hint: 'rig data query is read-only: the store is written by the mixer only',
  });
}

export class TelemetryReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly paths: TelemetryPaths,
    readonly source: ReaderSource,
    readonly warnings: string[],
    private readonly snapshotDir: string | undefined,
  ) {}

  static async open(dataDir: string): Promise<TelemetryReader> {
    const paths = telemetryPaths(dataDir);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const warnings: string[] = [];
    let source: ReaderSource = 'parquet-only';
    let snapshotDir: string | undefined;
    if (existsSync(paths.database)) {
      try {
        await connection.run(`ATTACH ${sqlString(paths.database)} AS store (READ_ONLY)`);
        source = 'file';
      } catch (directError) {
        if (!isLockError(directError)) throw openError(paths, directError);
        try {
          if (existsSync(paths.snapshot)) {
            await connection.run(`ATTACH ${sqlString(paths.snapshot)} AS store (READ_ONLY)`);
            warnings.push(`the mixer is writing the store: reading its latest snapshot (${snapshotAge(paths.snapshot)})`);
          } else {
            snapshotDir = mkdtempSync(join(tmpdir(), 'rig-telemetry-snapshot-'));
            await attachCopy(connection, paths.database, snapshotDir);
            warnings.push('the mixer is writing the store and has published no snapshot: rows since its last checkpoint are missing');
          }
          source = 'snapshot';
        } catch (snapshotError) {
          warnings.push(
            `the mixer holds ${paths.database} and a snapshot of it failed (${messageOf(snapshotError)}): showing rolled Parquet data only`,
          );
        }
      }
    }
    if (source !== 'parquet-only' && !(await hasLiveTables(connection))) {
      warnings.push(`${paths.database} holds no telemetry tables yet: showing rolled Parquet data only`);
      source = 'parquet-only';
    }
    for (const sql of createViewsSql({
      parquetRoot: paths.parquetRoot,
      liveSchema: 'store',
      parquetOnly: source === 'parquet-only',
    })) {
      await connection.run(sql);
    }
    return new TelemetryReader(instance, connection, paths, source, warnings, snapshotDir);
  }

  /** Run read-only SQL (one or more statements; the last one's result is returned). */
  async query(sql: string): Promise<QueryResult> {
    const extracted = await this.connection.extractStatements(sql).catch((error: unknown) => {
      throw new RigError('QUERY_INVALID', messageOf(error), { exitCode: 2 });
    });
    if (extracted.count === 0) throw new RigError('QUERY_EMPTY', 'no SQL statement given', { exitCode: 2 });
    let result: QueryResult = { columns: [], rows: [] };
    for (let index = 0; index < extracted.count; index++) {
      const prepared = await extracted.prepare(index).catch((error: unknown) => {
        // A write can fail to bind before its type is known (DELETE on a view): name it for what it is.
        const keyword = WRITE_KEYWORD.exec(sql)?.[1];
        if (keyword) throw readOnlyError(index, keyword.toUpperCase());
        throw new RigError('QUERY_INVALID', messageOf(error), { exitCode: 2, where: `statement ${index + 1}` });
      });
      if (!ALLOWED_STATEMENTS.has(prepared.statementType)) {
        throw readOnlyError(index, StatementType[prepared.statementType] ?? 'a write');
      }
      const reader = await prepared.runAndReadAll().catch((error: unknown) => {
        throw new RigError('QUERY_FAILED', messageOf(error), { exitCode: 2, where: `statement ${index + 1}` });
      });
      const names = reader.columnNames();
      const types = reader.columnTypes();
      result = {
        columns: names.map((name, i) => ({ name, type: String(types[i]) })),
        rows: reader.getRowsJS().map((row) => row.map(plainValue)),
      };
    }
    return result;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.snapshotDir) rmSync(this.snapshotDir, { recursive: true, force: true });
  }
}

async function hasLiveTables(connection: DuckDBConnection): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER FROM duckdb_tables() WHERE database_name = 'store' AND table_name LIKE 'live_%'`,
  );
  return Number(reader.getRowsJS()[0]?.[0]) === SIGNALS.length;
}

function snapshotAge(path: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - statSync(path).mtimeMs) / 1000));
  return `${seconds} s old`;
}

/**
 * Copy the database file alone and attach the copy: it holds every checkpointed row. The WAL is left
 * out: paired with a file copied at another instant it could replay twice. A copy torn by a concurrent
 * checkpoint fails to attach: try again a few times.
 */
async function attachCopy(connection: DuckDBConnection, database: string, dir: string): Promise<void> {
  const copy = join(dir, 'telemetry.duckdb');
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    rmSync(copy, { force: true });
    copyFileSync(database, copy);
    try {
      await connection.run(`ATTACH ${sqlString(copy)} AS store (READ_ONLY)`);
      return;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function isLockError(error: unknown): boolean {
  return /lock/i.test(messageOf(error));
}

function openError(paths: TelemetryPaths, cause: unknown): RigError {
  return new RigError('TELEMETRY_STORE_OPEN', `cannot read the telemetry store: ${messageOf(cause)}`, {
    where: paths.database,
    cause,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** DuckDB's JS values to what JSON and tables can show. */
function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : String(value);
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainValue(v);
    return out;
  }
  return value;
}
