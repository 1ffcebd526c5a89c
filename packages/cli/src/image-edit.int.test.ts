/**
 * append, mutate, flatten, export and get-file against distribution 2.8 and `stevedore serve`, read back
 * by independent tools: skopeo (configs, copies with digest checks), umoci (unpacks the result), GNU tar and
 * gzip (layer contents).
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { runCli } from "./test-support/fake-io.js";
import { type ServingCli, serveInProcess } from "./test-support/serve-in-process.js";
import { skopeo } from "./test-support/skopeo.js";

const run = promisify(execFile);
const open = inject("registryOpen");
const local = useTestLayout("stevedore-image-edit-", { label: "edit" }, beforeAll, afterAll);
let serving: ServingCli;

beforeAll(async () => {
  serving = await serveInProcess(["--port", "0"]);
});

afterAll(async () => {
  await serving?.stop();
});

/** A directory with a script and a private file, every time stamped `time`. */
async function appDirectory(time: Date): Promise<string> {
  const path = join(local.workspace, `app-${randomUUID().slice(0, 8)}`);
  await mkdir(join(path, "bin"), { recursive: true });
  await writeFile(join(path, "bin", "run"), "#!/bin/sh\necho run\n");
  await chmod(join(path, "bin", "run"), 0o755);
  await writeFile(join(path, "secret.conf"), "key=value\n");
  await chmod(join(path, "secret.conf"), 0o600);
  for (const item of ["bin/run", "secret.conf", "bin", ""]) await utimes(join(path, item), time, time);
  return path;
}

async function inspectConfig(reference: string, arch: string): Promise<Record<string, any>> {
  return JSON.parse(
    (
      await skopeo(
        "inspect",
        "--config",
        "--tls-verify=false",
        "--override-arch",
        arch,
        `docker://${reference}`,
      )
    ).toString(),
  );
}

async function cli(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string; digest: string }> {
  const result = await runCli(argv);
  return {
    code: result.code,
    stdout: result.stdout,
    stderr: result.stderr,
    digest: result.stdout.split(" ")[1]?.trim() ?? "",
  };
}

describe.each([
  ["distribution 2.8", () => open.host],
  ["stevedore serve", () => serving.host],
])("image edits on %s", (_name, host) => {
  let repository: string;
  beforeAll(async () => {
    repository = `${host()}/edit/app-${randomUUID().slice(0, 8)}`;
    const push = await runCli(["push", `oci:${local.layout}:v1`, `${repository}:base`, "--quiet"]);
    expect(push.code).toBe(0);
  });

  it("append adds a directory to both platforms: skopeo sees the diff_ids, umoci the files and modes", async () => {
    const append = await cli([
      "append",
      `${repository}:base`,
      "--layer",
      `${await appDirectory(new Date(1e12))}:/app`,
      "-t",
      `${repository}:app`,
    ]);
    expect(append.code, append.stderr).toBe(0);
    for (const arch of ["amd64", "arm64"]) {
      const before = await inspectConfig(`${repository}:base`, arch);
      const after = await inspectConfig(`${repository}:app`, arch);
      expect(after.rootfs.diff_ids.slice(0, -1)).toEqual(before.rootfs.diff_ids);
      expect(after.rootfs.diff_ids).toHaveLength(before.rootfs.diff_ids.length + 1);
      // The new diff ID is the sha256 of the gunzipped layer skopeo downloads (digest-checked).
      const copy = join(local.workspace, `copy-${arch}-${randomUUID().slice(0, 8)}`);
      await skopeo(
        "copy",
        "--src-tls-verify=false",
        "--override-arch",
        arch,
        `docker://${repository}:app`,
        `oci:${copy}:app`,
      );
      const index = JSON.parse(await readFile(join(copy, "index.json"), "utf8"));
      const manifest = JSON.parse(
        await readFile(join(copy, "blobs", ...index.manifests[0].digest.split(":")), "utf8"),
      );
      const top = manifest.layers.at(-1);
      expect(top.mediaType).toBe("application/vnd.oci.image.layer.v1.tar+gzip");
      const tar = gunzipSync(await readFile(join(copy, "blobs", ...top.digest.split(":"))));
      expect(`sha256:${createHash("sha256").update(tar).digest("hex")}`).toBe(after.rootfs.diff_ids.at(-1));
      const bundle = join(local.workspace, `bundle-${arch}-${randomUUID().slice(0, 8)}`);
      await run("umoci", ["unpack", "--rootless", "--image", `${copy}:app`, bundle]);
      const rootfs = join(bundle, "rootfs");
      expect((await readdir(join(rootfs, "app"))).sort()).toEqual(["bin", "secret.conf"]);
      expect((await stat(join(rootfs, "app", "bin", "run"))).mode & 0o7777).toBe(0o755);
      expect((await stat(join(rootfs, "app", "secret.conf"))).mode & 0o7777).toBe(0o600);
      expect(await readFile(join(rootfs, "app", "bin", "run"), "utf8")).toBe("#!/bin/sh\necho run\n");
      expect(await readFile(join(rootfs, "base.bin"))).toHaveLength(2048);
    }
  });

  it("append gives the same digest for the same files with other times on disk", async () => {
    const first = await cli([
      "append",
      `${repository}:base`,
      "--layer",
      `${await appDirectory(new Date(1e12))}:/app`,
      "-t",
      `${repository}:same-1`,
    ]);
    const second = await cli([
      "append",
      `${repository}:base`,
      "--layer",
      `${await appDirectory(new Date(1.7e12))}:/app`,
      "-t",
      `${repository}:same-2`,
    ]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(second.digest).toBe(first.digest);
  });

  it("mutate changes the named config keys on both platforms and nothing else", async () => {
    const mutate = await cli([
      "mutate",
      `${repository}:base`,
      "--label",
      "org.example.added=yes",
      "--label",
      "org.example.label-",
      "--env",
      "MODE=production",
      "--entrypoint",
      '["/app/bin/run"]',
      "--user",
      "1000",
      "--expose",
      "8080",
      "--index-annotation",
      "org.opencontainers.image.version=2.0",
      "-t",
      `${repository}:mutated`,
    ]);
    expect(mutate.code, mutate.stderr).toBe(0);
    for (const arch of ["amd64", "arm64"]) {
      const before = await inspectConfig(`${repository}:base`, arch);
      const after = await inspectConfig(`${repository}:mutated`, arch);
      const { "org.example.label": _removed, ...kept } = before.config.Labels;
      expect(after.config).toEqual({
        ...before.config,
        Labels: { ...kept, "org.example.added": "yes" },
        Env: ["MODE=production"],
        Entrypoint: ["/app/bin/run"],
        User: "1000",
        ExposedPorts: { "8080/tcp": {} },
      });
      const { config: _a, ...restBefore } = before;
      const { config: _b, ...restAfter } = after;
      expect(restAfter).toEqual(restBefore);
    }
    const index = JSON.parse(
      (await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${repository}:mutated`)).toString(),
    );
    expect(index.annotations["org.opencontainers.image.version"]).toBe("2.0");
    // The attestation entry is not an image: kept as it was.
    const original = JSON.parse(
      (await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${repository}:base`)).toString(),
    );
    expect(index.manifests[2]).toEqual(original.manifests[2]);
  });

  it("export, get-file and flatten honour a deleted file and a replaced directory", async () => {
    const lower = join(local.workspace, `lower-${randomUUID().slice(0, 8)}`);
    await mkdir(join(lower, "etc"), { recursive: true });
    await mkdir(join(lower, "data", "sub"), { recursive: true });
    await writeFile(join(lower, "etc", "motd"), "welcome");
    await writeFile(join(lower, "etc", "hostname"), "lower");
    await writeFile(join(lower, "data", "old"), "old");
    await writeFile(join(lower, "data", "sub", "deep"), "deep");
    const upper = join(local.workspace, `upper-${randomUUID().slice(0, 8)}`);
    await mkdir(join(upper, "etc"), { recursive: true });
    await mkdir(join(upper, "data"), { recursive: true });
    await writeFile(join(upper, "etc", ".wh.motd"), "");
    await writeFile(join(upper, "data", ".wh..wh..opq"), "");
    await writeFile(join(upper, "data", "new"), "new");
    const built = await cli([
      "append",
      `${repository}:base`,
      "--layer",
      lower,
      "--layer",
      upper,
      "-t",
      `${repository}:layered`,
      "--platform",
      "linux/amd64",
    ]);
    expect(built.code, built.stderr).toBe(0);
    const reference = `${repository}:layered`;
    const exported = join(local.workspace, `rootfs-${randomUUID().slice(0, 8)}.tar`);
    const exportRun = await cli(["export", reference, "--platform", "linux/amd64", "-o", exported]);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const { stdout } = await run("tar", ["-tf", exported]);
    expect(stdout.trim().split("\n").sort()).toEqual([
      "app.bin",
      "base.bin",
      "data/",
      "data/new",
      "etc/",
      "etc/hostname",
    ]);
    const hostname = await runCli(["get-file", reference, "/etc/hostname", "--platform", "linux/amd64"]);
    expect([hostname.code, hostname.stdout]).toEqual([0, "lower"]);
    for (const gone of ["/etc/motd", "/data/old", "/data/sub/deep"]) {
      const missing = await runCli(["get-file", reference, gone, "--platform", "linux/amd64"]);
      expect([missing.code, missing.stdout]).toEqual([3, ""]);
      expect(missing.stderrLines).toHaveLength(1);
      expect(missing.stderr).toContain(`${gone} is not in the image`);
    }
    const flat = await cli(["flatten", reference, "-t", `${repository}:flat`, "--platform", "linux/amd64"]);
    expect(flat.code, flat.stderr).toBe(0);
    const config = await inspectConfig(`${repository}:flat`, "amd64");
    expect(config.rootfs.diff_ids).toHaveLength(1);
    const flatExport = await runCli(["export", `${repository}:flat`, "--platform", "linux/amd64"]);
    const flatFile = join(local.workspace, `flat-${randomUUID().slice(0, 8)}.tar`);
    await writeFile(flatFile, flatExport.stdoutBytes);
    expect((await run("tar", ["-tf", flatFile])).stdout.trim().split("\n").sort()).toEqual(
      stdout.trim().split("\n").sort(),
    );
  });

  it("push of a docker archive skopeo wrote sends gzip layers, diff_ids kept, that skopeo and umoci read", async () => {
    const archive = join(local.workspace, `save-${randomUUID().slice(0, 8)}.tar`);
    await skopeo(
      "copy",
      "--src-tls-verify=false",
      "--override-arch",
      "arm64",
      `docker://${repository}:base`,
      `docker-archive:${archive}:saved/app:v1`,
    );
    const push = await runCli(["push", `docker-archive:${archive}`, `${repository}:from-archive`, "--quiet"]);
    expect(push.code, push.stderr).toBe(0);
    const raw = JSON.parse(
      (
        await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${repository}:from-archive`)
      ).toString(),
    );
    expect(raw.layers.map((layer: { mediaType: string }) => layer.mediaType)).toEqual([
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
      "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ]);
    const config = await inspectConfig(`${repository}:from-archive`, "arm64");
    expect(config.rootfs.diff_ids).toEqual(
      (await inspectConfig(`${repository}:base`, "arm64")).rootfs.diff_ids,
    );
    const copy = join(local.workspace, `pulled-${randomUUID().slice(0, 8)}`);
    await skopeo("copy", "--src-tls-verify=false", `docker://${repository}:from-archive`, `oci:${copy}:v1`);
    const index = JSON.parse(await readFile(join(copy, "index.json"), "utf8"));
    const manifest = JSON.parse(
      await readFile(join(copy, "blobs", ...index.manifests[0].digest.split(":")), "utf8"),
    );
    for (const [position, layer] of manifest.layers.entries()) {
      const tar = gunzipSync(await readFile(join(copy, "blobs", ...layer.digest.split(":"))));
      expect(`sha256:${createHash("sha256").update(tar).digest("hex")}`).toBe(
        config.rootfs.diff_ids[position],
      );
    }
    const bundle = join(local.workspace, `archive-bundle-${randomUUID().slice(0, 8)}`);
    await run("umoci", ["unpack", "--rootless", "--image", `${copy}:v1`, bundle]);
    expect((await readdir(join(bundle, "rootfs"))).sort()).toEqual(["app.bin", "base.bin"]);
    expect(await readFile(join(bundle, "rootfs", "base.bin"))).toHaveLength(2048);
    // append on the archive: its base layers go up gzip-compressed too, the new layer on top.
    const appended = await runCli([
      "append",
      `docker-archive:${archive}`,
      "--layer",
      await appDirectory(new Date()),
      "-t",
      `${repository}:archive-app`,
      "--quiet",
    ]);
    expect(appended.code, appended.stderr).toBe(0);
    const appendedRaw = JSON.parse(
      (
        await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${repository}:archive-app`)
      ).toString(),
    );
    expect(
      appendedRaw.layers.map((layer: { mediaType: string; digest: string }) => [
        layer.mediaType,
        layer.digest,
      ]),
    ).toEqual([
      ...raw.layers.map((layer: { mediaType: string; digest: string }) => [layer.mediaType, layer.digest]),
      ["application/vnd.docker.image.rootfs.diff.tar.gzip", appendedRaw.layers[2].digest],
    ]);
    const plain = await runCli([
      "push",
      `docker-archive:${archive}`,
      `${repository}:plain`,
      "--compression",
      "none",
      "--quiet",
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    const plainRaw = JSON.parse(
      (await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${repository}:plain`)).toString(),
    );
    expect(plainRaw.layers[0].mediaType).toBe("application/vnd.docker.image.rootfs.diff.tar");
  });
});

describe("append beyond one repository", () => {
  it("into another repository of stevedore serve mounts the base's blobs and never downloads them", async () => {
    const from = `${serving.host}/edit/base-${randomUUID().slice(0, 8)}`;
    const to = `${serving.host}/edit/out-${randomUUID().slice(0, 8)}`;
    expect((await runCli(["push", `oci:${local.layout}:v1`, `${from}:v1`, "--quiet"])).code).toBe(0);
    const logStart = serving.stderr().length;
    const append = await cli([
      "append",
      `${from}:v1`,
      "--layer",
      await appDirectory(new Date()),
      "-t",
      `${to}:v1`,
    ]);
    expect(append.code, append.stderr).toBe(0);
    const log = serving.stderr().slice(logStart).split("\n");
    const fromPath = from.slice(serving.host.length);
    expect(log.filter((line) => line.startsWith(`GET /v2${fromPath}/blobs/`))).toEqual([]);
    // The request log drops query strings: a mount is a POST answered 201 (an upload session gets 202).
    const mounts = log.filter(
      (line) => line === `POST /v2${to.slice(serving.host.length)}/blobs/uploads/ 201`,
    );
    expect(mounts).toHaveLength(8);
    const config = await inspectConfig(`${to}:v1`, "arm64");
    expect(config.rootfs.diff_ids).toHaveLength(3);
  });

  it("into oci:DIR from a registry, with SOURCE_DATE_EPOCH as the file time, zstd on request", async () => {
    const base = `${open.host}/edit/to-layout-${randomUUID().slice(0, 8)}`;
    expect((await runCli(["push", `oci:${local.layout}:v1`, `${base}:v1`, "--quiet"])).code).toBe(0);
    const out = join(local.workspace, `out-${randomUUID().slice(0, 8)}`);
    const append = await runCli(
      [
        "append",
        `${base}:v1`,
        "--layer",
        `${await appDirectory(new Date())}:/srv`,
        "-t",
        `oci:${out}:v2`,
        "--compression",
        "zstd",
      ],
      { env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" } },
    );
    expect(append.code, append.stderr).toBe(0);
    const index = JSON.parse(await readFile(join(out, "index.json"), "utf8"));
    expect(
      index.manifests.map(
        (entry: { annotations?: Record<string, string> }) =>
          entry.annotations?.["org.opencontainers.image.ref.name"],
      ),
    ).toEqual(["v2"]);
    const top = JSON.parse(
      await readFile(join(out, "blobs", ...index.manifests[0].digest.split(":")), "utf8"),
    );
    const amd64 = top.manifests.find(
      (entry: { platform?: { architecture: string } }) => entry.platform?.architecture === "amd64",
    );
    const manifest = JSON.parse(await readFile(join(out, "blobs", ...amd64.digest.split(":")), "utf8"));
    expect(manifest.layers.at(-1).mediaType).toBe("application/vnd.oci.image.layer.v1.tar+zstd");
    const exported = await runCli(["export", `oci:${out}:v2`, "--platform", "linux/amd64"]);
    expect(exported.code, exported.stderr).toBe(0);
    const file = join(local.workspace, `zstd-export-${randomUUID().slice(0, 8)}.tar`);
    await writeFile(file, exported.stdoutBytes);
    const listing = (await run("tar", ["--utc", "-tvf", file])).stdout;
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 +19 2023-11-14 22:13 srv\/bin\/run/);
    const config = JSON.parse(
      await readFile(join(out, "blobs", ...manifest.config.digest.split(":")), "utf8"),
    );
    // The test image's config has no history, so none is started for one layer (it would not match).
    expect(config.history).toBeUndefined();
    expect(config.rootfs.diff_ids).toHaveLength(3);
  });

  it("a missing --layer path is exit 3 before any registry is contacted", async () => {
    // Nothing listens on port 1: reaching the registry would be exit 5.
    const missing = join(local.workspace, "no-such-dir");
    const result = await runCli([
      "append",
      "127.0.0.1:1/app:v1",
      "--layer",
      missing,
      "-t",
      "127.0.0.1:1/app:v2",
    ]);
    expect([result.code, result.stdout]).toEqual([3, ""]);
    expect(result.stderrLines).toHaveLength(1);
    expect(result.stderr).toContain(`${missing} does not exist`);
  });
});
