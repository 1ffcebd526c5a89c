/**
 * HTTPS on loopback (issue 12, point 5): distribution 2.8 serving TLS on 127.0.0.1 with a self-signed
 * certificate made by openssl. Every command reaches it with --ca-file (or --insecure) and no other flag:
 * the transport tries HTTPS first on a loopback host and keeps to plain HTTP only when the server does not
 * speak TLS — which the plain-HTTP registry of the same run shows, without flags and with one probe.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningRegistry, startRegistry } from "../../../tools/registry/start-registry.ts";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const open = inject("registryOpen");
let tls: RunningRegistry;
let caFile: string;
const local = useTestLayout("stevedore-cli-tls-", { label: "tls" }, beforeAll, afterAll);
let name: string;

const repository = (host: string, label: string): string =>
  `${host}/tls/${label}-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  tls = await startRegistry({ mode: "open", tls: true });
  caFile = tls.caFile ?? "";
  name = repository(tls.host, "app");
  const push = await runCli(["push", `oci:${local.layout}:v1`, `${name}:v1`, "--ca-file", caFile, "-q"]);
  expect([push.code, push.stderr]).toEqual([0, ""]);
});

afterAll(async () => {
  await tls?.stop();
});

describe("a TLS registry on 127.0.0.1 with --ca-file", () => {
  const ca = (): string[] => ["--ca-file", caFile];

  it("ls, digest, manifest, config, blob and inspect read it", async () => {
    const ls = await runCli(["ls", name, ...ca()]);
    expect([ls.code, ls.stdout]).toEqual([0, "v1\n"]);
    const digest = await runCli(["digest", `${name}:v1`, ...ca()]);
    expect([digest.code, digest.stdout]).toEqual([0, `${local.image.index.digest}\n`]);
    const manifest = await runCli(["manifest", `${name}:v1`, ...ca()]);
    expect(manifest.stdoutBytes.equals(Buffer.from(local.image.index.bytes))).toBe(true);
    const arm64 = local.image.children[1];
    const config = await runCli(["config", `${name}:v1`, "--platform", "linux/arm64", ...ca()]);
    expect(config.stdoutBytes.equals(Buffer.from(arm64?.config.bytes ?? []))).toBe(true);
    const layer = arm64?.layers[0];
    const blob = await runCli(["blob", `${name}@${layer?.digest}`, ...ca()]);
    expect(blob.stdoutBytes.equals(Buffer.from(layer?.bytes ?? []))).toBe(true);
    const inspect = await runCli(["inspect", `${name}:v1`, "--json", ...ca()]);
    expect([inspect.code, inspect.stderr]).toEqual([0, ""]);
    expect(JSON.stringify(inspect.json())).toContain(local.image.index.digest);
  });

  it("pull, tag, referrers, catalog and delete work on it", async () => {
    const pulled = join(local.workspace, `pulled-${randomUUID().slice(0, 8)}`);
    const pull = await runCli(["pull", `${name}:v1`, pulled, "-q", ...ca()]);
    expect([pull.code, pull.stderr]).toEqual([0, ""]);
    expect(await readdir(pulled)).toContain("index.json");
    const tag = await runCli(["tag", `${name}:v1`, "v2", ...ca()]);
    expect(tag.code).toBe(0);
    const referrers = await runCli(["referrers", `${name}:v1`, ...ca()]);
    expect([referrers.code, referrers.stderr]).toEqual([0, ""]);
    const catalog = await runCli(["catalog", tls.host, ...ca()]);
    expect(catalog.code).toBe(0);
    expect(catalog.stdout.split("\n")).toContain(name.slice(tls.host.length + 1));
    const other = repository(tls.host, "deleted");
    expect((await runCli(["copy", `${name}:v1`, `${other}:v1`, "-q", ...ca()])).code).toBe(0);
    const deleted = await runCli(["delete", `${other}:v1`, ...ca()]);
    expect([deleted.code, deleted.stderr]).toEqual([0, ""]);
    expect((await runCli(["digest", `${other}:v1`, ...ca()])).code).toBe(ExitCode.notFound);
  });

  it("the image edits (mutate, flatten, export) and untag reach it too", async () => {
    const edited = repository(tls.host, "edited");
    const mutate = await runCli(["mutate", `${name}:v1`, "--user", "1000", "-t", `${edited}:user`, ...ca()]);
    expect([mutate.code, mutate.stderr]).toEqual([0, ""]);
    const flatten = await runCli(["flatten", `${name}:v1`, "-t", `${edited}:flat`, ...ca()]);
    expect([flatten.code, flatten.stderr]).toEqual([0, ""]);
    const rootfs = join(local.workspace, `rootfs-${randomUUID().slice(0, 8)}.tar`);
    const exported = await runCli([
      "export",
      `${name}:v1`,
      "--platform",
      "linux/amd64",
      "-o",
      rootfs,
      ...ca(),
    ]);
    expect([exported.code, exported.stderr]).toEqual([0, ""]);
    // distribution 2.8 does not delete a tag alone: the refusal it answered over HTTPS is reported.
    const untag = await runCli(["untag", `${edited}:flat`, ...ca()]);
    expect(untag.code).toBe(ExitCode.error);
    expect(untag.stderr).toMatch(
      new RegExp(`DELETE https://${tls.host.replace(/\./g, "\\.")}/\\S+/manifests/flat answered 400`),
    );
  });

  it("append, get-file, artifact push and pull, attach and index create reach it too", async () => {
    const made = repository(tls.host, "made");
    const folder = await mkdtemp(join(local.workspace, "files-"));
    await writeFile(join(folder, "hello.txt"), "hello over TLS\n");
    const append = await runCli([
      "append",
      `${name}:v1`,
      "--layer",
      `${folder}:/app`,
      "-t",
      `${made}:app`,
      "-q",
      ...ca(),
    ]);
    expect([append.code, append.stderr]).toEqual([0, ""]);
    const file = await runCli([
      "get-file",
      `${made}:app`,
      "/app/hello.txt",
      "--platform",
      "linux/arm64",
      ...ca(),
    ]);
    expect([file.code, file.stdout]).toEqual([0, "hello over TLS\n"]);
    const sbom = join(folder, "sbom.json");
    await writeFile(sbom, '{"sbom":true}');
    const artifact = await runCli([
      "artifact",
      "push",
      `${made}:sbom`,
      `${sbom}:application/spdx+json`,
      "-q",
      ...ca(),
    ]);
    expect([artifact.code, artifact.stderr]).toEqual([0, ""]);
    const out = join(folder, "out");
    const pulled = await runCli(["artifact", "pull", `${made}:sbom`, "-o", out, "-q", ...ca()]);
    expect([pulled.code, pulled.stderr]).toEqual([0, ""]);
    expect(await readFile(join(out, "sbom.json"), "utf8")).toBe('{"sbom":true}');
    const attach = await runCli([
      "attach",
      `${name}:v1`,
      `${sbom}:application/spdx+json`,
      "--artifact-type",
      "application/spdx+json",
      "-q",
      ...ca(),
    ]);
    expect([attach.code, attach.stderr]).toEqual([0, ""]);
    const referrers = await runCli(["referrers", `${name}:v1`, ...ca()]);
    expect(referrers.stdout).toContain("application/spdx+json");
    const amd64 = local.image.children[0]?.manifest.digest;
    const index = await runCli(["index", "create", `${made}:index`, `${name}@${amd64}`, "-q", ...ca()]);
    expect([index.code, index.stderr]).toEqual([0, ""]);
  });

  it("copy goes to and from a plain-HTTP registry on loopback, keeping the digest", async () => {
    const plain = repository(open.host, "from-tls");
    const there = await runCli(["copy", `${name}:v1`, `${plain}:v1`, "-q", ...ca()]);
    expect([there.code, there.stderr]).toEqual([0, ""]);
    const back = repository(tls.host, "from-plain");
    const again = await runCli(["copy", `${plain}:v1`, `${back}:v1`, "-q", ...ca()]);
    expect([again.code, again.stderr]).toEqual([0, ""]);
    expect((await runCli(["digest", `${back}:v1`, ...ca()])).stdout).toBe(`${local.image.index.digest}\n`);
  });

  it("login and logout go to it", async () => {
    const dockerConfig = await mkdtemp(join(local.workspace, "docker-"));
    const env = { DOCKER_CONFIG: dockerConfig, HOME: dockerConfig };
    const login = await runCli(["login", tls.host, "-u", "alice", "--password-stdin", ...ca()], {
      env,
      stdin: "any-password",
    });
    expect([login.code, login.stderr]).toEqual([0, ""]);
    const logout = await runCli(["logout", tls.host, ...ca()], { env });
    expect([logout.code, logout.stderr]).toEqual([0, ""]);
  });
});

describe("a TLS registry on 127.0.0.1 without --ca-file", () => {
  it("is a certificate error (exit 5) that suggests --ca-file, not plain HTTP", async () => {
    const run = await runCli(["digest", `${name}:v1`]);
    expect(run.code).toBe(ExitCode.network);
    expect(run.stderrLines).toEqual([
      expect.stringMatching(
        /certificate.*\(pass --ca-file FILE for a private CA, or --insecure to skip TLS verification\)$/,
      ),
    ]);
  });

  it("--insecure reaches it", async () => {
    const run = await runCli(["digest", `${name}:v1`, "--insecure"]);
    expect([run.code, run.stdout]).toEqual([0, `${local.image.index.digest}\n`]);
  });

  it("--plain-http forces plain HTTP, which a TLS server refuses", async () => {
    const run = await runCli(["digest", `${name}:v1`, "--plain-http", "--debug", "--ca-file", caFile]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`http://${tls.host}/v2/`);
    expect(run.stderr).not.toContain("speaks TLS");
  });
});

describe("a plain-HTTP registry on 127.0.0.1", () => {
  it("works without flags; HTTPS is tried once per host, then plain HTTP is kept", async () => {
    const source = repository(open.host, "plain");
    const push = await runCli(["push", `oci:${local.layout}:v1`, `${source}:v1`, "-q", "--debug"]);
    expect(push.code).toBe(0);
    const probes = push.stderr.split("\n").filter((line) => line.includes("does not speak TLS"));
    expect(probes).toEqual([
      expect.stringMatching(
        new RegExp(
          `^debug: TLS hello https://${open.host.replace(/\./g, "\\.")}/ does not speak TLS: using plain http$`,
        ),
      ),
    ]);
    expect(push.stderr).not.toMatch(/"?(GET|HEAD|PUT|POST|PATCH) https:\/\/[^ ]+ (2|4)\d\d /);
  });
});
