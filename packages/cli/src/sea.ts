/**
 * The entry of the single executable (`pnpm build:binary`, tools/build-binary.ts): the whole CLI in one
 * CommonJS file that Node's single executable application support runs. No version check: the executable
 * carries its own Node.
 */
import { start } from "./start.js";

start().catch((error: unknown) => {
  process.stderr.write(`stevedore: internal error: ${String(error)}\n`);
  process.exitCode = 1;
});
