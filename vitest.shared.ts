import { fileURLToPath } from "node:url";

const packages = fileURLToPath(new URL("./packages/", import.meta.url));

/**
 * Tests import workspace packages from their sources, so `pnpm test` needs no build first.
 * `@stevedore/x` → `packages/x/src/index.ts`, `@stevedore/x/sub` → `packages/x/src/sub.ts`.
 */
export const alias: { find: RegExp; replacement: string }[] = [
  { find: /^@stevedore\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/index.ts` },
  { find: /^@stevedore\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: `${packages}$1/src/$2.ts` },
];
