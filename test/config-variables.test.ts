// .env.example and the config schema in step (each variable once, none unknown, none missing); one boolean
// reading (true/false, yes/no, on/off, 1/0) for every boolean variable.
import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARIABLES, loadConfig, parseBoolean } from '../src/config.js';

const EXAMPLE = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');

/** `NAME=value` lines as process.loadEnvFile reads them (comments and blank lines skipped), in order. */
function assignments(text: string): Array<{ name: string; value: string; line: number }> {
  return text.split('\n').flatMap((raw, i) => {
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) return [];
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(l);
    if (!m) throw new Error(`.env.example line ${i + 1} is not NAME=value: ${raw}`);
    return [{ name: m[1]!, value: m[2]!.trim(), line: i + 1 }];
  });
}

describe('.env.example', () => {
  const vars = assignments(EXAMPLE);

  it('sets no variable twice (a later empty one would silently undo an earlier value)', () => {
    const seen = new Map<string, number>();
    const twice: string[] = [];
    for (const v of vars) {
      if (seen.has(v.name)) twice.push(`${v.name} (lines ${seen.get(v.name)} and ${v.line})`);
      seen.set(v.name, v.line);
    }
    expect(twice).toEqual([]);
  });

  it('names only variables the config schema reads, and every one of them', () => {
    const names = new Set(vars.map((v) => v.name));
    expect([...names].filter((n) => !ENV_VARIABLES.includes(n)), 'in .env.example, unknown to src/config.ts').toEqual([]);
    expect(ENV_VARIABLES.filter((n) => !names.has(n)), 'read by src/config.ts, missing from .env.example').toEqual([]);
  });

  it('as shipped, is a valid configuration (as Node reads the file)', () => {
    expect(() => loadConfig(Object.fromEntries(vars.map((v) => [v.name, v.value])))).not.toThrow();
    // Node's own parser, as server.ts loads .env: the same names, each once.
    expect(Object.keys(parseEnv(EXAMPLE)).sort()).toEqual([...new Set(vars.map((v) => v.name))].sort());
  });
});

const BASE = { API_KEY: 'k'.repeat(20) };

function configWith(name: string, value: string): unknown {
  try {
    return loadConfig({ ...BASE, [name]: value });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
}

/** Paths (a.b.c) where two configurations differ, with both values. */
function differences(a: unknown, b: unknown, path = ''): Array<[string, unknown, unknown]> {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [[path, a, b]];
}

/**
 * The boolean variables, found rather than listed: those whose `true` and `false` both load and
 * differ only in boolean settings. A boolean added later is covered without touching this test.
 * TRUST_PROXY reads boolean words too, but a number there is a hop count (README), not a boolean.
 */
const BOOLEANS = ENV_VARIABLES.filter((name) => {
  if (name === 'TRUST_PROXY') return false;
  const t = configWith(name, 'true');
  const f = configWith(name, 'false');
  if (t instanceof ConfigError || f instanceof ConfigError) return false;
  const diff = differences(t, f);
  return diff.length > 0 && diff.every(([, a, b]) => typeof a === 'boolean' && typeof b === 'boolean');
});

describe('boolean variables', () => {
  it('are found: SELF_REPORT and SMTP_TLS_REJECT_UNAUTHORIZED at least', () => {
    expect(BOOLEANS).toEqual(expect.arrayContaining(['SELF_REPORT', 'SMTP_TLS_REJECT_UNAUTHORIZED']));
  });

  it.each(BOOLEANS)('%s reads yes/no, on/off, 1/0, true/false in any case, and refuses anything else by name', (name) => {
    const yes = configWith(name, 'true');
    const no = configWith(name, 'false');
    for (const word of ['yes', 'on', '1', 'TRUE', 'Yes', ' on ']) expect(configWith(name, word), word).toEqual(yes);
    for (const word of ['no', 'off', '0', 'FALSE', 'No', ' off ']) expect(configWith(name, word), word).toEqual(no);
    for (const word of ['maybe', 'y', 'enabled', '2']) {
      const err = configWith(name, word);
      expect(err, word).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([`${name}: must be true or false (also yes/no, on/off, 1/0)`]);
    }
  });

  it('parseBoolean is the one reading, and TRUST_PROXY uses its words', () => {
    expect(['true', 'yes', 'on', '1', 'ON'].map(parseBoolean)).toEqual([true, true, true, true, true]);
    expect(['false', 'no', 'off', '0', 'Off'].map(parseBoolean)).toEqual([false, false, false, false, false]);
    expect(['', 'maybe', '01'].map(parseBoolean)).toEqual([undefined, undefined, undefined]);
    for (const [word, trusted] of [['yes', true], ['on', true], ['no', false], ['off', false], ['0', false], ['2', 2]] as const) {
      expect(loadConfig({ ...BASE, TRUST_PROXY: word }).trustProxy, word).toBe(trusted);
    }
  });
});
