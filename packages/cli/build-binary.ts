/**
 * `pnpm build:binary`: stevedore as one executable file for linux-x64 that needs no Node on the machine,
 * with Node's single executable application support. The CLI is bundled into CommonJS chunks split as the
 * bin's are (rolldown.config.ts `seaChunkOptions`); the executable carries them, each with a V8 code cache
 * made here, as assets, and its main script is a small loader that compiles a chunk when it is first
 * required — so `version` loads no client and no server, as the bin does (docs/decisions/0014). Node writes
 * the preparation blob, postject injects it into a copy of this Node binary, and that file is copied once
 * more (why: below). Run after `pnpm build` (the bundle takes the other packages from their dist). Writes
 * dist-binary/stevedore and prints its size.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { build } from "rolldown";
import { seaChunkOptions } from "./rolldown.config.ts";

if (process.platform !== "linux" || process.arch !== "x64") {
  process.stderr.write(
    `build-binary: makes a linux-x64 executable; this is ${process.platform}-${process.arch}\n`,
  );
  process.exit(1);
}
const directory = fileURLToPath(new URL("./dist-binary/", import.meta.url));
const chunks = join(directory, "chunks");
const script = join(directory, "stevedore.cjs");
const blob = join(directory, "stevedore.blob");
const executable = join(directory, "stevedore");
rmSync(directory, { recursive: true, force: true });
mkdirSync(directory, { recursive: true });

await build({ ...seaChunkOptions(chunks), logLevel: "warn" });

// Each chunk runs as the body of this function, as Node runs a CommonJS module; the code cache below is
// made for exactly this text, or V8 rejects it (and compiles from source).
const head = "(function (exports, require, module, __filename, __dirname) {";
const tail = "\n})";
const wrap = (source: string): string => head + source + tail;
const assets: Record<string, string> = {};
for (const name of readdirSync(chunks).filter((file) => file.endsWith(".js"))) {
  const file = join(chunks, name);
  const cache = `${file}.cache`;
  writeFileSync(cache, new Script(wrap(readFileSync(file, "utf8")), { filename: name }).createCachedData());
  assets[name] = file;
  assets[`${name}.cache`] = cache;
}
// The main script: `require` here loads built-in modules only, so a chunk's `require("./x.js")` goes to
// load(), which compiles the asset with its code cache once and keeps its exports.
writeFileSync(
  script,
  `"use strict";
const { getAsset } = require("node:sea");
const { Script } = require("node:vm");
const modules = new Map();
const load = (name) => {
  const known = modules.get(name);
  if (known !== undefined) return known.exports;
  const module = { exports: {} };
  modules.set(name, module);
  const compiled = new Script(${JSON.stringify(head)} + getAsset(name, "utf8") + ${JSON.stringify(tail)}, {
    filename: name,
    cachedData: new Uint8Array(getAsset(name + ".cache")),
  });
  const chunkRequire = (id) => (id.startsWith("./") ? load(id.slice(2)) : require(id));
  compiled.runInThisContext().call(module.exports, module.exports, chunkRequire, module, name, ".");
  return module.exports;
};
load("stevedore.js");
`,
);
const configuration = join(directory, "sea-config.json");
writeFileSync(
  configuration,
  JSON.stringify({
    main: script,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets,
  }),
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
const megabytes = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const scriptBytes = Object.values(assets)
  .filter((file) => file.endsWith(".js"))
  .reduce((sum, file) => sum + statSync(file).size, 0);
process.stdout.write(
  `build-binary: ${executable} (${megabytes(statSync(executable).size)} MiB: Node ${process.version} and ` +
    `the CLI, ${megabytes(scriptBytes)} MiB of script in ${Object.keys(assets).length / 2} chunks)\n`,
);
