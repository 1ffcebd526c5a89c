/**
 * The real `stevedore` process (src/bin.ts run from source through the loader hooks): SIGINT during a pull
 * exits 130 after cleanup, and errors stay one line. A scripted registry on 127.0.0.1 tells the test when
 * the child is mid-transfer, so no sleep is needed to time the signal.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { closeSync, constants, openSync } from "node:fs";
import { lstat, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createTestImage, writeTestLayout } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type SpawnedNode, spawnNode } from "./test-support/spawn-node.js";

const hooks = fileURLToPath(new URL("./test-support/source-hooks.ts", import.meta.url));
const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));

/** Runs src/bin.ts from source (through the loader hooks) with these Node flags and arguments. */
function startCli(argv: string[], nodeOptions: string[] = []): SpawnedNode {
  return spawnNode(["--import", hooks, ...nodeOptions, bin, ...argv]);
}

const servers: Server[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * A registry on 127.0.0.1 with one image `app:v1` whose 256 KiB layer stops after half its bytes until
 * `serveWhole()` is called; `midTransfer` resolves once the half has been written to the socket.
 */
async function stallingRegistry(): Promise<{
  host: string;
  layerDigest: string;
  midTransfer: Promise<void>;
  serveWhole(): void;
}> {
  const layer = gzipSync(randomBytes(256 * 1024), { level: 0 });
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: sha256(config),
        size: config.length,
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: sha256(layer),
          size: layer.length,
        },
      ],
    }),
  );
  let stalled: () => void = () => {};
  const midTransfer = new Promise<void>((resolve) => {
    stalled = resolve;
  });
  let whole = false;
  const host = await serve((request, response) => {
    const url = request.url ?? "";
    if (url === "/v2/") return void response.end("{}");
    if (url.endsWith("/manifests/v1") || url.endsWith(`/manifests/${sha256(manifest)}`)) {
      response.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha256(manifest),
        "content-length": manifest.length,
      });
      return void response.end(request.method === "HEAD" ? undefined : manifest);
    }
    if (url.endsWith(`/blobs/${sha256(config)}`)) {
      response.writeHead(200, { "content-length": config.length });
      return void response.end(config);
    }
    if (url.endsWith(`/blobs/${sha256(layer)}`)) {
      response.writeHead(200, { "content-length": layer.length });
      if (whole) return void response.end(layer);
      // Half the layer, then nothing: the pull is stuck mid-blob until it is interrupted.
      response.write(layer.subarray(0, layer.length / 2), () => stalled());
      return;
    }
    response.writeHead(404, { "content-type": "application/json" });
    response.end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN" }] }));
  });
  return {
    host,
    layerDigest: sha256(layer),
    midTransfer,
    serveWhole: () => {
      whole = true;
    },
  };
}

describe("the stevedore process", () => {
  it("SIGINT during a pull aborts, cleans up and exits 130 with one line", async () => {
    const { host, midTransfer } = await stallingRegistry();
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-sigint-"));
    directories.push(destination);

    const { child, exited } = startCli(["pull", `${host}/app:v1`, join(destination, "out"), "--quiet"]);
    await midTransfer;
    child.kill("SIGINT");
    const result = await exited;

    expect(result.signal).toBeNull();
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `stevedore: pull ${host}/app:v1 ${join(destination, "out")}: interrupted`,
    ]);
    // No partial blob is left: every file under blobs/ is complete and named by its digest.
    for (const file of await listFiles(join(destination, "out"))) {
      const path = relative(join(destination, "out"), file);
      if (path === "oci-layout" || path === "index.json") continue;
      expect(path).toMatch(/^blobs\/sha256\/[0-9a-f]{64}$/);
      expect(sha256(await readFile(file))).toBe(`sha256:${path.slice("blobs/sha256/".length)}`);
    }
  });

  it("kill -9 mid-pull leaves a temp file that the next pull into the layout removes", async () => {
    const { host, layerDigest, midTransfer, serveWhole } = await stallingRegistry();
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-kill-"));
    directories.push(destination);
    const out = join(destination, "out");
    const blobs = join(out, "blobs", "sha256");
    const temporaryFiles = async (): Promise<string[]> =>
      (await readdir(blobs).catch(() => [] as string[])).filter((name) => name.endsWith(".tmp"));

    const { child, exited } = startCli(["pull", `${host}/app:v1`, out, "--quiet"]);
    await midTransfer;
    // The child has the half layer in hand once the layer's temp file exists (a blob as small as the config
    // gets no temp file until it has all arrived); kill it without a chance to clean up.
    const layerTemporary = `.${layerDigest.slice("sha256:".length)}.`;
    while (!(await temporaryFiles()).some((name) => name.startsWith(layerTemporary)))
      await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    const left = await temporaryFiles();
    expect(left.length).toBeGreaterThan(0);
    for (const name of left) {
      expect(name).toMatch(new RegExp(`^\\.[0-9a-f]{64}\\.[0-9a-f]{8}-${child.pid}-[0-9a-f]{12}\\.tmp$`));
    }

    serveWhole();
    const again = await startCli(["pull", `${host}/app:v1`, out, "--quiet"]).exited;
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(await temporaryFiles()).toEqual([]);
    for (const name of await readdir(blobs)) {
      expect(sha256(await readFile(join(blobs, name)))).toBe(`sha256:${name}`);
    }
  }, 30_000);

  it("serve --dir killed with -9 over three rounds leaves no upload files after the next start", async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-cli-serve-kill-"));
    directories.push(directory);
    const uploads = join(directory, "uploads");
    for (let round = 0; round < 3; round++) {
      const { child, exited } = startCli(["serve", "--port", "0", "--dir", directory, "--quiet"]);
      let banner = "";
      const url = await new Promise<string>((resolve) => {
        child.stderr.on("data", (text: string) => {
          banner += text;
          const match = /^serving (http:\/\/\S+) \(/m.exec(banner);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
      });
      // A start sweeps what the previous round left: nothing of it is there any more.
      expect(await readdir(uploads).catch(() => [])).toEqual([]);
      for (let upload = 0; upload < 5; upload++) {
        const post = await fetch(`${url}/v2/app/blobs/uploads/`, { method: "POST" });
        expect(post.status).toBe(202);
        const patch = await fetch(new URL(post.headers.get("location") ?? "", url), {
          method: "PATCH",
          body: randomBytes(4096),
          headers: { "content-type": "application/octet-stream" },
        });
        expect(patch.status).toBe(202);
      }
      expect(await readdir(uploads)).toHaveLength(5);
      child.kill("SIGKILL");
      expect((await exited).signal).toBe("SIGKILL");
      expect(await readdir(uploads)).toHaveLength(5);
    }
  }, 60_000);

  it("SIGINT during a push cancels the upload session and exits 130", async () => {
    const layout = await mkdtemp(join(tmpdir(), "stevedore-cli-push-"));
    directories.push(layout);
    await writeTestLayout(layout, createTestImage(), "v1");
    const requests: string[] = [];
    let stalled: () => void = () => {};
    const midUpload = new Promise<void>((resolve) => {
      stalled = resolve;
    });
    const host = await serve((request, response) => {
      const url = request.url ?? "";
      requests.push(`${request.method} ${url.replace(/\?.*$/, "")}`);
      if (url === "/v2/") return void response.end("{}");
      if (request.method === "POST" && url.startsWith("/v2/app/blobs/uploads/")) {
        response.writeHead(202, {
          location: `/v2/app/blobs/uploads/session-${requests.length}`,
          range: "0-0",
        });
        return void response.end();
      }
      if (
        (request.method === "PUT" || request.method === "PATCH") &&
        url.includes("/blobs/uploads/session-")
      ) {
        // Take the body and never answer: the upload is in flight until the signal.
        request.resume();
        stalled();
        return;
      }
      if (request.method === "DELETE" && url.includes("/blobs/uploads/session-")) {
        response.writeHead(204);
        return void response.end();
      }
      response.writeHead(404, { "content-type": "application/json" });
      response.end(
        request.method === "HEAD" ? undefined : JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN" }] }),
      );
    });

    const { child, exited } = startCli(["push", layout, `${host}/app:v1`, "--quiet", "--concurrency", "1"]);
    await midUpload;
    child.kill("SIGINT");
    const result = await exited;

    expect(result.code).toBe(130);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `stevedore: push ${layout} ${host}/app:v1: interrupted`,
    ]);
    const sessions = requests.filter((line) => /^(PUT|PATCH) /.test(line)).map((line) => line.split(" ")[1]);
    expect(sessions).toHaveLength(1);
    expect(requests).toContain(`DELETE ${sessions[0]}`);
  });

  it("an authentication failure on a HEAD request exits 4 with one line, no crash", async () => {
    const host = await serve((request, response) => {
      response.writeHead(401, {
        "www-authenticate": 'Basic realm="test"',
        "content-type": "application/json",
      });
      response.end(
        request.method === "HEAD" ? undefined : JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }),
      );
    });
    const result = await startCli(["digest", `${host}/app:v1`]).exited;
    expect(result.code).toBe(4);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(
        new RegExp(`^stevedore: digest ${host}/app:v1: .*authentication required.*\\(log in with`),
      ),
    ]);
  });

  it("ends with its output whole while the registry keeps the connection open", async () => {
    // A manifest larger than a pipe holds, so stdout is written in parts while the reader catches up.
    const annotations = Object.fromEntries(
      Array.from({ length: 4000 }, (_, index) => [`org.example.note.${index}`, "x".repeat(200)]),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: {
          mediaType: "application/vnd.oci.image.config.v1+json",
          digest: `sha256:${"c".repeat(64)}`,
          size: 2,
        },
        layers: [],
        annotations,
      }),
    );
    const opened: Socket[] = [];
    const host = await serve((request, response) => {
      if (request.url !== "/v2/app/manifests/v1") {
        response.writeHead(404, { "content-type": "application/json" });
        return void response.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
      }
      response.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha256(manifest),
        "content-length": manifest.length,
      });
      response.end(request.method === "HEAD" ? undefined : manifest);
    });
    // The server would keep an idle connection for a minute: the process must not wait for it.
    const server = servers.at(-1)!;
    server.keepAliveTimeout = 60_000;
    server.on("connection", (socket: Socket) => opened.push(socket));
    const result = await startCli(["manifest", `${host}/app:v1`]).exited;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(manifest.toString("utf8"));
    expect(opened.length).toBeGreaterThan(0);
  });

  it("SIGTERM while an archive waits for a reader of a named pipe exits 130 and leaves the pipe", async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-cli-fifo-"));
    directories.push(directory);
    await writeTestLayout(join(directory, "layout"), createTestImage(), "v1");
    const pipe = join(directory, "pipe");
    execFileSync("mkfifo", [pipe]);
    const { child, exited } = startCli([
      "copy",
      `oci:${join(directory, "layout")}:v1`,
      `oci-archive:${pipe}`,
    ]);
    // Progress ends with the tagged root: the copy into the staging layout is done, the archive is next.
    await untilOutput(child.stderr, /^manifest \S+ v1$/m);
    child.kill("SIGTERM");
    const result = await exited;
    expect(result.code).toBe(130);
    expect(result.stderr.trimEnd().split("\n").at(-1)).toBe(
      `stevedore: copy oci:${join(directory, "layout")}:v1 oci-archive:${pipe}: interrupted`,
    );
    expect((await lstat(pipe)).isFIFO()).toBe(true);
  });

  it("a cleanup stuck writing to a pipe nobody reads stops 5 s after SIGTERM, by the signal", async () => {
    const directory = await mkdtemp(join(tmpdir(), "stevedore-cli-stuck-"));
    directories.push(directory);
    // More than a pipe holds, so the write blocks once the reader stops reading.
    await writeTestLayout(join(directory, "layout"), createTestImage({ layerSize: 1024 * 1024 }), "v1");
    const pipe = join(directory, "pipe");
    execFileSync("mkfifo", [pipe]);
    const reader = openSync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const { child, exited } = startCli([
        "copy",
        `oci:${join(directory, "layout")}:v1`,
        `oci-archive:${pipe}`,
      ]);
      await untilOutput(child.stderr, /^manifest \S+ v1$/m);
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGTERM");
      const result = await exited;
      expect(result.signal).toBe("SIGTERM");
      expect(result.stderr.trimEnd().split("\n").at(-1)).toBe(
        "stevedore: interrupted; stopped before the cleanup finished",
      );
    } finally {
      closeSync(reader);
    }
  });

  it("version answers without loading the client", async () => {
    // A second hook, after the source hooks, reports every workspace package the process loads.
    const trace = `data:text/javascript,${encodeURIComponent(
      `import { registerHooks } from "node:module";
      registerHooks({ resolve(specifier, context, next) {
        const result = next(specifier, context);
        const match = /\\/packages\\/([a-z-]+)\\/src\\//.exec(result.url);
        if (match) process.stderr.write("loaded " + match[1] + "\\n");
        return result;
      } });`,
    )}`;
    const version = await startCli(["--version"], ["--import", trace]).exited;
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^stevedore \d+\.\d+\.\d+ \(node v\d+/);
    expect(new Set(version.stderr.trim().split("\n"))).toEqual(new Set(["loaded cli", "loaded core"]));
    // The same trace sees the client once a command needs it (so the check above can fail).
    const copy = await startCli(["copy", "ftp:x", "oci:y"], ["--import", trace]).exited;
    expect(copy.stderr).toContain("loaded client\n");
  });
});

/** Resolves once the text read from `stream` so far matches `pattern` (the stream is left open). */
function untilOutput(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: unknown): void => {
      seen += String(chunk);
      if (!pattern.test(seen)) return;
      stream.off("data", onData);
      resolve();
    };
    stream.on("data", onData);
    stream.once("end", () => reject(new Error(`the output ended without ${pattern}: ${seen}`)));
  });
}

async function listFiles(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else files.push(path);
  }
  return files;
}
