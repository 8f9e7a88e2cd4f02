// /api/projects/:name/alerts: a project's channels and rules (secrets redacted in every reply), and a test sent to each channel.
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { deliver, redactUrl } from '../alerts/channels/deliver.js';
import { formatNotification, globalChannels, testNotification, WEBHOOK_KINDS } from '../alerts/channels/index.js';
import { ChannelInputError, type AlertRuleSettings, type ChannelConfig, type DeliveryResult, type LastDelivery, type ProjectAlertSettings, type ProjectAlertStore } from '../alerts/channels/types.js';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import type { Store } from '../store/types.js';
import { parseOrThrow } from '../validation.js';

export interface ProjectAlertRoutesDeps {
  store: Pick<Store, 'getProject'>;
  alertStore: ProjectAlertStore;
  config: Readonly<Config>;
  now: () => Date;
  /** The outbox's record of each channel's last delivery (tests sent here are recorded through it too); absent, nothing is recorded. */
  recordDelivery?: ((channelId: string, result: DeliveryResult) => void | Promise<void>) | undefined;
  /** Each channel's last delivery by channel id; absent, `last_delivery` is null. */
  lastDeliveries?: (() => Promise<Map<string, LastDelivery>>) | undefined;
}

const paramsSchema = z.object({ name: z.string().min(1).max(100) });
const httpUrl = z
  .string()
  .max(2048)
  .refine((u) => /^https?:\/\/[^\s/?#]+/i.test(u) && URL.canParse(u) && !/\s/.test(u), 'must be an http:// or https:// URL');
const count = (max: number) => z.number().int('must be a whole number').min(1).max(max);
const rulesSchema = z.strictObject({
  new_group: z.boolean().optional(),
  regression: z.boolean().optional(),
  spike: z
    .strictObject({ events: count(1_000_000), minutes: count(1440), times_usual: z.number().gt(1, 'must be more than 1').max(1000).nullable().optional() })
    .nullable()
    .optional(),
  impact: z.strictObject({ users: count(1_000_000) }).nullable().optional(),
  cooldown_minutes: z.number().int('must be a whole number').min(0).max(7 * 1440).nullable().optional(),
});
const channelSchema = z.strictObject({
  id: z.string().min(1).max(200).optional(),
  kind: z.enum(WEBHOOK_KINDS),
  url: httpUrl.optional(),
  /** ntfy: its access token; webhook: its own HMAC secret. */
  token: z.string().min(1).max(500).nullable().optional(),
});
const putSchema = z.strictObject({ rules: rulesSchema.optional(), channels: z.array(channelSchema).max(20, 'at most 20 channels').optional() });

function rulesFromApi(r: z.output<typeof rulesSchema>): AlertRuleSettings {
  return {
    newGroup: r.new_group ?? true,
    regression: r.regression ?? true,
    spike: r.spike ? { events: r.spike.events, minutes: r.spike.minutes, timesUsual: r.spike.times_usual ?? null } : null,
    impact: r.impact ? { users: r.impact.users } : null,
    cooldownMinutes: r.cooldown_minutes ?? null,
  };
}

function rulesToApi(r: AlertRuleSettings) {
  return {
    new_group: r.newGroup,
    regression: r.regression,
    spike: r.spike ? { events: r.spike.events, minutes: r.spike.minutes, times_usual: r.spike.timesUsual } : null,
    impact: r.impact ? { users: r.impact.users } : null,
    cooldown_minutes: r.cooldownMinutes,
  };
}

function deliveryToApi(d: DeliveryResult) {
  return { ok: d.ok, status: d.status, retryable: d.retryable, retry_after_ms: d.retryAfterMs ?? null, error: d.error ?? null };
}

/** A channel as replies show it: never its URL in full nor its token. */
function channelToApi(c: ChannelConfig, last: Map<string, LastDelivery> | null) {
  const d = last?.get(c.id);
  return { id: c.id, kind: c.kind, url: redactUrl(c.url), has_token: Boolean(c.token), last_delivery: d ? { at: d.at, ...deliveryToApi(d) } : null };
}

export const projectAlertRoutes: FastifyPluginAsync<ProjectAlertRoutesDeps> = async (app, { store, alertStore, config, now, recordDelivery, lastDeliveries }) => {
  const globals = globalChannels(config);
  const deliverOptions = { timeoutMs: config.alertWebhooks.timeoutMs, privateAddresses: config.alertWebhooks.privateAddresses };

  const existing = async (params: unknown): Promise<string> => {
    const { name } = parseOrThrow(paramsSchema, params);
    if (!(await store.getProject(name))) throw errors.notFound(`Project '${name}'`);
    return name;
  };
  const reply = async (s: ProjectAlertSettings) => {
    const last = lastDeliveries ? await lastDeliveries() : null;
    return {
      project: s.project,
      rules: rulesToApi(s.rules),
      channels: s.channels.map((c) => channelToApi(c, last)),
      /** ALERT_WEBHOOKS and NOTIFY_URL: every project's, set in the environment. */
      global_channels: globals.map((c) => channelToApi(c, last)),
    };
  };

  app.get('/api/projects/:name/alerts', async (request) => reply(await alertStore.getProjectAlertSettings(await existing(request.params))));

  app.put('/api/projects/:name/alerts', async (request) => {
    const body = parseOrThrow(putSchema, request.body ?? {});
    const name = await existing(request.params);
    if (body.channels) {
      const stored = new Map((await alertStore.getProjectAlertSettings(name)).channels.map((c) => [c.id, c]));
      body.channels.forEach((c, i) => {
        const before = c.id === undefined ? undefined : stored.get(c.id);
        if (c.kind === 'webhook' && c.token != null && c.token.length < 16) throw errors.validation([{ path: `channels.${i}.token`, message: 'a webhook secret must be at least 16 characters' }]);
        // A generic webhook is always signed: its own secret, the one it keeps, or ALERT_WEBHOOK_SECRET.
        const keeps = c.token === undefined && before?.kind === 'webhook' && Boolean(before.token);
        if (c.kind === 'webhook' && !c.token && !keeps && !config.alertWebhooks.secret) {
          throw errors.validation([{ path: `channels.${i}.token`, message: 'a webhook needs a secret (token) when ALERT_WEBHOOK_SECRET is not set' }]);
        }
        if (c.kind !== 'ntfy' && c.kind !== 'webhook' && c.token) throw errors.validation([{ path: `channels.${i}.token`, message: `a ${c.kind} channel takes no token (its URL is its secret)` }]);
      });
    }
    let saved: ProjectAlertSettings;
    try {
      saved = await alertStore.putProjectAlertSettings(name, { channels: body.channels, rules: body.rules ? rulesFromApi(body.rules) : undefined });
    } catch (err) {
      if (err instanceof ChannelInputError) throw errors.validation([{ path: err.path, message: err.message }]);
      throw err;
    }
    request.log.info({ event: 'project_alerts_saved', project: name, channels: saved.channels.map((c) => ({ id: c.id, kind: c.kind, url: redactUrl(c.url) })) }, 'project alert settings saved');
    return reply(saved);
  });

  app.post('/api/projects/:name/alerts/test', async (request) => {
    const name = await existing(request.params);
    const channels = [...(await alertStore.getProjectAlertSettings(name)).channels, ...globals];
    const notification = testNotification(name, { publicUrl: config.publicUrl, now: now() });
    const results = await Promise.all(
      channels.map(async (c) => {
        const result = await deliver(formatNotification(c, notification, { webhookSecret: config.alertWebhooks.secret }), deliverOptions);
        const url = redactUrl(c.url);
        request.log[result.ok ? 'info' : 'warn']({ event: 'alert_test', project: name, channel: c.id, kind: c.kind, url, status: result.status, error: result.error }, `test alert ${result.ok ? 'delivered' : 'failed'} via ${url}`);
        if (recordDelivery) {
          try {
            await recordDelivery(c.id, result);
          } catch (err) {
            request.log.warn({ err, channel: c.id }, 'could not record the test delivery');
          }
        }
        return { id: c.id, kind: c.kind, url, ...deliveryToApi(result) };
      }),
    );
    return { project: name, results };
  });
};
