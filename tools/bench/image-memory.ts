// `pnpm bench:image`: the peak memory of the image edits on a 1 GiB layer (issue 16: under 150 MiB RSS).
// Alternating, N runs each (default 3), peak RSS from GNU time:
//
//   append   `stevedore append oci:BASE:v1 --layer big.tar -t HOST/bench/image:vN`: a 1 GiB tar given
//            as the layer, gzip-compressed into a temp file on the way, uploaded to distribution
//   export   `stevedore export HOST/bench/image:vN -o rootfs.tar`: that layer downloaded, gunzipped and
//            written out as the merged file system
//
// The tar holds one 1 GiB file made of a repeated 1 MiB random block (gzip finds no repeats that far
// apart, so it costs what incompressible data costs). Needs `pnpm build`, GNU time and docker-registry.
// Exits 1 when a median peak is over the limit.
//
//   node tools/bench/image-memory.ts [--runs N] [--limit MiB] [--stevedore PATH] [--cache DIR]
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startRegistry } from "../registry/start-registry.ts";
import { measure, type Sample } from "./measure.ts";
import { logSample, memoryBenchOptions, printMemoryTable } from "./memory-runs.ts";

const run = promisify(execFile);
const values = memoryBenchOptions();
const { runs, limit } = values;

await mkdir(values.cache, { recursive: true });
const tar = await bigTar(values.cache);
const scratch = await mkdtemp(join(values.cache, "image-memory-"));
const base = await emptyImage(join(scratch, "base"));
const registry = await startRegistry({ mode: "open" });
const ways = ["append", "export"] as const;
const samples = new Map<(typeof ways)[number], Sample[]>(ways.map((way) => [way, []]));
try {
  for (let index = 1; index <= runs; index++) {
    const reference = `${registry.host}/bench/image:v${index}`;
    const args = {
      append: [values.stevedore, "append", `oci:${base}:v1`, "--layer", tar, "-t", reference, "--quiet"],
      export: [values.stevedore, "export", reference, "-o", join(scratch, "rootfs.tar"), "--quiet"],
    };
    for (const way of ways) {
      const sample = await measure(process.execPath, args[way]);
      samples.get(way)?.push(sample);
      logSample(index, way, sample);
    }
    await rm(join(scratch, "rootfs.tar"), { force: true });
  }
} finally {
  await registry.stop();
  await rm(scratch, { recursive: true, force: true });
}

console.log(
  `\nA 1 GiB layer through append (tar in, gzip, upload) and export, ${runs} runs, median (min–max):\n`,
);
const over = [...printMemoryTable("command", samples).values()].some((peak) => peak > limit);
console.log(`\nlimit ${limit} MiB: ${over ? "NOT met" : "met"}`);
if (over) process.exitCode = 1;

/** The 1 GiB tar, made once into the cache (GNU tar packs the file). */
async function bigTar(cache: string): Promise<string> {
  const path = join(cache, "image-1gib.tar");
  if (existsSync(path)) return path;
  const folder = await mkdtemp(join(cache, "image-1gib-"));
  const block = randomBytes(1024 * 1024);
  const file = createWriteStream(join(folder, "big.bin"));
  for (let index = 0; index < 1024; index++) {
    if (!file.write(block)) await once(file, "drain");
  }
  file.end();
  await once(file, "finish");
  await run("tar", ["-cf", `${path}.partial`, "-C", folder, "big.bin"]);
  await run("mv", [`${path}.partial`, path]);
  await rm(folder, { recursive: true, force: true });
  return path;
}

/** An OCI layout holding an image with no layers, tagged v1. */
async function emptyImage(directory: string): Promise<string> {
  const blob = async (bytes: string, mediaType: string) => {
    const hex = createHash("sha256").update(bytes).digest("hex");
    await writeFile(join(directory, "blobs", "sha256", hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: Buffer.byteLength(bytes) };
  };
  await mkdir(join(directory, "blobs", "sha256"), { recursive: true });
  await writeFile(join(directory, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const config = await blob(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [] },
      history: [],
    }),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = await blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config,
      layers: [],
    }),
    "application/vnd.oci.image.manifest.v1+json",
  );
  await writeFile(
    join(directory, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": "v1" } }],
    }),
  );
  return directory;
}
