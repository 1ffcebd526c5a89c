/**
 * `oci-archive:FILE[:TAG]` end to end against distribution 2.8, with skopeo (the containers/image code
 * `podman save --format oci-archive` uses) as the independent reader and writer: what skopeo writes,
 * stevedore pushes with the same digest, and the other way round. Malformed archives exit with one line.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createTestImage, seedTestImage, sha256 } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const execFileAsync = promisify(execFile);
const accept = ["application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json"].join(
  ", ",
);

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "stevedore-cli-oci-archive-"));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

/** skopeo with no user policy or credentials, failing after 30 s rather than hanging. */
async function skopeo(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("skopeo", ["--insecure-policy", ...args], {
    timeout: 30_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: workspace, TMPDIR: workspace },
  });
  return stdout;
}

async function rawManifest(repository: string, reference: string): Promise<Buffer> {
  const response = await fetch(`${inject("registryOpen").url}/v2/${repository}/manifests/${reference}`, {
    headers: { accept },
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const repositoryName = (label: string): string => `oci-archive/${label}-${randomUUID().slice(0, 8)}`;

/** A multi-platform image seeded over raw HTTP; returns its name and digest. */
async function seeded(label: string) {
  const repository = repositoryName(label);
  const image = createTestImage({ label });
  await seedTestImage({ url: inject("registryOpen").url, repository }, image, ["v1"]);
  return { repository, image, name: `${inject("registryOpen").host}/${repository}` };
}

describe("oci-archive with skopeo and distribution 2.8", { timeout: 60_000 }, () => {
  it("pushes what skopeo (podman save --format oci-archive) writes, named bare or oci-archive:, same digest", async () => {
    const { image, name } = await seeded("from-skopeo");
    const file = join(await mkdtemp(join(workspace, "skopeo-")), "podman.tar");
    await skopeo(
      "copy",
      "--all",
      "--preserve-digests",
      "--src-tls-verify=false",
      `docker://${name}:v1`,
      `oci-archive:${file}:v1`,
    );
    const bare = repositoryName("bare");
    const push = await runCli(["push", file, `${inject("registryOpen").host}/${bare}:v1`, "-q"]);
    expect([push.code, push.stderr]).toEqual([0, ""]);
    expect(sha256(await rawManifest(bare, "v1"))).toBe(image.index.digest);

    const named = repositoryName("named");
    const copy = await runCli([
      "copy",
      `oci-archive:${file}:v1`,
      `${inject("registryOpen").host}/${named}:v2`,
      "-q",
    ]);
    expect([copy.code, copy.stderr]).toEqual([0, ""]);
    expect(sha256(await rawManifest(named, "v2"))).toBe(image.index.digest);
  });

  it("writes an OCI archive skopeo reads and copies to the registry with the same digest", async () => {
    const { image, name } = await seeded("to-skopeo");
    const folder = await mkdtemp(join(workspace, "stevedore-"));
    const file = join(folder, "image.tar");
    const pull = await runCli(["pull", `${name}:v1`, file, "--format", "oci-archive", "-q"]);
    expect([pull.code, pull.stderr]).toEqual([0, ""]);
    const raw = await skopeo("inspect", "--raw", `oci-archive:${file}:v1`);
    expect(sha256(Buffer.from(raw))).toBe(image.index.digest);

    const back = repositoryName("back");
    await skopeo(
      "copy",
      "--all",
      "--preserve-digests",
      "--dest-tls-verify=false",
      `oci-archive:${file}:v1`,
      `docker://${inject("registryOpen").host}/${back}:v1`,
    );
    expect(sha256(await rawManifest(back, "v1"))).toBe(image.index.digest);

    // A plain tar of the layout, its documents first.
    const entries = ustarEntries(await readFile(file));
    expect(entries.slice(0, 2).map((entry) => entry.name)).toEqual(["oci-layout", "index.json"]);
    expect(await readdir(folder)).toEqual(["image.tar"]);
  });

  it("reads an archive named with the other archive transport as what it is", async () => {
    const { image, name } = await seeded("other-transport");
    const folder = await mkdtemp(join(workspace, "other-transport-"));
    const oci = join(folder, "image.oci.tar");
    expect((await runCli(["pull", `${name}:v1`, `oci-archive:${oci}`, "-q"])).code).toBe(0);
    // Pushed as a docker archive it was gzip-recompressed under another digest; now as the OCI archive.
    const amd64 = image.children[0]?.manifest.digest;
    for (const transport of ["oci-archive", "docker-archive"]) {
      const repository = repositoryName(transport);
      const push = await runCli([
        "push",
        `${transport}:${oci}`,
        `${inject("registryOpen").host}/${repository}:v1`,
        "--platform",
        "linux/amd64",
        "-q",
      ]);
      expect([push.code, push.stderr]).toEqual([0, ""]);
      expect(sha256(await rawManifest(repository, "v1"))).toBe(amd64);
    }

    // skopeo 1.9 writes docker save archives as Docker < 25 did: manifest.json, no OCI layout.
    const docker = join(folder, "image.docker.tar");
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--override-arch",
      "amd64",
      `docker://${name}:v1`,
      `docker-archive:${docker}:app:v1`,
    );
    const asDocker = await runCli(["digest", `docker-archive:${docker}`]);
    const asOci = await runCli(["digest", `oci-archive:${docker}`]);
    expect([asOci.code, asOci.stdout, asOci.stderr]).toEqual([0, asDocker.stdout, ""]);
    expect(asDocker.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
  });

  it("an interrupted pull into an OCI archive leaves no file and no temp file", async () => {
    const { name } = await seeded("interrupted");
    const folder = await mkdtemp(join(workspace, "interrupted-"));
    const controller = new AbortController();
    const run = await runCli(["pull", `${name}:v1`, `oci-archive:${join(folder, "image.tar")}`], {
      signal: controller.signal,
      onStderr: () => controller.abort(),
    });
    expect(run.code).toBe(ExitCode.interrupted);
    expect(await readdir(folder)).toEqual([]);
  });
});

describe("malformed OCI archives", () => {
  const host = (): string => inject("registryOpen").host;
  /** A valid archive of one image, written by stevedore from the registry. */
  const validArchive = async (): Promise<{ file: string; bytes: Buffer }> => {
    const { name } = await seeded("malformed");
    const file = join(await mkdtemp(join(workspace, "valid-")), "image.tar");
    const pull = await runCli(["pull", `${name}:v1`, `oci-archive:${file}`, "-q"]);
    expect([pull.code, pull.stderr]).toEqual([0, ""]);
    return { file, bytes: await readFile(file) };
  };
  const pushFails = async (file: string, code: number, message: RegExp): Promise<void> => {
    const run = await runCli([
      "push",
      `oci-archive:${file}`,
      `${host()}/${repositoryName("refused")}:v1`,
      "-q",
    ]);
    expect([run.code, run.stderrLines]).toEqual([code, [expect.stringMatching(message)]]);
  };

  it("a truncated tar, a missing index.json, an entry with .. and a forged blob exit 6 with one line", async () => {
    const { bytes } = await validArchive();
    const folder = await mkdtemp(join(workspace, "bad-"));
    const entries = ustarEntries(bytes);
    // Cut inside the data of the entry that ends last: a cut on an entry boundary would leave a shorter,
    // valid tar (and "not found" instead).
    const last = entries.reduce((latest, entry) =>
      entry.offset + entry.size > latest.offset + latest.size ? entry : latest,
    );
    if (last.size < 2) throw new Error("the archive's last entry holds data");
    const truncated = join(folder, "truncated.tar");
    await writeFile(truncated, bytes.subarray(0, last.offset + Math.floor(last.size / 2)));
    await pushFails(truncated, ExitCode.verification, /truncated/);

    const index = entries.find((entry) => entry.name === "index.json");
    if (index === undefined) throw new Error("index.json in the archive");
    // Renaming the header's name field hides index.json (the header checksum is recomputed below).
    const noIndex = Buffer.from(bytes);
    const headerAt = index.offset - 512;
    rewriteName(noIndex, headerAt, "index.jsox");
    await writeFile(join(folder, "no-index.tar"), noIndex);
    await pushFails(join(folder, "no-index.tar"), ExitCode.verification, /index.json is missing/);

    // The archive's first entry (oci-layout) again in front, renamed ../evil.
    const first = Buffer.from(bytes.subarray(0, 1024));
    rewriteName(first, 0, "../evil");
    const evil = Buffer.concat([first, bytes]);
    await writeFile(join(folder, "evil.tar"), evil);
    await pushFails(join(folder, "evil.tar"), ExitCode.verification, /unsafe path/);

    const layer = entries
      .filter((entry) => entry.name.startsWith("blobs/"))
      .sort((a, b) => b.size - a.size)[0];
    if (layer === undefined) throw new Error("a blob in the archive");
    const forged = Buffer.from(bytes);
    forged[layer.offset + 100] = (forged[layer.offset + 100] ?? 0) ^ 0xff;
    await writeFile(join(folder, "forged.tar"), forged);
    await pushFails(join(folder, "forged.tar"), ExitCode.verification, /digest/);

    await pushFails(join(folder, "missing.tar"), ExitCode.notFound, /missing\.tar/);
  });
});

/** The entries of a plain ustar archive (what stevedore writes for short names): name, content offset, size. */
function ustarEntries(bytes: Buffer): { name: string; offset: number; size: number }[] {
  const entries: { name: string; offset: number; size: number }[] = [];
  let at = 0;
  while (at + 512 <= bytes.length && bytes[at] !== 0) {
    const name = bytes.toString("ascii", at, at + 100).replace(/\0.*$/s, "");
    const size = Number.parseInt(
      bytes
        .toString("ascii", at + 124, at + 136)
        .replace(/\0.*$/s, "")
        .trim() || "0",
      8,
    );
    entries.push({ name, offset: at + 512, size });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** Writes `name` into the ustar header at `offset` and recomputes its checksum. */
function rewriteName(bytes: Buffer, offset: number, name: string): void {
  bytes.fill(0, offset, offset + 100);
  bytes.write(name, offset, "ascii");
  bytes.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let index = offset; index < offset + 512; index += 1) sum += bytes[index] ?? 0;
  bytes.write(`${sum.toString(8).padStart(6, "0")}\0 `, offset + 148, "ascii");
}
