// `pnpm docs:build` runs typedoc with `--import` of this file: typedoc loads TypeScript's JS API, which
// TypeScript 7 (the repository's compiler) does not have, and pnpm gives a peer dependency the root's
// TypeScript whatever overrides say. So every `import … from "typescript"` resolves to the `typescript6`
// alias (TypeScript 6.0) instead.
import { createRequire, registerHooks } from "node:module";
import { pathToFileURL } from "node:url";

const typescript6 = pathToFileURL(createRequire(import.meta.url).resolve("typescript6")).href;

registerHooks({
  resolve(specifier, context, next) {
    if (specifier === "typescript") return { url: typescript6, shortCircuit: true, format: "commonjs" };
    return next(specifier, context);
  },
});
