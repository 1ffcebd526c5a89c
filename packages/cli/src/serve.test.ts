/**
 * `stevedore serve` through `main()`: the CLI pushes to and pulls from the registry it serves, every
 * request is one log line, auth flags work end to end, bad flags are usage errors, and aborting the signal
 * (what SIGINT does in start.ts) closes the server with exit 0. The crash test is in serve.int.test.ts.
 */
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLayoutBlobs, useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";
import { serveInProcess } from "./test-support/serve-in-process.js";

// `htpasswd -nbB -C 5 alice s3cret`
const htpasswd = "alice:$2y$05$GSbDqIN8xfeBh4XUlrF3/eic4Rsmza5m9Vt8hrDZcBGeZfU5YQTFi\n";
const banner = /^serving http:\/\/127\.0\.0\.1:\d+ \((memory|directory [^,]+), auth (none|basic|token)\)$/;
const requestLine = /^(GET|HEAD|PUT|POST|PATCH|DELETE) \/\S* \d{3}$/;

const local = useTestLayout(
  "stevedore-serve-",
  { label: "serve", layerSize: 32 * 1024 },
  beforeAll,
  afterAll,
);

async function file(name: string, contents: string): Promise<string> {
  const path = join(local.workspace, name);
  await writeFile(path, contents);
  return path;
}

const push = (target: string, extra: string[] = [], stdin?: string) =>
  runCli(["push", `oci:${local.layout}:v1`, target, "--platform", "all", "--quiet", ...extra], {
    ...(stdin === undefined ? {} : { stdin }),
  });

describe("stevedore serve", () => {
  it("serves a push and a pull, logs one line per request, and exits 0 when interrupted", async () => {
    const serving = await serveInProcess(["--port", "0"]);
    expect(serving.stderr()).toMatch(/^serving http:\/\/127\.0\.0\.1:\d+ \(memory, auth none\)\n/);

    const pushed = await push(`${serving.host}/demo/app:v1`);
    expect([pushed.code, pushed.stderr]).toEqual([0, ""]);
    const pulled = join(local.workspace, "pulled");
    const pull = await runCli(["pull", `${serving.host}/demo/app:v1`, pulled, "--platform", "all", "-q"]);
    expect(pull.code).toBe(0);
    const blobs = await readLayoutBlobs(pulled);
    for (const [digest, blob] of local.image.blobs) {
      expect(Buffer.from(blobs.get(digest) ?? []).equals(Buffer.from(blob.bytes))).toBe(true);
    }
    // Three requests of our own, so the count of their lines is known.
    expect((await fetch(`${serving.url}/v2/`)).status).toBe(200);
    expect((await fetch(`${serving.url}/v2/logged/repo/manifests/v9?x=1`)).status).toBe(404);
    expect((await fetch(`${serving.url}/v2/logged/repo/tags/list`, { method: "DELETE" })).status).toBe(405);

    const run = await serving.stop();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    const lines = run.stderrLines;
    expect(lines[0]).toMatch(banner);
    expect(lines.at(-1)).toBe(`stopped serving ${serving.url}`);
    const requests = lines.slice(1, -1);
    for (const line of requests) expect(line).toMatch(requestLine);
    expect(requests).toContain("PUT /v2/demo/app/manifests/v1 201");
    expect(requests).toContain(`GET /v2/demo/app/blobs/${local.image.children[0]?.layers[0]?.digest} 200`);
    expect(requests.filter((line) => line.includes("/logged/"))).toEqual([
      "GET /v2/logged/repo/manifests/v9 404",
      "DELETE /v2/logged/repo/tags/list 405",
    ]);
  });

  it("--dir keeps the content across a restart", async () => {
    const directory = join(local.workspace, "registry");
    const first = await serveInProcess(["--port", "0", "--dir", directory]);
    expect(first.stderr().split("\n")[0]).toBe(`serving ${first.url} (directory ${directory}, auth none)`);
    expect((await push(`${first.host}/kept/app:v1`)).code).toBe(0);
    expect((await first.stop()).code).toBe(0);

    const second = await serveInProcess(["--port", "0", "--dir", directory]);
    const digest = await runCli(["digest", `${second.host}/kept/app:v1`]);
    expect([digest.code, digest.stdout]).toEqual([0, `${local.image.index.digest}\n`]);
    const layer = local.image.children[1]?.layers[0];
    const blob = await runCli(["blob", `${second.host}/kept/app@${layer?.digest}`]);
    expect(blob.stdoutBytes.equals(Buffer.from(layer?.bytes ?? []))).toBe(true);
    expect((await second.stop()).code).toBe(0);
  });

  it("--htpasswd: Basic auth; the password never shows in the log", async () => {
    const serving = await serveInProcess(["--port", "0", "--htpasswd", await file("htpasswd", htpasswd)]);
    expect(serving.stderr()).toContain(", auth basic)\n");
    const refused = await runCli(["manifest", `${serving.host}/private/app:v1`]);
    expect(refused.code).toBe(ExitCode.authentication);
    const wrong = await push(`${serving.host}/private/app:v1`, ["-u", "alice", "--password-stdin"], "nope");
    expect(wrong.code).toBe(ExitCode.authentication);
    const pushed = await push(
      `${serving.host}/private/app:v1`,
      ["-u", "alice", "--password-stdin"],
      "s3cret",
    );
    expect(pushed.code).toBe(0);
    const run = await serving.stop();
    expect(run.stderr).toContain("PUT /v2/private/app/manifests/v1 201");
    expect(run.stderr).toContain("GET /v2/private/app/manifests/v1 401");
    expect(run.stderr).not.toMatch(/s3cret|nope|authorization/i);
  });

  it("--token-users: every listed user may push; --anonymous-pull lets anyone pull, not push", async () => {
    const users = await file("users.txt", "# users\nalice:s3cret\n\nbob:pass:with:colons\n");
    const serving = await serveInProcess(["--port", "0", "--token-users", users, "--anonymous-pull"]);
    expect(serving.stderr()).toContain(", auth token)\n");
    const target = `${serving.host}/team/app:v1`;
    const pushed = await push(target, ["-u", "bob", "--password-stdin"], "pass:with:colons");
    expect(pushed.code).toBe(0);
    const anonymous = await runCli(["manifest", target]);
    expect(anonymous.code).toBe(0);
    expect(anonymous.stdoutBytes.equals(Buffer.from(local.image.index.bytes))).toBe(true);
    const anonymousPush = await push(`${serving.host}/team/other:v1`);
    expect(anonymousPush.code).toBe(ExitCode.authentication);
    const run = await serving.stop();
    expect(run.stderr).toContain("GET /token 200");
    expect(run.stderr).not.toContain("pass:with:colons");

    const closed = await serveInProcess(["--port", "0", "--token-users", users]);
    const refused = await runCli(["manifest", `${closed.host}/team/app:v1`]);
    expect(refused.code).toBe(ExitCode.authentication);
    expect((await closed.stop()).code).toBe(0);
  });

  it("--max-uploads: a new upload past the limit gets 429 with Retry-After (default: --upload-timeout 15)", async () => {
    const serving = await serveInProcess(["--port", "0", "--max-uploads", "2", "--quiet"]);
    const post = () => fetch(`${serving.url}/v2/app/blobs/uploads/`, { method: "POST" });
    expect((await post()).status).toBe(202);
    expect((await post()).status).toBe(202);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(15 * 60);
    expect((await serving.stop()).code).toBe(0);
  });

  it("--referrers-page-size: the referrers API answers that many per page; stevedore referrers lists all", async () => {
    const serving = await serveInProcess(["--port", "0", "--referrers-page-size", "1", "--quiet"]);
    const config = Buffer.from("{}");
    const configDigest = `sha256:${createHash("sha256").update(config).digest("hex")}`;
    const upload = await fetch(`${serving.url}/v2/art/blobs/uploads/?digest=${configDigest}`, {
      method: "POST",
      body: config,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(upload.status).toBe(201);
    const putManifest = async (tag: string, fields: Record<string, unknown>): Promise<string> => {
      const body = JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: configDigest, size: config.length },
        layers: [],
        ...fields,
      });
      const response = await fetch(`${serving.url}/v2/art/manifests/${tag}`, {
        method: "PUT",
        body,
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      });
      expect(response.status).toBe(201);
      return body;
    };
    const base = await putManifest("base", {});
    const subject = {
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest: `sha256:${createHash("sha256").update(base).digest("hex")}`,
      size: Buffer.byteLength(base),
    };
    await putManifest("one", { artifactType: "application/vnd.example.one", subject });
    await putManifest("two", { artifactType: "application/vnd.example.two", subject });

    const first = await fetch(`${serving.url}/v2/art/referrers/${subject.digest}`);
    expect(((await first.json()) as { manifests: unknown[] }).manifests).toHaveLength(1);
    expect(first.headers.get("link")).toMatch(/rel="next"/);
    const listed = await runCli(["referrers", `${serving.host}/art@${subject.digest}`, "--json"]);
    expect(listed.code).toBe(0);
    const text = JSON.stringify(listed.json());
    expect(text).toContain("application/vnd.example.one");
    expect(text).toContain("application/vnd.example.two");
    expect((await serving.stop()).code).toBe(0);
  });

  it("--quiet drops the request lines; --json prints the address as the result", async () => {
    const serving = await serveInProcess(["--port", "0", "--quiet", "--json"]);
    expect((await fetch(`${serving.url}/v2/`)).status).toBe(200);
    const run = await serving.stop();
    expect(run.code).toBe(0);
    expect(run.stderrLines).toEqual([`serving ${serving.url} (memory, auth none)`]);
    expect(run.json()).toEqual([
      { type: "result", command: "serve", url: serving.url, storage: "memory", auth: "none" },
    ]);
  });

  it("a port in use is a network error (exit 5) with one line that suggests --port", async () => {
    const serving = await serveInProcess(["--port", "0"]);
    const port = serving.url.split(":").at(-1) ?? "";
    const run = await runCli(["serve", "--port", port]);
    expect(run.code).toBe(ExitCode.network);
    expect(run.stderrLines).toEqual([
      `stevedore: serve: cannot listen on 127.0.0.1:${port}: the port is already in use ` +
        "(choose another port with --port N, or --port 0 for any free port)",
    ]);
    expect((await serving.stop()).code).toBe(0);
  });

  it.each([
    ["a port out of range", ["--port", "65536"], ExitCode.usage, /--port "65536" is not a port number/],
    ["a port that is no number", ["--port", "http"], ExitCode.usage, /--port "http" is not a port number/],
    ["a negative port", ["--port=-1"], ExitCode.usage, /--port "-1" is not a port number/],
    [
      "both auth modes",
      ["--port=0", "--htpasswd", "x", "--token-users", "y"],
      ExitCode.usage,
      /cannot be combined/,
    ],
    [
      "--anonymous-pull alone",
      ["--port=0", "--anonymous-pull"],
      ExitCode.usage,
      /--anonymous-pull needs --token-users/,
    ],
    [
      "a missing htpasswd file",
      ["--port=0", "--htpasswd", "/nonexistent-never/htpasswd"],
      ExitCode.notFound,
      /does not exist/,
    ],
    ["an empty --host", ["--port=0", "--host", ""], ExitCode.usage, /--host is empty/],
    [
      "a referrers page size of 0",
      ["--port=0", "--referrers-page-size", "0"],
      ExitCode.usage,
      /--referrers-page-size "0" is not a number from 1 to 10000/,
    ],
    [
      "a referrers page size that is no number",
      ["--port=0", "--referrers-page-size=ten"],
      ExitCode.usage,
      /--referrers-page-size "ten" is not a number from 1 to 10000/,
    ],
    [
      "an upload timeout of 0",
      ["--port=0", "--upload-timeout", "0"],
      ExitCode.usage,
      /--upload-timeout "0" is not a number of minutes from 1 to 10080/,
    ],
    [
      "a --max-uploads that is no number",
      ["--port=0", "--max-uploads=all"],
      ExitCode.usage,
      /--max-uploads "all" is not a number from 1 to 10000/,
    ],
  ])("%s is refused before listening", async (_name, argv, code, message) => {
    // If a case wrongly started listening, the run would never end and the test would time out.
    const run = await runCli(["serve", ...argv]);
    expect(run.code).toBe(code);
    expect(run.stderrLines).toEqual([expect.stringMatching(message)]);
  });

  it("malformed auth files and a --dir that is a file are usage errors naming no secret", async () => {
    const md5 = await file("md5.htpasswd", "alice:$apr1$abcdefgh$0123456789abcdefghijkl\n");
    const users = await file("bad-users.txt", "alice:ok\nsecret-sentinel-without-colon\n");
    const notDirectory = await file("plain-file", "x");
    const cases: [string[], RegExp][] = [
      [["--htpasswd", md5], /htpasswd line 1 uses a hash this server cannot check/],
      [["--token-users", users], /--token-users line 2 is not user:password/],
      [["--token-users", await file("empty-users.txt", "# nobody\n")], /names no user/],
      [["--dir", notDirectory], /--dir .*plain-file cannot be used: not a directory/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(["serve", "--port", "0", ...argv]);
      expect(run.code).toBe(ExitCode.usage);
      expect(run.stderrLines).toEqual([expect.stringMatching(message)]);
      expect(run.stderr).not.toContain("sentinel");
    }
  });

  it("serve's flags do not apply to other commands", async () => {
    const run = await runCli(["ls", "127.0.0.1:9/app", "--dir", "x"]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderrLines).toEqual([expect.stringMatching(/--dir does not apply to 'stevedore ls'/)]);
  });
});
