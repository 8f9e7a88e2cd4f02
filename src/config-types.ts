// The kinds of value the environment's variables take (lists, URLs, booleans, bounded integers), for the one schema in config.ts.
import { z } from 'zod';

export const optionalText = z.string().trim().optional();

export const int = (def: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((n) => n ?? def);

/** Loose on purpose: internal hosts such as ops@localhost are real recipients. `Name <addr>` is allowed too. */
export const MAILBOX = /^(?:[^<>\r\n]*<[^\s@<>,]+@[^\s@<>,]+>|[^\s@<>,]+@[^\s@<>,]+)$/;

export const emailList = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const list = (s ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    for (const addr of list) {
      if (!MAILBOX.test(addr)) ctx.addIssue({ code: 'custom', message: `'${addr}' is not an email address` });
    }
    return list;
  });

export const nameList = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  );

/**
 * The one reading of a boolean variable: true/false, yes/no, on/off, 1/0, in any case; anything
 * else is undefined (an error for the variable).
 */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on' || v === '1') return true;
  if (v === 'false' || v === 'no' || v === 'off' || v === '0') return false;
  return undefined;
}

/**
 * TRUST_PROXY: off by default, so X-Forwarded-For cannot be forged to dodge the rate limit.
 * A boolean word (true trusts every hop), a number trusts that many hops (0: none), anything else
 * is a list of proxy IPs/CIDRs.
 */
export const trustProxy = z
  .string()
  .trim()
  .optional()
  .transform((s): boolean | number | string[] => {
    const v = (s ?? '').toLowerCase();
    if (v === '') return false;
    if (/^\d+$/.test(v)) return v === '0' ? false : Number(v);
    const word = parseBoolean(v);
    if (word !== undefined) return word;
    return v.split(',').map((p) => p.trim()).filter(Boolean);
  });

/** A boolean variable (parseBoolean's words) with its default. */
export const bool = (def: boolean) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return def;
      const b = parseBoolean(s);
      if (b === undefined) ctx.addIssue({ code: 'custom', message: 'must be true or false (also yes/no, on/off, 1/0)' });
      return b ?? def;
    });

/** An http(s) base URL, without the trailing slash. */
export const baseUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' })
  .transform((u) => u.replace(/\/+$/, ''))
  .optional();

/** PUBLIC_URL: the base URL clients reach the service at, for DSNs; http(s), no query or fragment. */
export const publicUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL such as https://errors.example.com' })
  .refine((u) => !/[?#]/.test(u), 'must not carry a query string or fragment')
  .transform((u) => u.replace(/\/+$/, ''))
  .optional();

/** CORS_ORIGINS: `*` (any, the default) or a comma-separated list of origins such as https://shop.example.com. */
export const corsOrigins = z
  .string()
  .optional()
  .transform((s, ctx): '*' | string[] => {
    const list = (s ?? '*').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
    if (list.length === 0 || list.includes('*')) return '*';
    for (const o of list) {
      if (!/^https?:\/\/[^/?#\s]+$/i.test(o)) ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin (scheme://host[:port])` });
    }
    return list.map((o) => o.toLowerCase());
  });

export const WEBHOOK_KINDS = ['slack', 'discord', 'teams', 'ntfy', 'mattermost', 'webhook'] as const;

/** ALERT_WEBHOOKS: comma-separated `kind=url` pairs, e.g. `slack=https://hooks.slack.com/services/...,ntfy=https://ntfy.sh/topic`. */
export const alertWebhooks = z
  .string()
  .optional()
  .transform((s, ctx) => {
    const list: Array<{ kind: (typeof WEBHOOK_KINDS)[number]; url: string }> = [];
    for (const pair of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
      const eq = pair.indexOf('=');
      const kind = pair.slice(0, Math.max(eq, 0)).trim().toLowerCase();
      const url = pair.slice(eq + 1).trim();
      // The message names the kind and position only: the URL is a secret.
      if (eq < 1 || !(WEBHOOK_KINDS as readonly string[]).includes(kind)) {
        ctx.addIssue({ code: 'custom', message: `entry ${list.length + 1} must be kind=url with kind one of ${WEBHOOK_KINDS.join(', ')}` });
      } else if (!/^https?:\/\/[^\s/?#]+/i.test(url) || !URL.canParse(url)) {
        ctx.addIssue({ code: 'custom', message: `entry ${list.length + 1} (${kind}): the URL must be http:// or https://` });
      } else {
        list.push({ kind: kind as (typeof WEBHOOK_KINDS)[number], url });
      }
    }
    return list;
  });

/**
 * MCP_ALLOWED_ORIGINS: browser origins allowed to call /mcp (comma-separated scheme://host[:port]).
 * Empty by default: agents are not browsers and send no Origin; a page that does is refused
 * (the protocol's guard against DNS rebinding). No `*`: that would switch the guard off.
 */
export const mcpOrigins = z
  .string()
  .optional()
  .transform((s, ctx): string[] => {
    const list = (s ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);
    for (const o of list) {
      if (!/^https?:\/\/[^/?#\s*]+$/i.test(o)) ctx.addIssue({ code: 'custom', message: `'${o}' is not an origin (scheme://host[:port]; no *)` });
    }
    return list.map((o) => o.toLowerCase());
  });
