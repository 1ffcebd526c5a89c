// Generates the benchmark's synthetic images as OCI image layouts, once, into a cache folder that later
// runs reuse (the 1 GiB layer takes a while):
//
//   node tools/bench/generate.ts [--quick] [--case a,b] [--cache DIR]
//
// Each layout is `<cache>/layouts/<key>/` with the tag `v1`; `<key>.json` beside it describes it and is
// written last, so a layout without it is half made and is generated again.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type BenchCase, caseKey, fullCases, quickCases } from "./cases.ts";
import { type GzipLayer, writeGzipLayer } from "./write-gzip-layer.ts";

/** A generated layout, as {@link ensureLayout} returns it (and stores it in `<key>.json`). */
export interface GeneratedLayout {
  /** The case's name (`a` … `d`). */
  name: string;
  title: string;
  /** The layout directory. */
  directory: string;
  tag: string;
  /** The digest and media type of what the tag points at (an image manifest, or an index for `index` cases). */
  digest: string;
  mediaType: string;
  index: boolean;
  /** Distinct blobs (layers and configs) and their bytes: what a pull downloads and a push uploads. */
  blobCount: number;
  blobBytes: number;
}

const manifestType = "application/vnd.oci.image.manifest.v1+json";
const indexType = "application/vnd.oci.image.index.v1+json";
const configType = "application/vnd.oci.image.config.v1+json";
const layerType = "application/vnd.oci.image.layer.v1.tar+gzip";

/** `os.tmpdir()/stevedore-bench`: layouts, pulled copies and profiles of the benchmark. */
export function defaultCacheDirectory(): string {
  return join(tmpdir(), "stevedore-bench");
}

/** Returns the case's layout from the cache, generating it first when it is not there (or half made). */
export async function ensureLayout(
  benchCase: BenchCase,
  cacheDirectory: string,
  log: (line: string) => void = () => {},
): Promise<GeneratedLayout> {
  const layouts = join(cacheDirectory, "layouts");
  const key = caseKey(benchCase);
  const descriptionPath = join(layouts, `${key}.json`);
  if (existsSync(descriptionPath)) {
    return JSON.parse(await readFile(descriptionPath, "utf8")) as GeneratedLayout;
  }
  await mkdir(layouts, { recursive: true });
  const directory = join(layouts, key);
  const building = `${directory}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  const started = performance.now();
  log(`generating case ${benchCase.name} (${benchCase.title}) into ${directory}`);
  const layout = await writeLayout(benchCase, building);
  // Another run may have finished the same layout meanwhile: keep theirs.
  if (existsSync(descriptionPath)) {
    await rm(building, { recursive: true, force: true });
    return JSON.parse(await readFile(descriptionPath, "utf8")) as GeneratedLayout;
  }
  await rm(directory, { recursive: true, force: true }); // half made by a run that died
  await rename(building, directory);
  const described: GeneratedLayout = { ...layout, directory };
  // Written whole and renamed, so a concurrent reader never sees half of it.
  await writeFile(`${descriptionPath}.${process.pid}`, `${JSON.stringify(described, null, 2)}\n`);
  await rename(`${descriptionPath}.${process.pid}`, descriptionPath);
  log(`  ${described.blobCount} blobs, ${mebibytes(described.blobBytes)} in ${seconds(started)}`);
  return described;
}

async function writeLayout(
  benchCase: BenchCase,
  directory: string,
): Promise<Omit<GeneratedLayout, "directory">> {
  const blobs = join(directory, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  let blobCount = 0;
  let blobBytes = 0;
  const layers: GzipLayer[] = [];
  for (const [position, size] of benchCase.layers.entries()) {
    layers.push(await writeGzipLayer(blobs, `layer-${position}.bin`, size));
    blobCount += 1;
    blobBytes += layers[position]!.size;
  }
  const writeJson = async (value: unknown, mediaType: string) => {
    const bytes = Buffer.from(JSON.stringify(value));
    const hex = createHash("sha256").update(bytes).digest("hex");
    await writeFile(join(blobs, hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const manifests = [];
  for (const image of benchCase.images) {
    const imageLayers = image.layers.map((position) => layers[position]!);
    const config = await writeJson(
      {
        ...image.platform,
        created: "2026-11-27T00:00:00Z",
        config: {},
        rootfs: { type: "layers", diff_ids: imageLayers.map((layer) => layer.diffId) },
        history: imageLayers.map(() => ({ created: "2026-11-27T00:00:00Z", created_by: "tools/bench" })),
      },
      configType,
    );
    blobCount += 1;
    blobBytes += config.size;
    const manifest = await writeJson(
      {
        schemaVersion: 2,
        mediaType: manifestType,
        config,
        layers: imageLayers.map((layer) => ({
          mediaType: layerType,
          digest: layer.digest,
          size: layer.size,
        })),
      },
      manifestType,
    );
    manifests.push({ ...manifest, platform: image.platform });
  }
  const [first] = manifests;
  if (first === undefined) throw new Error(`case ${benchCase.name} has no images`);
  const root = benchCase.index
    ? await writeJson({ schemaVersion: 2, mediaType: indexType, manifests }, indexType)
    : { mediaType: first.mediaType, digest: first.digest, size: first.size };
  const tag = "v1";
  await writeFile(join(directory, "oci-layout"), `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}\n`);
  await writeFile(
    join(directory, "index.json"),
    `${JSON.stringify({
      schemaVersion: 2,
      mediaType: indexType,
      manifests: [{ ...root, annotations: { "org.opencontainers.image.ref.name": tag } }],
    })}\n`,
  );
  return {
    name: benchCase.name,
    title: benchCase.title,
    tag,
    digest: root.digest,
    mediaType: root.mediaType,
    index: benchCase.index,
    blobCount,
    blobBytes,
  };
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** `node tools/bench/generate.ts [--quick] [--case a,b] [--cache DIR]`. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      case: { type: "string", multiple: true },
      cache: { type: "string" },
    },
  });
  const wanted = values.case?.flatMap((names) => names.split(",")) ?? [];
  const cases = (values.quick ? quickCases : fullCases).filter(
    (benchCase) => wanted.length === 0 || wanted.includes(benchCase.name),
  );
  const cacheDirectory = values.cache ?? defaultCacheDirectory();
  for (const benchCase of cases) {
    const layout = await ensureLayout(benchCase, cacheDirectory, console.log);
    console.log(`${layout.name}: ${layout.directory}:${layout.tag} ${layout.digest}`);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}
