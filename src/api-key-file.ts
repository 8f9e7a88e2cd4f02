// The operator key generated at first start when API_KEY is unset, kept in the data directory.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const API_KEY_FILE = 'api-key';

export interface StoredKey {
  key: string;
  path: string;
  /** True when this call generated the key (first start). */
  created: boolean;
}

export function loadOrCreateApiKey(dataDir: string): StoredKey {
  const path = join(dataDir, API_KEY_FILE);
  try {
    const key = readFileSync(path, 'utf8').trim();
    if (key.length >= 16) return { key, path, created: false };
    throw new Error(`${path} holds no usable key (fewer than 16 characters); delete it to generate a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('hex');
  // 'wx': never overwrite a key another process wrote meanwhile; 0600: readable by the service's user only.
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, path, created: true };
}
