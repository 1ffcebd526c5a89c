/**
 * `pnpm build:binary`: stevedore as one executable file for linux-x64 that needs no Node on the machine,
 * with Node's single executable application support. The CLI is bundled into one CommonJS file (what a
 * single executable runs: no chunks, no ES module entry), Node writes the preparation blob with its code
 * cache, postject injects it into a copy of this Node binary, and that file is copied once more (why:
 * below). Run after `pnpm build` (the bundle takes the other packages from their dist). Writes
 * dist-binary/stevedore and prints its size.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";
import { singleFileOptions } from "./rolldown.config.ts";

if (process.platform !== "linux" || process.arch !== "x64") {
  process.stderr.write(
    `build-binary: makes a linux-x64 executable; this is ${process.platform}-${process.arch}\n`,
  );
  process.exit(1);
}
const directory = fileURLToPath(new URL("./dist-binary/", import.meta.url));
const script = join(directory, "stevedore.cjs");
const blob = join(directory, "stevedore.blob");
const executable = join(directory, "stevedore");
rmSync(directory, { recursive: true, force: true });
mkdirSync(directory, { recursive: true });

await build({ ...singleFileOptions(script), logLevel: "warn" });
const configuration = join(directory, "sea-config.json");
writeFileSync(
  configuration,
  JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }),
);
execFileSync(process.execPath, ["--experimental-sea-config", configuration], { stdio: "ignore" });
const injected = join(directory, "stevedore.injected");
copyFileSync(process.execPath, injected);
const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
execFileSync(
  process.execPath,
  [
    postject,
    injected,
    "NODE_SEA_BLOB",
    blob,
    "--sentinel-fuse",
    "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ],
  // postject warns about ELF note sections it does not need; its output is noise unless it fails.
  { stdio: ["ignore", "ignore", "pipe"] },
);
// postject writes the executable in one write, which leaves it in large page-cache folios, and each page
// fault of a run then maps a whole folio into its RSS; a copy writes it in pieces (docs/decisions/0013).
copyFileSync(injected, executable);
rmSync(injected);
chmodSync(executable, 0o755);
const megabytes = (file: string): string => (statSync(file).size / 1024 / 1024).toFixed(1);
process.stdout.write(
  `build-binary: ${executable} (${megabytes(executable)} MiB: Node ${process.version} and the CLI, ` +
    `${megabytes(script)} MiB of script)\n`,
);
