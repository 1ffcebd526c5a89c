// `pnpm bench:binary`: the single executable (`pnpm build:binary`) against the bundled bin run by node
// (packages/cli/dist/bin.js), alternating, N runs each (default 10 starts, 5 pulls):
//
//   version   `stevedore version`: the start-up
//   pull      `stevedore pull HOST/bench/binary:v1 DIR`: one 64 MiB gzip layer from a local
//             `stevedore serve` (in memory), into an OCI layout
//
// Prints the median (min–max) wall time and peak RSS of each and the ratio of the medians (issue 17: within
// 20 % of the bundled bin). Measures only; no limit. Needs `pnpm build`, `pnpm build:binary` and GNU time.
//
//   node tools/bench/binary.ts [--starts N] [--pulls N]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { measure, type Sample } from "./measure.ts";
import { spread } from "./statistics.ts";
import { writeGzipLayer } from "./write-gzip-layer.ts";

const { values } = parseArgs({
  options: { starts: { type: "string", default: "10" }, pulls: { type: "string", default: "5" } },
});
const root = join(import.meta.dirname, "../..");
const bin = join(root, "packages/cli/dist/bin.js");
const binary = join(root, "packages/cli/dist-binary/stevedore");
const contestants = {
  "node dist/bin.js": [process.execPath, bin],
  "single executable": [binary],
} as const;
type Contestant = keyof typeof contestants;

async function layout(directory: string): Promise<void> {
  const blobs = join(directory, "blobs", "sha256");
  await mkdir(blobs, { recursive: true });
  const layer = await writeGzipLayer(blobs, "payload.bin", 64 * 1024 * 1024);
  const write = async (text: string): Promise<{ digest: string; size: number }> => {
    const hex = createHash("sha256").update(text).digest("hex");
    await writeFile(join(blobs, hex), text);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(text) };
  };
  const config = await write(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
    }),
  );
  const manifest = await write(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
      layers: [
        { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.size },
      ],
    }),
  );
  await writeFile(join(directory, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(directory, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          ...manifest,
          annotations: { "org.opencontainers.image.ref.name": "v1" },
        },
      ],
    }),
  );
}

const scratch = await mkdtemp(join(tmpdir(), "stevedore-bench-binary-"));
const server = spawn(process.execPath, [bin, "serve", "--port", "0", "--quiet"], {
  stdio: ["ignore", "ignore", "pipe"],
});
try {
  const host = await new Promise<string>((resolve, reject) => {
    let text = "";
    server.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      const match = /serving http:\/\/(\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    server.once("exit", (code) => reject(new Error(`stevedore serve exited ${code}: ${text}`)));
  });
  await layout(join(scratch, "image"));
  const reference = `${host}/bench/binary:v1`;
  await measure(process.execPath, [bin, "push", join(scratch, "image"), reference, "--quiet"]);

  const samples = new Map<string, Sample[]>();
  const record = (key: string, sample: Sample): void => {
    samples.set(key, [...(samples.get(key) ?? []), sample]);
  };
  const names = Object.keys(contestants) as Contestant[];
  for (let index = 0; index < Number(values.starts); index++) {
    for (const name of names) {
      const [command = "", ...args] = contestants[name];
      record(`version|${name}`, await measure(command, [...args, "version"]));
    }
  }
  for (let index = 0; index < Number(values.pulls); index++) {
    for (const name of names) {
      const [command = "", ...args] = contestants[name];
      const target = join(scratch, "pulled");
      record(`pull|${name}`, await measure(command, [...args, "pull", reference, target, "--quiet"]));
      await rm(target, { recursive: true, force: true });
    }
  }

  const text = (list: number[], digits: number): string => {
    const { median, min, max } = spread(list);
    return `${median.toFixed(digits)} (${min.toFixed(digits)}–${max.toFixed(digits)})`;
  };
  console.log("| case | contestant | wall s | peak RSS MiB |");
  console.log("| --- | --- | --- | --- |");
  for (const what of ["version", "pull"]) {
    for (const name of names) {
      const list = samples.get(`${what}|${name}`) ?? [];
      console.log(
        `| ${what} | ${name} | ${text(
          list.map((sample) => sample.wall),
          3,
        )} | ${text(
          list.map((sample) => sample.peakRss),
          0,
        )} |`,
      );
    }
    const median = (name: Contestant, pick: (sample: Sample) => number): number =>
      spread((samples.get(`${what}|${name}`) ?? []).map(pick)).median;
    const ratio = (pick: (sample: Sample) => number): string =>
      (median("single executable", pick) / median("node dist/bin.js", pick)).toFixed(2);
    console.log(
      `| ${what} | executable / bin | ${ratio((sample) => sample.wall)} | ${ratio((sample) => sample.peakRss)} |`,
    );
  }
} finally {
  server.kill("SIGTERM");
  await rm(scratch, { recursive: true, force: true });
}
