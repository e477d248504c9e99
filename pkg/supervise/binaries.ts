/**
 * Finds the engine executables: the project's install dir first ($FLUXRIG_ENGINES_DIR/bin, else
 * .cache/engines/bin in the repository), then PATH. It never installs anything: a missing engine is a
 * RigError telling the person to run `make engines` (deploy/engines/install).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RigError } from '../errors/index.ts';

export type EngineBinary = 'nats-server' | 'temporal';

const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

/** Directory deploy/engines/install fills. */
export function enginesBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.FLUXRIG_ENGINES_DIR;
  return dir ? join(dir, 'bin') : join(repositoryRoot, '.cache', 'engines', 'bin');
}

/** Absolute path of the engine executable, or a RigError ENGINE_MISSING saying how to install it. */
export function resolveEngineBinary(name: EngineBinary, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [enginesBinDir(env), ...(env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of candidates) {
    const path = join(dir, name);
    if (isExecutableFile(path)) return path;
  }
  throw new RigError('ENGINE_MISSING', `${name} is not installed`, {
    where: enginesBinDir(env),
    hint: 'run `make engines` (deploy/engines/install) to install nats-server and the Temporal CLI',
    details: { searched: candidates },
  });
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    // Not there or not executable: the caller tries the next directory.
    return false;
  }
}
