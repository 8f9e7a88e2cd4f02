// Graceful shutdown: ordered steps under one time budget; a second signal exits at once.
import type { Logger } from './logger.js';

export interface ShutdownStep {
  name: string;
  /** Gets what is left of the budget; a step that outlives it is abandoned and the next one runs. */
  run: (budgetMs: number) => Promise<unknown> | unknown;
}

/** Runs the steps in order; true when every one finished in time without throwing. */
export async function runShutdown(steps: ShutdownStep[], timeoutMs: number, logger: Logger): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let clean = true;
  for (const step of steps) {
    const budgetMs = Math.max(0, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    try {
      const finished = await Promise.race([
        Promise.resolve().then(() => step.run(budgetMs)).then(() => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), budgetMs))),
      ]);
      if (!finished) {
        clean = false;
        logger.warn({ step: step.name, timeoutMs }, 'shutdown step did not finish in time; going on');
      }
    } catch (err) {
      clean = false;
      logger.error({ err, step: step.name }, 'shutdown step failed; going on');
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

export interface SignalDeps {
  steps: ShutdownStep[];
  timeoutMs: number;
  logger: Logger;
  exit: (code: number) => void;
}

/** SIGTERM/SIGINT run the steps and exit 0 (1 if one failed or timed out); a second signal exits 1 at once. */
export function handleSignals({ steps, timeoutMs, logger, exit }: SignalDeps): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, timeoutMs }, 'shutting down');
    void runShutdown(steps, timeoutMs, logger).then((clean) => {
      logger.info({ clean }, 'stopped');
      exit(clean ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
