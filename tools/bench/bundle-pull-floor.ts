import { join } from "node:path";

/** The floors of a pull, bundled: many small blobs gathered (`small`) and large blobs streamed (`large`). */
export interface PullFloorScripts {
  /** pull-floor-child.ts. */
  small: string;
  /** tls-path-child.ts, whose `main` way is the floor of a pull of large blobs. */
  large: string;
}

/**
 * Bundles pull-floor-child.ts and tls-path-child.ts (and the parts of undici they use) into one ES module
 * each in `directory`. Run as `.ts` files with undici's own files, the floor started in twice the time of
 * stevedore's bundled CLI (type stripping, a hundred modules); a floor must not pay more than the CLI does.
 */
export async function bundlePullFloors(directory: string): Promise<PullFloorScripts> {
  // rolldown as the CLI package has it (tools/ has no dependencies of its own).
  const { build } = (await import(
    new URL("../../packages/cli/node_modules/rolldown/dist/index.mjs", import.meta.url).href
  )) as { build: (options: object) => Promise<unknown> };
  const bundle = async (child: string, name: string): Promise<string> => {
    const file = join(directory, name);
    await build({
      input: join(import.meta.dirname, child),
      platform: "node",
      logLevel: "warn",
      // One file: tls-path-child.ts loads undici with import() so that the main thread of its `workers` way
      // holds no copy; inlined, the code is still run only when imported.
      output: { file, format: "esm", codeSplitting: false },
    });
    return file;
  };
  return {
    small: await bundle("pull-floor-child.ts", "pull-floor.mjs"),
    large: await bundle("tls-path-child.ts", "large-pull-floor.mjs"),
  };
}
