/**
 * `stevedore` against the real CNCF distribution registry 2.8 (tools/registry/global-setup.ts), through
 * `main()` with fake streams. Test images are built and seeded with the client's test helpers, which use
 * Node's crypto, zlib and fetch only, never the code under test.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestImage,
  startCuttingProxy,
  type TestImage,
  useTemporaryDirectory,
  useTestLayout,
  writeTestLayout,
} from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { describeFaithfulFlows } from "./test-support/describe-faithful-flows.js";
import { describeRegistryFlows } from "./test-support/describe-registry-flows.js";
import { runCli } from "./test-support/fake-io.js";

const open = inject("registryOpen");
const local = useTestLayout("stevedore-cli-", { label: "cli" }, beforeAll, afterAll);

const repository = (name: string): string => `${open.host}/cli/${name}-${randomUUID().slice(0, 8)}`;
const arm64 = (): TestImage["children"][number] => {
  const child = local.image.children[1];
  if (child === undefined) throw new Error("test image has two children");
  return child;
};

function expectOneErrorLine(stderrLines: string[], pattern: RegExp): void {
  expect(stderrLines).toHaveLength(1);
  expect(stderrLines[0]).toMatch(/^stevedore: [^\n]+: [^\n]+ \([^\n]+\)$/);
  expect(stderrLines[0]).toMatch(pattern);
}

// The flows every registry must pass (push, ls, digest, manifest, config, blob, inspect, pull, tag, copy,
// delete, catalog, not-found exits) are shared with the embedded registry's suite.
describeRegistryFlows("distribution 2.8 (open)", () => open);
describeFaithfulFlows("distribution 2.8 (open): faithful by default (issue 12)", () => open, {
  untag: false,
});

describe("distribution 2.8: what the shared flows leave out", () => {
  let name: string;
  beforeAll(async () => {
    name = repository("app");
    const run = await runCli(["push", `oci:${local.layout}:v1`, `${name}:v1`, "--platform", "all"]);
    expect(run.stderr).toMatch(/^blob sha256:[0-9a-f]{12}… \d+(\.\d)? (B|KiB) transferred$/m);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `${name}:v1 ${local.image.index.digest} (${local.image.blobs.size - 4} transferred, 0 skipped, 0 mounted; ${run.stdout.split("; ")[1]}`,
    );
  });

  it("ls of a repository the registry does not know exits 3 with one line", async () => {
    const ls = await runCli(["ls", repository("never-pushed")]);
    expect([ls.code, ls.stdout]).toEqual([3, ""]);
    expectOneErrorLine(ls.stderrLines, /not found \(NAME_UNKNOWN\)/);
  });

  it("ls --json lists the tags; pull names the layout it wrote on stdout", async () => {
    const ls = await runCli(["ls", name, "--json"]);
    expect(ls.code).toBe(0);
    expect(ls.json()[0]?.tags).toEqual(["v1"]);
    const folder = join(local.workspace, `pull-${randomUUID().slice(0, 8)}`);
    const pull = await runCli(["pull", `${name}:v1`, folder, "--platform", "linux/amd64", "--quiet"]);
    expect(pull.code).toBe(0);
    expect(pull.stdout).toContain(`oci:${folder}`);
  });

  it("inspect gives the chosen image's creation time and labels, as JSON and as text", async () => {
    const run = await runCli(["inspect", `${name}:v1`, "--platform", "linux/arm64", "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()[0]).toMatchObject({
      image: {
        platform: { os: "linux", architecture: "arm64" },
        created: "2024-05-01T12:00:00Z",
        labels: { "org.example.platform": "linux/arm64", "org.example.label": "cli" },
      },
    });
    const text = await runCli(["inspect", `${name}:v1`, "--platform", "linux/arm64"]);
    expect(text.stdout).toContain(`Digest:      ${local.image.index.digest}`);
    expect(text.stdout).toMatch(/^Platforms: {3}2$/m);
    expect(text.stdout).toContain("org.example.label=cli");
  });

  it("cp --platform linux/arm64 --json reports the image and platform it copied", async () => {
    const destination = repository("arm");
    const run = await runCli([
      "cp",
      `${name}:v1`,
      `${destination}:v1`,
      "--platform",
      "linux/arm64",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const { outcomes } = run.json().at(-1) as { outcomes: { digest: string; platforms: unknown[] }[] };
    expect(outcomes).toEqual([
      expect.objectContaining({
        digest: arm64().manifest.digest,
        platforms: [{ os: "linux", architecture: "arm64", variant: "v8" }],
      }),
    ]);
    const inspect = await runCli(["inspect", `${destination}:v1`, "--json"]);
    expect(inspect.json()[0]).toMatchObject({
      digest: arm64().manifest.digest,
      image: { platform: { os: "linux", architecture: "arm64" } },
    });
    expect(inspect.json()[0]?.platforms).toBeUndefined();
  });

  it("referrers on a registry without the referrers API: none, through the tag schema", async () => {
    const run = await runCli(["referrers", `${name}:v1`, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual([
      { type: "result", command: "referrers", reference: `${name}:v1`, referrers: [] },
    ]);
  });
});

describe("--json and progress output", () => {
  it("push --json: events one per line, then the result last", async () => {
    const name = repository("json");
    const run = await runCli(["push", `oci:${local.layout}:v1`, `${name}:v1`, "--json", "--platform", "all"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    const lines = run.json();
    const result = lines.at(-1);
    expect(result).toMatchObject({
      type: "result",
      command: "push",
      outcomes: [{ digest: local.image.index.digest, destination: `${name}:v1` }],
    });
    const types = new Set(lines.slice(0, -1).map((line) => line.type));
    expect(types).toContain("blob-done");
    expect(types).toContain("manifest-done");
    for (const type of types)
      expect(["blob-start", "blob-progress", "blob-done", "manifest-done", "copy-done"]).toContain(type);
  });

  it("a terminal gets redrawn bars on stderr, the result still on stdout", async () => {
    const name = repository("tty");
    const run = await runCli(["push", `oci:${local.layout}:v1`, `${name}:v1`, "--platform", "all"], {
      isTTY: true,
      columns: 100,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("\u001b[");
    expect(run.stderr).toMatch(/blobs {2}/);
    expect(run.stdout).toContain(local.image.index.digest);
  });
});

describe("failures the shared flows leave out", () => {
  const missing = `${open.host}/cli/missing-${randomUUID().slice(0, 8)}`;

  it("an inspect of a missing tag exits 3 with one line", async () => {
    const run = await runCli(["inspect", `${missing}:v1`]);
    expect(run.code).toBe(ExitCode.notFound);
    expectOneErrorLine(run.stderrLines, /check the name, tag, digest or path/);
  });

  it("the error line names the command and the reference", async () => {
    const run = await runCli(["digest", `${missing}:gone`]);
    expect(run.code).toBe(ExitCode.notFound);
    expectOneErrorLine(run.stderrLines, /^stevedore: digest [^:]+:\d+\/cli\/missing-[0-9a-f]+:gone: /);
  });

  it("a push from a missing layout", async () => {
    const run = await runCli(["push", join(local.workspace, "no-such-layout"), `${missing}:v1`]);
    expect(run.code).toBe(ExitCode.notFound);
    expectOneErrorLine(run.stderrLines, /no-such-layout/);
  });

  it("a connection refused is a network error (exit 5)", async () => {
    const run = await runCli(["digest", "127.0.0.1:9/app:v1"]);
    expect(run.code).toBe(ExitCode.network);
    expectOneErrorLine(run.stderrLines, /^stevedore: digest 127\.0\.0\.1:9\/app:v1: /);
  });
});

describe("credentials against the token registry", () => {
  const token = inject("registryToken");
  const password = token.users.alice ?? "alice-password";
  const dockerConfig = useTemporaryDirectory("stevedore-cli-docker-", beforeAll, afterAll);
  const env = (): Record<string, string> => ({ DOCKER_CONFIG: dockerConfig.path, HOME: dockerConfig.path });
  const target = (): string => `${token.host}/team/cli-${randomUUID().slice(0, 8)}:v1`;

  // `manifest` (GET), not `digest` (HEAD): see bin.test.ts for HEAD refusals, which need the process guard.
  it("reading without credentials is refused (exit 4)", async () => {
    const run = await runCli(["manifest", target()], { env: env() });
    expect(run.code).toBe(ExitCode.authentication);
    expectOneErrorLine(run.stderrLines, /stevedore login/);
  });

  it("-u with --password-stdin pushes without storing anything", async () => {
    const run = await runCli(
      ["push", `oci:${local.layout}:v1`, target(), "-u", "alice", "--password-stdin", "--debug"],
      {
        env: env(),
        stdin: `${password}\n`,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("debug: ");
    expect(run.stdout + run.stderr).not.toContain(password);
    await expect(readdir(dockerConfig.path)).resolves.toEqual([]);
  });

  it("a wrong password fails login with exit 4 and is never printed", async () => {
    const wrong = "wrong-sentinel-password";
    const run = await runCli(["login", token.host, "-u", "alice", "--password-stdin", "--debug"], {
      env: env(),
      stdin: wrong,
    });
    expect(run.code).toBe(ExitCode.authentication);
    // --debug: request traces and a stack besides the one error line.
    expect(run.stderrLines.filter((line) => line.startsWith("stevedore: "))).toEqual([
      expect.stringMatching(/^stevedore: login 127\.0\.0\.1:\d+: .*\(log in with/),
    ]);
    expect(run.stdout + run.stderr).not.toContain(wrong);
  });

  it("login stores the credentials, push uses them, logout removes them", async () => {
    const login = await runCli(["login", token.host, "-u", "alice", "--password-stdin"], {
      env: env(),
      stdin: `${password}\n`,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toBe(
      `Login succeeded: ${token.host} (credentials stored in ${join(dockerConfig.path, "config.json")})\n`,
    );
    const config = JSON.parse(await readFile(join(dockerConfig.path, "config.json"), "utf8")) as {
      auths: Record<string, { auth: string }>;
    };
    expect(Buffer.from(config.auths[token.host]?.auth ?? "", "base64").toString()).toBe(`alice:${password}`);

    const pushed = target();
    const push = await runCli(["push", `oci:${local.layout}:v1`, pushed, "--quiet", "--platform", "all"], {
      env: env(),
    });
    expect([push.code, push.stderr]).toEqual([0, ""]);

    const logout = await runCli(["logout", token.host], { env: env() });
    expect(logout.code).toBe(0);
    expect(logout.stdout).toMatch(/^Removed the credentials of /);
    const again = await runCli(["logout", token.host], { env: env() });
    expect(again.stdout).toMatch(/^No credentials stored for /);
    const refused = await runCli(["manifest", pushed], { env: env() });
    expect(refused.code).toBe(ExitCode.authentication);
    const withFlags = await runCli(["digest", pushed, "-u", "alice", "--password-stdin"], {
      env: env(),
      stdin: password,
    });
    expect([withFlags.code, withFlags.stdout]).toEqual([0, `${local.image.index.digest}\n`]);
  });

  it("a broken Docker config is a credential error (exit 4)", async () => {
    const broken = await mkdtemp(join(tmpdir(), "stevedore-cli-broken-"));
    await writeFile(join(broken, "config.json"), "{ not json");
    const run = await runCli(["manifest", `${token.host}/team/app:v1`], { env: { DOCKER_CONFIG: broken } });
    await rm(broken, { recursive: true, force: true });
    expect(run.code).toBe(ExitCode.authentication);
    expect(run.stderrLines).toHaveLength(1);
  });
});

// Issue 13, point 1, as a user meets it: distribution invalidates an upload session whose PUT was cut
// (404 BLOB_UPLOAD_INVALID on its URL); the push opens a new one, and when every attempt is cut it exits 5
// (network), never 3 (not found).
describe("stevedore push to distribution 2.8 over a connection cut mid-PUT", () => {
  let big: TestImage;
  let bigLayout: string;
  beforeAll(async () => {
    big = createTestImage({ layerSize: 3_000_000 });
    bigLayout = join(local.workspace, "big-layout");
    await writeTestLayout(bigLayout, big, "v1");
  });

  it("lands the image byte-exact when the first blob PUT is cut at 1 MB", { timeout: 60_000 }, async () => {
    const proxy = await startCuttingProxy(open.url, { nth: 1, afterBytes: 1_000_000, method: "PUT" });
    const name = `cli/cut-${randomUUID().slice(0, 8)}`;
    try {
      const run = await runCli(["push", `oci:${bigLayout}:v1`, `${proxy.host}/${name}:v1`, "--quiet"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(ExitCode.ok);
    } finally {
      await proxy.close();
    }
    expect(proxy.exchanges.filter(([method, status]) => method === "PUT" && status === 0)).toHaveLength(1);
    const response = await fetch(`${open.url}/v2/${name}/manifests/v1`, {
      headers: { accept: big.index.mediaType },
    });
    expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), big.index.bytes)).toBe(0);
    for (const blob of big.blobs.values()) {
      const kind = /manifest|index/.test(blob.mediaType) ? "manifests" : "blobs";
      const stored = await fetch(`${open.url}/v2/${name}/${kind}/${blob.digest}`, {
        headers: { accept: blob.mediaType },
      });
      expect(Buffer.compare(Buffer.from(await stored.arrayBuffer()), blob.bytes)).toBe(0);
    }
  });

  it("exits 5 with one line, not 3, when every blob PUT is cut", { timeout: 60_000 }, async () => {
    const proxy = await startCuttingProxy(open.url, {
      nth: 1,
      every: true,
      afterBytes: 1_000_000,
      method: "PUT",
    });
    const name = `cli/cut-${randomUUID().slice(0, 8)}`;
    try {
      const run = await runCli(["push", `oci:${bigLayout}:v1`, `${proxy.host}/${name}:v1`, "--quiet"]);
      expect(run.code).toBe(ExitCode.network);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toMatch(/^stevedore: push .*failed after \d+ attempts/);
      expect(run.stderrLines[0]).not.toContain("check the name, tag, digest or path");
    } finally {
      await proxy.close();
    }
  });
});
