// Builds dist/ when it is stale (as `npm start` does), so process-level tests run the same `node dist/server.js`.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['src/build-if-stale.mjs'], { stdio: 'inherit' });
}
