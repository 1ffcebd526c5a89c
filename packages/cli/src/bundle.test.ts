/**
 * The bundled `stevedore` (rolldown.config.ts, what `pnpm build` writes to dist/bin.js): bundled here into
 * a temp folder from the sources and the other packages' dist (so `pnpm build` must have run once), then
 * run as a real process. `--version` and `--help` load the entry and the main chunk only: the client
 * chunk (undici and the packages under the client) and the server chunk wait for a command that needs them,
 * and node:http2 and node:tls for a connection that needs them.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "rolldown";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleOptions, slimUndiciExports } from "../rolldown.config.ts";
import { spawnNode } from "./test-support/spawn-node.js";

let directory: string;
const { version: packageVersion } = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
) as { version: string };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-cli-bundle-"));
  await build({ ...bundleOptions(directory), logLevel: "silent" });
}, 60_000);

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  await rm(directory, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/**
 * A plain-HTTP registry on 127.0.0.1 serving `app:v1` (an image of `count` random layers of `size` bytes)
 * and its tag list; its `host:port`.
 */
async function imageRegistry(count: number, size: number): Promise<string> {
  const layers = Array.from({ length: count }, () => gzipSync(randomBytes(size), { level: 0 }));
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }),
  );
  const descriptor = (mediaType: string, bytes: Buffer) => ({
    mediaType,
    digest: sha256(bytes),
    size: bytes.length,
  });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: descriptor("application/vnd.oci.image.config.v1+json", config),
      layers: layers.map((layer) => descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
    }),
  );
  const blobs = new Map([config, ...layers].map((blob) => [sha256(blob), blob]));
  const server = createServer((request, response) => {
    const url = request.url ?? "";
    if (url.endsWith("/tags/list")) return void response.end(JSON.stringify({ name: "app", tags: ["v1"] }));
    if (url.endsWith("/manifests/v1") || url.endsWith(`/manifests/${sha256(manifest)}`)) {
      response.writeHead(200, {
        "content-type": "application/vnd.oci.image.manifest.v1+json",
        "docker-content-digest": sha256(manifest),
        "content-length": manifest.length,
      });
      return void response.end(request.method === "HEAD" ? undefined : manifest);
    }
    const blob = blobs.get(url.slice(url.lastIndexOf("/") + 1));
    if (blob === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { "content-length": blob.length });
    response.end(request.method === "HEAD" ? undefined : blob);
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Runs the bundle with a hook that reports every file of the bundle the process loads. */
async function run(
  argv: string[],
  nodeOptions: string[] = [],
): Promise<{
  code: number | null;
  stdout: string;
  messages: string[];
  loaded: Set<string>;
  builtins: Set<string>;
  newContext: boolean;
}> {
  const trace = `data:text/javascript,${encodeURIComponent(
    `import { registerHooks } from "node:module";
    registerHooks({ resolve(specifier, context, next) {
      const result = next(specifier, context);
      const prefix = ${JSON.stringify(`file://${directory}/`)};
      if (result.url.startsWith(prefix)) process.stderr.write("loaded " + result.url.slice(prefix.length) + "\\n");
      return result;
    } });
    // The chunks are compiled by bin.js's loader (src/load-chunks.ts), not imported: report each compile,
    // and each new V8 context (the young-generation timer's gc).
    const vm = process.getBuiltinModule("node:vm");
    const Script = vm.Script;
    vm.Script = class extends Script {
      constructor(code, options) {
        super(code, options);
        const prefix = ${JSON.stringify(`${directory}/`)};
        const file = options?.filename ?? "";
        if (file.startsWith(prefix)) process.stderr.write("loaded " + file.slice(prefix.length) + "\\n");
      }
    };
    const runInNewContext = vm.runInNewContext;
    vm.runInNewContext = (...args) => {
      process.stderr.write("new-context\\n");
      return runInNewContext(...args);
    };
    process.on("exit", () => {
      for (const entry of process.moduleLoadList) {
        if (entry.startsWith("NativeModule ")) process.stderr.write("builtin " + entry.slice(13) + "\\n");
      }
    });`,
  )}`;
  const { code, stdout, stderr } = await spawnNode(
    ["--import", trace, ...nodeOptions, join(directory, "bin.js"), ...argv],
    { NODE_COMPILE_CACHE: join(directory, "compile-cache") },
  ).exited;
  const lines = stderr.split("\n");
  const after = (prefix: string): Set<string> =>
    new Set(lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length)));
  const messages = lines.filter((line) => line !== "" && !/^(loaded|builtin) |^new-context$/.test(line));
  return {
    code,
    stdout,
    messages,
    loaded: after("loaded "),
    builtins: after("builtin "),
    newContext: lines.includes("new-context"),
  };
}

describe("the bundled stevedore", () => {
  it("answers --version and --help without loading the client or the server chunk", async () => {
    const version = await run(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`stevedore ${packageVersion} (node ${process.version})\n`);
    expect(version.loaded).toContain("bin/main.cjs");
    expect(version.loaded).not.toContain("bin/client.cjs");
    expect(version.loaded).not.toContain("bin/server.cjs");

    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: stevedore COMMAND");
    expect(help.loaded).not.toContain("bin/client.cjs");
    expect(help.loaded).not.toContain("bin/server.cjs");
  });

  it("writes its chunks as ASCII without doc comments, which every start reads whole", async () => {
    const names = (await readdir(join(directory, "bin"))).filter((name) => name.endsWith(".cjs"));
    expect(names).toEqual(expect.arrayContaining(["main.cjs", "client.cjs", "server.cjs"]));
    for (const name of names) {
      const text = await readFile(join(directory, "bin", name));
      // Node decodes text with any other byte into a two-byte string, several times slower.
      expect({ name, ascii: text.every((byte) => byte < 0x80) }).toEqual({ name, ascii: true });
      expect({ name, docComments: text.includes("\n/**") || text.includes("\t/**") }).toEqual({
        name,
        docComments: false,
      });
    }
    // The licence comments of what the bundle carries stay, their other characters escaped.
    const client = await readFile(join(directory, "bin", "client.cjs"), "latin1");
    expect(client).toMatch(/\/\*! formdata-polyfill\. MIT License\. Jimmy W\\u00e4rting/);
  });

  it("tells a Node older than 22.19 which Node it needs in one line, exit 1, before any chunk loads", async () => {
    // This Node, claiming to be Node 20: the bundle must not get as far as the chunks that need Node 22.
    const claim = `data:text/javascript,${encodeURIComponent(
      'Object.defineProperty(process.versions, "node", { value: "20.20.2" });',
    )}`;
    const old = await run(["pull", "alpine", "./alpine"], ["--import", claim]);
    expect(old.code).toBe(1);
    expect(old.stdout).toBe("");
    expect(old.messages).toEqual([
      `stevedore: needs Node.js 22.19.0 or newer, but ${process.execPath} is Node.js 20.20.2: in a stevedore ` +
        "checkout run '. tools/node-env.sh' (it fetches Node 24 into a cache), otherwise install Node.js 24 LTS " +
        `from nodejs.org or the npm package node-${process.platform}-${process.arch}@24`,
    ]);
    expect(old.loaded).toEqual(new Set(["bin.js"]));
  });

  it("loads the client chunk for a command that needs it, and not the server", async () => {
    // An unknown transport fails after the client has parsed the locations: exit 2, nothing sent.
    const copy = await run(["copy", "ftp:x", "oci:y"]);
    expect(copy.code).toBe(2);
    expect(copy.loaded).toContain("bin/client.cjs");
    expect(copy.loaded).not.toContain("bin/server.cjs");
    // HTTP/2 and TLS load with the first connection that needs them (rolldown.config.ts), not at start-up.
    expect(copy.builtins).toContain("http");
    expect(copy.builtins).not.toContain("http2");
    expect(copy.builtins).not.toContain("tls");
  });

  it("asks a plain-HTTP loopback registry whether it speaks TLS without loading node:tls", async () => {
    const host = await imageRegistry(1, 1024);
    const ls = await run(["ls", `${host}/app`, "--debug"]);
    expect([ls.code, ls.stdout]).toEqual([0, "v1\n"]);
    expect(ls.messages).toContain(`debug: TLS hello https://${host}/ does not speak TLS: using plain http`);
    expect(ls.builtins).not.toContain("tls");
  });

  it("loads node:zlib and node:child_process only for a command that compresses or runs a helper", async () => {
    const host = await imageRegistry(1, 1024);
    const digest = await run(["digest", `${host}/app:v1`]);
    expect(digest.code).toBe(0);
    expect(digest.builtins).toContain("net");
    expect(digest.builtins).not.toContain("zlib");
    expect(digest.builtins).not.toContain("child_process");
    // The young-generation timer's gc context (start.ts) waits for a transfer that holds many buffers.
    expect(digest.newContext).toBe(false);
    // A digest of a registry image hashes nothing: node:crypto loads with the first hash (rolldown.config.ts).
    expect(digest.builtins).not.toContain("crypto");
  });

  it("loads node:crypto with the first hash, and no built-in module's unused parts", async () => {
    const host = await imageRegistry(2, 1024);
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-bundle-pull-"));
    try {
      const pull = await run(["pull", `${host}/app:v1`, `oci:${join(destination, "out")}:v1`, "--quiet"]);
      expect(pull.code).toBe(0);
      expect(pull.builtins).toContain("crypto");
      // An ES module import of node:crypto would read every export, WebCrypto's included.
      expect(pull.builtins).not.toContain("internal/crypto/webcrypto");
    } finally {
      await rm(destination, { recursive: true, force: true });
    }
  });

  it("loads the built-ins a digest and a push need before it sets V8's flags, which cost them their code cache", async () => {
    const host = await imageRegistry(2, 1024);
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-bundle-flags-"));
    // Names every built-in module loaded after the first V8 flag set at run time.
    const hook = `data:text/javascript,${encodeURIComponent(
      `const v8 = process.getBuiltinModule("node:v8");
      const set = v8.setFlagsFromString;
      let first;
      v8.setFlagsFromString = (flag) => { first ??= process.moduleLoadList.length; return set(flag); };
      process.on("exit", () => {
        for (const entry of process.moduleLoadList.slice(first ?? Infinity)) {
          if (entry.startsWith("NativeModule ")) process.stderr.write("late " + entry.slice(13) + "\\n");
        }
      });`,
    )}`;
    try {
      const layout = `oci:${join(destination, "out")}:v1`;
      const pull = await run(["pull", `${host}/app:v1`, layout, "--quiet"]);
      expect(pull.code).toBe(0);
      for (const argv of [
        ["digest", `${host}/app:v1`],
        ["push", layout, `${host}/app:v1`, "--quiet"],
      ]) {
        const result = await run(argv, ["--import", hook]);
        expect(result.code).toBe(0);
        expect(result.messages.filter((line) => line.startsWith("late "))).toEqual([]);
      }
    } finally {
      await rm(destination, { recursive: true, force: true });
    }
  });

  it("runs one full collection once a pull holds many buffers, and only one", async () => {
    // 48 MiB in 4 layers: the buffers pass the timer's limits more than once.
    const host = await imageRegistry(4, 12 * 1024 * 1024);
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-bundle-pull-"));
    try {
      const pull = await run(
        ["pull", `${host}/app:v1`, `oci:${join(destination, "out")}:v1`, "--quiet"],
        ["--trace-gc"],
      );
      expect(pull.code).toBe(0);
      // V8 names collections asked for by `gc()` "testing": the timer's minor ones and its one full one.
      const asked = pull.stdout.split("\n").filter((line) => line.includes("testing"));
      expect(asked.filter((line) => line.includes("Mark-Compact"))).toHaveLength(1);
      expect(asked.filter((line) => line.includes("Scavenge")).length).toBeGreaterThan(0);
    } finally {
      await rm(destination, { recursive: true, force: true });
    }
  });

  it("keeps undici's WebAssembly parser on Liftoff: exit never waits for a TurboFan compile", async () => {
    // 16 blobs are enough for V8's default budget to recompile the parser with TurboFan.
    const host = await imageRegistry(16, 512 * 1024);
    const destination = await mkdtemp(join(tmpdir(), "stevedore-cli-bundle-pull-"));
    try {
      const pull = await run(
        ["pull", `${host}/app:v1`, `oci:${join(destination, "out")}:v1`, "--quiet"],
        ["--trace-wasm-compilation-times"],
      );
      expect(pull.code).toBe(0);
      // V8 writes one line per compiled function and tier; the parser is compiled, and never optimised.
      expect(pull.stdout).toContain("using Liftoff");
      expect(pull.stdout).not.toContain("using TurboFan");
    } finally {
      await rm(destination, { recursive: true, force: true });
    }
  });
});

describe("the bundle's undici", () => {
  it("carries one HTTP/1.1 parser, llhttp, and not milo", async () => {
    const chunks = await readdir(join(directory, "bin"));
    const text = (
      await Promise.all(
        chunks
          .filter((name) => name.endsWith(".cjs"))
          .map((name) => readFile(join(directory, "bin", name), "utf8")),
      )
    ).join("\n");
    expect(text).toMatch(/undici[\\/]lib[\\/]llhttp[\\/]llhttp_simd-wasm\.js/);
    expect(text).not.toMatch(/undici[\\/]lib[\\/]milo[\\/]/);
  });

  it("offers every name the packages import from undici, and every interceptor they use", async () => {
    const packages = fileURLToPath(new URL("../../", import.meta.url));
    const imported = new Set<string>();
    const interceptors = new Set<string>();
    for (const entry of await readdir(packages, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      if (
        !entry.isFile() ||
        !/[\\/]src[\\/].*\.ts$/.test(path) ||
        /\.test\.ts$|test-support|node_modules/.test(path)
      )
        continue;
      const text = await readFile(path, "utf8");
      for (const match of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"undici"/g)) {
        for (const part of (match[1] ?? "").split(",")) {
          const name = part.trim();
          if (name !== "" && !name.startsWith("type ")) imported.add(name.split(/\s+as\s+/)[0] ?? name);
        }
      }
      if (/from\s*"undici"/.test(text)) {
        for (const match of text.matchAll(/\binterceptors\.(\w+)/g)) interceptors.add(match[1] ?? "");
      }
    }
    // The scan finds what the transport imports today (so this test can fail when that grows).
    expect(imported).toContain("Agent");
    expect(interceptors).toContain("retry");
    for (const name of imported) expect(slimUndiciExports.names).toContain(name);
    for (const name of interceptors) expect(slimUndiciExports.interceptors).toContain(name);
  });
});
