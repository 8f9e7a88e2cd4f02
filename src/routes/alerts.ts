// POST /api/test-alert: one message to ALERT_EMAILS, outside the throttle, sent in the background.
import type { FastifyPluginAsync } from 'fastify';
import type { AlertsService } from '../alerts/service.js';
import { testAlertProblem } from '../alerts/service.js';
import type { Config } from '../config.js';
import { errors } from '../errors.js';

export interface AlertRoutesDeps {
  config: Readonly<Config>;
  alerts: AlertsService | undefined;
}

export const alertRoutes: FastifyPluginAsync<AlertRoutesDeps> = async (app, { config, alerts }) => {
  app.post('/api/test-alert', async (_request, reply) => {
    const problem = testAlertProblem(config) ?? (alerts ? null : 'alerts are not running in this process');
    if (problem) {
      const err = errors.smtpNotConfigured(problem);
      // `detail` is the form this endpoint documents; the rest is the catalogue's usual body.
      return reply.code(err.statusCode).send({ detail: err.message, ...err.toBody() });
    }
    alerts!.sendTestAlert();
    return reply.code(202).send({ status: 'test alert dispatched', detail: 'Check service logs for SMTP transaction result' });
  });
};
