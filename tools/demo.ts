// The README's end-to-end job: start a local registry with `stevedore serve`, build a two-platform image as
// an OCI layout, push it with the `stevedore` CLI, pull it back, compare, and show `inspect`. Needs only
// Node: run with `pnpm demo` after `pnpm build`.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { tarWithFile } from "../packages/testing/src/index.ts";

const cli = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

async function writeBlob(layout: string, bytes: Uint8Array, mediaType: string): Promise<Blob> {
  const digest = digestOf(bytes);
  await writeFile(join(layout, "blobs", "sha256", digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A two-platform OCI image layout (linux/amd64, linux/arm64) with real gzip layers, tagged `v1`. */
async function buildLayout(layout: string): Promise<void> {
  await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
  await writeFile(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const shared = tarWithFile("greeting.txt", new TextEncoder().encode("hello from stevedore\n"));
  const base = await writeBlob(layout, gzipSync(shared), "application/vnd.oci.image.layer.v1.tar+gzip");
  const children = [];
  for (const architecture of ["amd64", "arm64"]) {
    const tar = tarWithFile(`${architecture}.bin`, randomBytes(64 * 1024));
    const layer = await writeBlob(
      layout,
      gzipSync(tar, { level: 0 }),
      "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    const config = await writeBlob(
      layout,
      Buffer.from(
        JSON.stringify({
          architecture,
          os: "linux",
          created: new Date().toISOString(),
          config: { Labels: { "org.opencontainers.image.title": "stevedore demo" } },
          rootfs: { type: "layers", diff_ids: [digestOf(shared), digestOf(tar)] },
        }),
      ),
      "application/vnd.oci.image.config.v1+json",
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers: [base, layer],
      }),
    );
    const descriptor = await writeBlob(layout, manifest, "application/vnd.oci.image.manifest.v1+json");
    children.push({ ...descriptor, platform: { architecture, os: "linux" } });
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: children,
    }),
  );
  const root = await writeBlob(layout, index, "application/vnd.oci.image.index.v1+json");
  await writeFile(
    join(layout, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ ...root, annotations: { "org.opencontainers.image.ref.name": "v1" } }],
    }),
  );
}

function stevedore(...args: string[]): string {
  console.log(`$ stevedore ${args.join(" ")}`);
  // Progress (stderr) reaches the terminal as it happens, before the result line (stdout) printed after.
  const result = spawnSync(process.execPath, [cli, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (result.stdout) process.stdout.write(result.stdout);
  if (result.status !== 0) throw new Error(`stevedore ${args[0]} exited with ${result.status}`);
  return result.stdout;
}

/** Starts `stevedore serve --port 0` (in memory, no auth) and reads its address from the first stderr line. */
async function serve(): Promise<{ child: ChildProcess; url: string; host: string }> {
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      const match = /^serving (http:\/\/\S+) \(/.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`stevedore serve exited with ${code}: ${stderr.trim()}`)));
  });
  return { child, url, host: url.replace(/^http:\/\//, "") };
}

/** Stops the registry the way Ctrl-C would and checks that it exits 0. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGINT");
  const [code] = await exited;
  if (code !== 0) throw new Error(`stevedore serve exited with ${code} after SIGINT`);
}

const work = await mkdtemp(join(tmpdir(), "stevedore-demo-"));
const registry = await serve();
try {
  const source = join(work, "image");
  const pulled = join(work, "pulled");
  await buildLayout(source);
  const reference = `${registry.host}/demo/hello:v1`;
  console.log(`registry: ${registry.url} (stevedore serve, in memory)\nimage layout: ${source}\n`);
  stevedore("push", `oci:${source}:v1`, reference);
  stevedore("ls", `${registry.host}/demo/hello`);
  const digest = stevedore("digest", reference).trim();
  stevedore("pull", reference, `oci:${pulled}:v1`);
  stevedore("inspect", reference, "--platform", "linux/arm64");
  const pulledIndex = JSON.parse(await readFile(join(pulled, "index.json"), "utf8")) as {
    manifests: { digest: string }[];
  };
  if (pulledIndex.manifests[0]?.digest !== digest) {
    throw new Error(`the pulled image is ${pulledIndex.manifests[0]?.digest}, the registry says ${digest}`);
  }
  console.log(`\ndemo ok: pushed, listed, pulled back and inspected ${reference} (${digest})`);
} finally {
  await stop(registry.child);
  await rm(work, { recursive: true, force: true });
}
