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
  /** Milliseconds; injectable for tests. */
  now?: () => number;
}

/**
 * A repeat of the first signal within this window is the same request, not a second one: Ctrl-C under
 * `npm start` reaches the service twice, from the terminal (to the process group) and forwarded by npm.
 */
export const SAME_SIGNAL_MS = 1000;

/** SIGTERM/SIGINT run the steps and exit 0 (1 if one failed or timed out); a second signal exits 1 at once
 * (a repeat of the first within SAME_SIGNAL_MS counts as the first). */
export function handleSignals({ steps, timeoutMs, logger, exit, now = Date.now }: SignalDeps): void {
  let stopping = false;
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first && signal === first.signal && now() - first.at < SAME_SIGNAL_MS) return;
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    first = { signal, at: now() };
    logger.info({ signal, timeoutMs }, 'shutting down');
    void runShutdown(steps, timeoutMs, logger).then((clean) => {
      logger.info({ clean }, 'stopped');
      exit(clean ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
