/**
 * The mixer's API token: `mixer.api_token` when configured, else a random token generated once and
 * kept in `<data_dir>/mixer.token` (mode 0600) so the CLI on the same machine can read it and a
 * restart keeps it. Never logged.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TOKEN_FILE = 'mixer.token';

export async function mixerToken(configured: string, dataDirectory: string): Promise<string> {
  if (configured !== '') return configured;
  const file = join(dataDirectory, TOKEN_FILE);
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim() !== '') return existing.trim();
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
