// Last resort for bugs: log an uncaught exception or unhandled rejection, record it, exit for the supervisor.
import type { Logger } from './logger.js';

/** The project the service files its own crashes under when SELF_REPORT=true. */
export const SELF_PROJECT = 'error-tracker';

export interface CrashDeps {
  logger: Logger;
  /** Synchronous: the process is in an unknown state, so nothing may wait for the event loop. */
  onCrash: (err: Error, kind: string) => void;
  exit: (code: number) => void;
}

/**
 * Node's guidance: after an uncaught exception the process state is undefined, so do synchronous
 * cleanup and exit; a supervisor (Docker restart policy, systemd Restart=) starts a fresh one.
 */
export function installCrashHandlers({ logger, onCrash, exit }: CrashDeps): void {
  const handle = (kind: string) => (reason: unknown) => {
    const err = reason instanceof Error ? reason : new Error(`non-Error value: ${typeof reason}`);
    logger.fatal({ err, kind }, 'crashed; exiting so that the supervisor restarts the service');
    try {
      onCrash(err, kind);
    } catch (recordErr) {
      logger.error({ err: recordErr }, 'could not record the crash');
    }
    exit(1);
  };
  process.on('uncaughtException', handle('uncaughtException'));
  process.on('unhandledRejection', handle('unhandledRejection'));
}

/** The crash as a native report body, for the ingest pipeline. */
export function crashReport(err: Error, kind: string): Record<string, unknown> {
  return {
    project: SELF_PROJECT,
    exception_type: err.name || 'Error',
    message: String(err.message ?? ''),
    traceback: String(err.stack ?? ''),
    source: 'server',
    extra: { kind },
  };
}
