/**
 * Loader hooks for child processes in tests: Node strips the types of the `.ts` sources, and these hooks
 * map what vitest's aliases map (`@stevedore/x` → `packages/x/src/index.ts`, `@stevedore/x/sub` →
 * `packages/x/src/sub.ts`, `./y.js` → `./y.ts`), so a child runs `src/bin.ts` without a build.
 * Use with `node --import <this file> src/bin.ts …`.
 */
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const packages = fileURLToPath(new URL("../../../", import.meta.url));

registerHooks({
  resolve(specifier, context, next) {
    const match = /^@stevedore\/([a-z0-9-]+)(?:\/([a-z0-9-]+))?$/.exec(specifier);
    if (match !== null) {
      const file = `${packages}${match[1]}/src/${match[2] ?? "index"}.ts`;
      return next(pathToFileURL(file).href, context);
    }
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const candidate = new URL(specifier.replace(/\.js$/, ".ts"), context.parentURL);
      if (existsSync(fileURLToPath(candidate))) return next(candidate.href, context);
    }
    return next(specifier, context);
  },
});
