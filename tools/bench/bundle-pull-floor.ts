import { join } from "node:path";

/**
 * Bundles pull-floor-child.ts (and the parts of undici it uses) into one ES module in `directory` and
 * returns its path. Run as a `.ts` file with undici's own files, the floor started in twice the time of
 * stevedore's bundled CLI (type stripping, a hundred modules); a floor must not pay more than the CLI does.
 */
export async function bundlePullFloor(directory: string): Promise<string> {
  // rolldown as the CLI package has it (tools/ has no dependencies of its own).
  const { build } = (await import(
    new URL("../../packages/cli/node_modules/rolldown/dist/index.mjs", import.meta.url).href
  )) as { build: (options: object) => Promise<unknown> };
  const file = join(directory, "pull-floor.mjs");
  await build({
    input: join(import.meta.dirname, "pull-floor-child.ts"),
    platform: "node",
    logLevel: "warn",
    output: { file, format: "esm" },
  });
  return file;
}
