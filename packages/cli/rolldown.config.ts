/**
 * Bundles the `stevedore` executable: src/bin.ts and everything it imports, undici included, into
 * dist/bin.js and three chunks it imports on demand — `bin/main.js` (the CLI and @stevedore/core: enough
 * for `--version` and `--help`), `bin/client.js` (the client and the packages under it) and `bin/server.js`
 * (`stevedore serve`). Loading four files instead of ~250 modules is most of the CLI's start-up. Runs after
 * `tsc -b`, which builds the library entry (dist/index.js) and, through the project references, the
 * workspace packages bundled here from their dist.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type BuildOptions, defineConfig } from "rolldown";

/**
 * Which chunk a module goes to, by path, highest priority first; each group also takes the modules its own
 * modules import (rolldown's default), unless a group before it took them already. The client chunk comes
 * before the server chunk because a copy must not load the server: `serve` loads the client chunk instead
 * (for the few blob and routing helpers both use).
 */
const chunks: readonly { name: string; test: (id: string) => boolean }[] = [
  { name: "main", test: (id) => /[\\/]packages[\\/](cli|core)[\\/]/.test(id) },
  { name: "client", test: (id) => /[\\/](packages[\\/](?!server[\\/])[a-z-]+|node_modules)[\\/]/.test(id) },
  { name: "server", test: (id) => /[\\/]packages[\\/]server[\\/]/.test(id) },
];

const entry = fileURLToPath(new URL("./src/bin.ts", import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** The bundle's options, for `rolldown -c` and for the test that bundles into a temp folder. */
export function bundleOptions(directory: string): BuildOptions {
  return {
    input: { bin: entry },
    platform: "node",
    // `help` imports the command table dynamically to avoid an import cycle, not to split it off: quiet.
    checks: { ineffectiveDynamicImport: false },
    // `./main.js` in the CLI's sources names `./main.ts`; the other packages come built from their dist.
    resolve: { extensionAlias: { ".js": [".ts", ".js"] } },
    // `stevedore --version` (src/commands/version.ts): the chunks do not sit where package.json is expected.
    transform: { define: { STEVEDORE_VERSION: JSON.stringify(version) } },
    output: {
      dir: directory,
      format: "esm",
      entryFileNames: "[name].js",
      chunkFileNames: "bin/[name].js",
      sourcemap: true,
      codeSplitting: {
        // The entry (src/bin.ts) stays in dist/bin.js: it must enable the compile cache before the rest loads.
        groups: chunks.map(({ name, test }, index) => ({
          name,
          test: (id: string) => id !== entry && test(id),
          priority: chunks.length - index,
        })),
      },
    },
  };
}

export default defineConfig(bundleOptions(fileURLToPath(new URL("./dist", import.meta.url))));
