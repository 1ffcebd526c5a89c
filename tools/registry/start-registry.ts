import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import { defaultUsers, type TokenPolicy } from "../token-server/default-policy.ts";
import { type RunningTokenServer, startTokenServer } from "../token-server/start-token-server.ts";
import type { RecordedRequest } from "./counting-proxy.ts";
import { createTlsCertificate } from "./create-tls-certificate.ts";
import { findFreePort } from "./find-free-port.ts";
import { type RegistryAuthConfig, registryConfig, type S3StorageConfig } from "./registry-config.ts";
import { writeHtpasswdFile } from "./write-htpasswd-file.ts";

/** `open`: no auth; `htpasswd`: Basic auth; `token`: Bearer tokens from a token server in this process. */
export type RegistryMode = "open" | "htpasswd" | "token";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  mode: RegistryMode;
  /** Users and passwords for `htpasswd` and `token` modes; {@link defaultUsers} when absent. */
  users?: Record<string, string>;
  /** The token server's policy (`token` mode); `defaultPolicy` when absent. */
  policy?: TokenPolicy;
  /** The loopback port; a free one when absent or 0 (then a lost race for the port is retried). */
  port?: number;
  /** Token lifetime in seconds (`token` mode). */
  tokenExpiresIn?: number;
  /** The registry binary; `docker-registry` from PATH when absent. */
  command?: string;
  /** How long to wait for `GET /v2/` to answer, in milliseconds. Default 15000. */
  startTimeout?: number;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (made with openssl); see `caFile`. */
  tls?: boolean;
  /** Record every request from the registry's access log; see `RunningRegistry.accessLog`. */
  accessLog?: boolean;
  /** Keep blobs in this S3 bucket, with redirects to presigned URLs (see `startS3Registry`). */
  s3?: S3StorageConfig;
}

/**
 * The requests a registry answered, read from its access log (one line each, written after the answer):
 * what the benchmark reports as requests per operation without a proxy in the path.
 */
export interface AccessLog {
  /** Every request logged since the start or the last {@link reset}, in log order. */
  readonly requests: RecordedRequest[];
  reset(): void;
  /**
   * Resolves once no line has come for `quiet` milliseconds (default 150), at most after 5 s: the registry
   * logs a request after it answered, so the last lines of a client's run may arrive after the client exited.
   */
  settle(quiet?: number): Promise<void>;
}

/** A distribution registry process on 127.0.0.1, with its storage in a temp folder. */
export interface RunningRegistry {
  mode: RegistryMode;
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string;
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  url: string;
  /** With `tls`: the PEM file of the registry's self-signed certificate, for `--ca-file`. */
  caFile?: string;
  /** The temp folder holding the config, the htpasswd file and the storage. */
  dir: string;
  /** The users the registry (or its token server) accepts; empty in `open` mode. */
  users: Record<string, string>;
  /** The token server, in `token` mode. */
  tokenServer?: RunningTokenServer;
  /** With `accessLog`: the requests the registry answered. */
  accessLog?: AccessLog;
  /** Stops the registry (and its token server) and removes the temp folder. */
  stop(): Promise<void>;
}

const missingRegistryMessage =
  "docker-registry is not installed: install the Debian package docker-registry (apt-get install docker-registry)";
const attempts = 5;

// Registries left running when the process exits (a crashed test run) are killed and their folders removed.
const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;
function track(entry: { child: ChildProcess; dir: string }): void {
  live.add(entry);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const { child, dir } of live) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * Starts the CNCF distribution registry (`docker-registry serve`) on loopback, in one of three auth modes,
 * and waits until `GET /v2/` answers. Fails with a message naming the Debian package when it is missing.
 *
 * @example
 * const registry = await startRegistry({ mode: "token" });
 * // registry.url, registry.tokenServer.url (the realm), registry.users
 * await registry.stop();
 */
export async function startRegistry(given: StartRegistryOptions): Promise<RunningRegistry> {
  // Port 0 is "any free port", as for listen() and stevedore serve: docker-registry itself would take it literally.
  const { port: asked, ...rest } = given;
  const options: StartRegistryOptions = asked === 0 || asked === undefined ? rest : given;
  const { mode } = options;
  if (mode !== "open" && mode !== "htpasswd" && mode !== "token") {
    throw new Error(`mode must be open, htpasswd or token, got ${JSON.stringify(mode)}`);
  }
  const users = mode === "open" ? {} : { ...(options.users ?? defaultUsers) };
  const dir = await mkdtemp(join(tmpdir(), `stevedore-registry-${mode}-`));
  let tokenServer: RunningTokenServer | undefined;
  try {
    const storageDirectory = join(dir, "storage");
    await mkdir(storageDirectory);
    let auth: RegistryAuthConfig = { kind: "none" };
    if (mode === "htpasswd") {
      auth = { kind: "htpasswd", path: join(dir, "htpasswd") };
      await writeHtpasswdFile(auth.path, users);
    } else if (mode === "token") {
      tokenServer = await startTokenServer({
        users,
        ...(options.policy && { policy: options.policy }),
        ...(options.tokenExpiresIn !== undefined && { expiresIn: options.tokenExpiresIn }),
      });
      auth = {
        kind: "token",
        realm: tokenServer.url,
        service: tokenServer.service,
        issuer: tokenServer.issuer,
        rootCertificateBundle: tokenServer.certificatePath,
      };
    }
    const certificate = options.tls === true ? await createTlsCertificate(dir) : undefined;
    const tls = certificate && { certificate: certificate.certificatePath, key: certificate.keyPath };
    const ca = certificate && readFileSync(certificate.certificatePath);
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await findFreePort());
      const configPath = join(dir, "config.yml");
      const instance = randomUUID();
      await writeFile(
        configPath,
        registryConfig({
          port,
          storageDirectory,
          auth,
          instance,
          ...(tls && { tls }),
          ...(options.accessLog === true && { accessLog: true }),
          ...(options.s3 && { s3: options.s3 }),
        }),
      );
      const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
      const started = await spawnRegistry(
        options.command ?? "docker-registry",
        configPath,
        url,
        instance,
        options,
        ca,
      );
      if (started.kind === "port-taken" && options.port === undefined && attempt < attempts) continue;
      if (started.kind !== "ready") throw new Error(started.message);
      const entry = { child: started.child, dir };
      track(entry);
      const runningTokenServer = tokenServer;
      let stopped: Promise<void> | undefined;
      return {
        mode,
        host: `127.0.0.1:${port}`,
        url,
        ...(certificate && { caFile: certificate.certificatePath }),
        dir,
        users,
        ...(runningTokenServer && { tokenServer: runningTokenServer }),
        ...(options.accessLog === true && { accessLog: readAccessLog(started.child) }),
        stop() {
          stopped ??= (async () => {
            await terminate(started.child);
            live.delete(entry);
            await runningTokenServer?.stop();
            await rm(dir, { recursive: true, force: true });
          })();
          return stopped;
        },
      };
    }
  } catch (error) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

type SpawnResult =
  | { kind: "ready"; child: ChildProcess }
  | { kind: "port-taken"; message: string }
  | { kind: "failed"; message: string };

async function spawnRegistry(
  command: string,
  configPath: string,
  url: string,
  instance: string,
  options: StartRegistryOptions,
  ca: Buffer | undefined,
): Promise<SpawnResult> {
  // REGISTRY_* variables override the config file; a developer's own settings must not leak in. Nor may
  // AWS_* ones reach the S3 driver: an AWS_CA_BUNDLE alone makes distribution 2.8 panic at start.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("REGISTRY_") && !name.startsWith("AWS_")),
  );
  const child = spawn(command, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"], env });
  let output = "";
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-16_384);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let failure: SpawnResult | undefined;
  child.once("error", (error: NodeJS.ErrnoException) => {
    failure = {
      kind: "failed",
      message:
        error.code === "ENOENT" ? missingRegistryMessage : `could not run ${command}: ${error.message}`,
    };
  });
  child.once("exit", (code, signal) => {
    const text = output.trim();
    failure ??= {
      kind: /address already in use/i.test(text) ? "port-taken" : "failed",
      message: `${command} exited before it was ready (${signal ?? `exit code ${code}`}) on ${url}: ${text || "no output"}`,
    };
  });
  // The probe header proves the answer comes from this process, not from another registry on a reused port.
  const deadline = Date.now() + (options.startTimeout ?? 15_000);
  while (failure === undefined && Date.now() < deadline) {
    if (await answers(url, instance, ca)) return { kind: "ready", child };
    await delay(50);
  }
  if (failure !== undefined) return failure;
  await terminate(child);
  return {
    kind: "failed",
    message: `${command} did not answer GET ${url}/v2/ within ${options.startTimeout ?? 15_000} ms: ${output.trim() || "no output"}`,
  };
}

function answers(url: string, instance: string, ca: Buffer | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const get = url.startsWith("https:") ? httpsGet : httpGet;
    const request = get(`${url}/v2/`, { timeout: 2_000, ...(ca && { ca }) }, (response) => {
      response.resume();
      resolve(
        (response.statusCode === 200 || response.statusCode === 401) &&
          response.headers["x-stevedore-registry"] === instance,
      );
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** `node tools/registry/start-registry.ts --mode token --port 5000`: runs a registry until Ctrl-C. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: "string", default: "open" },
      port: { type: "string" },
      user: { type: "string", multiple: true },
      "expires-in": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: node tools/registry/start-registry.ts [--mode open|htpasswd|token] [--port N]\n" +
        "         [--user name:password]... [--expires-in SECONDS]\n" +
        "Runs docker-registry on 127.0.0.1 until Ctrl-C. Default users: alice, reader.",
    );
    return;
  }
  const users = values.user?.length
    ? Object.fromEntries(
        values.user.map((pair) => [pair.slice(0, pair.indexOf(":")), pair.slice(pair.indexOf(":") + 1)]),
      )
    : undefined;
  const registry = await startRegistry({
    mode: values.mode as RegistryMode,
    ...(values.port !== undefined && { port: Number(values.port) }),
    ...(users && { users }),
    ...(values["expires-in"] !== undefined && { tokenExpiresIn: Number(values["expires-in"]) }),
  });
  console.log(`registry (${registry.mode}) at ${registry.url}`);
  console.log(`  host:    ${registry.host}`);
  console.log(`  storage: ${registry.dir}`);
  if (registry.tokenServer) {
    const { url, service, issuer } = registry.tokenServer;
    console.log(`  token realm: ${url} (service ${service}, issuer ${issuer})`);
  }
  await serveUntilSignal(registry);
}

/** For the command lines here: prints the users, runs until Ctrl-C (or SIGTERM), then stops the registry. */
export async function serveUntilSignal(registry: Pick<RunningRegistry, "users" | "stop">): Promise<void> {
  for (const [username, password] of Object.entries(registry.users))
    console.log(`  user: ${username}:${password}`);
  console.log("Press Ctrl-C to stop.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await registry.stop();
}

/** Runs a command line's `main`, printing a failure's message alone and exiting 1. */
export function runMain(main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

// Distribution's access log is Apache's combined format on stdout:
// `127.0.0.1 - - [date] "GET /v2/ HTTP/1.1" 200 2 "referer" "user agent"`.
const accessLogLine = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

function readAccessLog(child: ChildProcess): AccessLog {
  const requests: RecordedRequest[] = [];
  let rest = "";
  let lastLine = Date.now();
  child.stdout?.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString("utf8")).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const match = accessLogLine.exec(line);
      if (match === null) continue;
      requests.push({ method: match[1] ?? "", path: match[2] ?? "", status: Number(match[3]) });
      lastLine = Date.now();
    }
  });
  return {
    requests,
    reset() {
      requests.length = 0;
    },
    async settle(quiet = 150) {
      const deadline = Date.now() + 5_000;
      lastLine = Math.max(lastLine, Date.now());
      while (Date.now() - lastLine < quiet && Date.now() < deadline) await delay(25);
    },
  };
}

if (import.meta.main) runMain(main);
