// Redacts secrets from headers, extra data and URLs before anything is stored (pure).

export const REDACTED = '[redacted]';
/** Deeper than this, a value is replaced rather than walked: bounds stack and time on hostile input. */
export const MAX_DEPTH = 20;
export const TOO_DEEP = '[too deep]';

/** Names whose values are secrets, matched case-insensitively on word boundaries (see keyMatcher). */
export const DEFAULT_SCRUB_FIELDS = [
  'password',
  'passwd',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'cookie',
  'set-cookie',
  'session',
  'sessid',
  'csrf',
  'credit_card',
  'card_number',
  'ssn',
];

export type KeyMatcher = (key: string) => boolean;

/**
 * Sensitive names match on word boundaries, not as any substring (`session:duration` is a measure,
 * not a secret; `tokenizer` and `secretary` are not secrets):
 * - a key is cut into words at separators and camelCase humps (`X-Session-Token` -> x session token);
 * - a name matches where its words run in the key's words (`api_key` in `X-API-Key`, `user_ssn`);
 * - a name of four letters or more also matches glued into one word, with anything before it
 *   (`accesstoken`, `JSESSIONID`) and nothing or an identifier suffix after it (`sessionid`,
 *   `passwords`, `cookies`);
 * - `session` (a word that also names a visit) must be the key's last word or be followed by an
 *   identifier word: `session`, `session_id`, `user_session` are secrets, `session:duration` is not.
 */
export function keyMatcher(extraFields: readonly string[] = []): KeyMatcher {
  const terms = [...new Set([...DEFAULT_SCRUB_FIELDS, ...extraFields].map((n) => splitWords(n).join(' ')).filter(Boolean))].map((t) => t.split(' '));
  const joined = terms.map((t) => t.join(''));
  const decide = (key: string): boolean => {
    // Most keys contain no name even as a substring: they are settled without splitting words.
    const flat = key.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (!joined.some((j) => flat.includes(j))) return false;
    const words = splitWords(key);
    return terms.some((term, i) => flat.includes(joined[i]!) && matchesAt(words, term));
  };
  // The same few header and field names arrive in report after report: remember the verdicts.
  // Bounded (cleared when full, short keys only), so hostile keys cannot grow memory.
  const known = new Map<string, boolean>();
  return (key) => {
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const secret = decide(key);
    if (key.length <= MEMO_KEY_LENGTH) {
      if (known.size >= MEMO_SIZE) known.clear();
      known.set(key, secret);
    }
    return secret;
  };
}

const MEMO_SIZE = 10_000;
const MEMO_KEY_LENGTH = 100;

/** Words that, after a sensitive name, still name the secret itself (`session_id`, `api_key_hash`). */
const IDENTIFIER_WORDS = new Set(['id', 'ids', 'key', 'keys', 'token', 'tokens', 'hash', 'value', 'cookie']);
/** What may follow a name glued into one word: `sessionid`, `passwords`, `apikeys`. */
const GLUED_SUFFIX = /^(?:|s|id|ids|key|keys|token|tokens|hash)$/;
/** Names that also mean something harmless unless they end the key or an identifier follows. */
const QUALIFIED = new Set(['session']);

function matchesAt(words: readonly string[], term: readonly string[]): boolean {
  const joined = term.join('');
  const qualified = QUALIFIED.has(joined);
  for (let i = 0; i < words.length; i++) {
    // The name's words in a row: exactly, or glued into the one word at i.
    let end = -1;
    if (i + term.length <= words.length && term.every((t, j) => words[i + j] === t)) end = i + term.length;
    else if (joined.length > 3) {
      const at = words[i]!.indexOf(joined);
      if (at >= 0 && GLUED_SUFFIX.test(words[i]!.slice(at + joined.length))) {
        const suffix = words[i]!.slice(at + joined.length);
        if (!qualified || (suffix !== '' && suffix !== 's') || (suffix === '' && (i === words.length - 1 || IDENTIFIER_WORDS.has(words[i + 1]!)))) return true;
        continue;
      }
    }
    if (end < 0) continue;
    if (!qualified || end === words.length || IDENTIFIER_WORDS.has(words[end]!)) return true;
  }
  return false;
}

/**
 * `userSSN`, `user_ssn`, `user-ssn` -> ['user', 'ssn']; `XMLHttpToken` -> ['xml', 'http', 'token'].
 * One pass over the characters: a regular expression for the acronym rule backtracks
 * quadratically on a long run of capitals, and keys are untrusted.
 */
function splitWords(key: string): string[] {
  const lower = key.toLowerCase();
  const words: string[] = [];
  let start = -1;
  let prev = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const k = c >= 97 && c <= 122 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 48 && c <= 57 ? 3 : 0; // lower, upper, digit, other
    if (k === 0) {
      if (start >= 0) words.push(lower.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (k === 2) {
      const n = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      // aB -> a|B; 9B -> 9|B; XMLHttp -> XML|Http
      if (prev === 1 || prev === 3 || (prev === 2 && n >= 97 && n <= 122)) {
        words.push(lower.slice(start, i));
        start = i;
      }
    }
    prev = k;
  }
  if (start >= 0) words.push(lower.slice(start));
  return words;
}

/** A copy of `value` with secret-named keys redacted at any depth; the input is not modified. */
export function scrubValue(value: unknown, isSecret: KeyMatcher, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, isSecret, depth + 1));
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const scrubbed = isSecret(key) ? REDACTED : scrubValue(source[key], isSecret, depth + 1);
    // Assigning `__proto__` would set the copy's prototype: defined, it stays data like any key.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: scrubbed, enumerable: true, writable: true, configurable: true });
    else copy[key] = scrubbed;
  }
  return copy;
}

export function scrubObject(value: Record<string, unknown>, isSecret: KeyMatcher): Record<string, unknown> {
  return scrubValue(value, isSecret) as Record<string, unknown>;
}

/**
 * Redacts secret query parameters and a password in the userinfo, leaving the rest of the URL exactly
 * as written (no re-encoding), so it still reads as the client sent it.
 */
export function scrubUrl(url: string, isSecret: KeyMatcher): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const hash = hashAt === -1 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const base = redactUserinfoPassword(queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt));
  if (queryAt === -1) return base + hash;
  const query = beforeHash
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return isSecret(safeDecode(name)) ? `${name}=${REDACTED}` : pair;
    })
    .join('&');
  return `${base}?${query}${hash}`;
}

function redactUserinfoPassword(urlWithoutQuery: string): string {
  const schemeEnd = urlWithoutQuery.indexOf('://');
  if (schemeEnd === -1) return urlWithoutQuery;
  const authorityStart = schemeEnd + 3;
  const slash = urlWithoutQuery.indexOf('/', authorityStart);
  const authority = urlWithoutQuery.slice(authorityStart, slash === -1 ? undefined : slash);
  const at = authority.lastIndexOf('@');
  const colon = authority.indexOf(':');
  if (at === -1 || colon === -1 || colon > at) return urlWithoutQuery;
  const rest = slash === -1 ? '' : urlWithoutQuery.slice(slash);
  return `${urlWithoutQuery.slice(0, authorityStart)}${authority.slice(0, colon)}:${REDACTED}${authority.slice(at)}${rest}`;
}

function safeDecode(s: string): string {
  if (!s.includes('%') && !s.includes('+')) return s;
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
