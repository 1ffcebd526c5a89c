/**
 * Loader hooks for child processes in tests: Node strips the types of the `.ts` sources, and these hooks
 * map what vitest's aliases map (`@stevedore/x` → `packages/x/src/index.ts`, `./y.js` → `./y.ts`), so a
 * child runs the same source as the test without a build. Use with `node --import <this file>`.
 */
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const packages = fileURLToPath(new URL("../../../", import.meta.url));

registerHooks({
  resolve(specifier, context, next) {
    const match = /^@stevedore\/([a-z0-9-]+)$/.exec(specifier);
    if (match !== null) return next(pathToFileURL(`${packages}${match[1]}/src/index.ts`).href, context);
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const candidate = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return next(candidate.href, context);
    }
    return next(specifier, context);
  },
});
