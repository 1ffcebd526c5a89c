import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type CountingProxy, type RecordedRequest, startCountingProxy } from "./counting-proxy.ts";
import { findFreePort } from "./find-free-port.ts";
import { s3Request } from "./s3-request.ts";
import { type RunningRegistry, runMain, serveUntilSignal, startRegistry } from "./start-registry.ts";

/** Options of {@link startS3Registry}. */
export interface StartS3RegistryOptions {
  /** `open` (default) or `htpasswd` (Basic auth for `users`). */
  mode?: "open" | "htpasswd";
  /** Users and passwords in `htpasswd` mode; alice and reader when absent. */
  users?: Record<string, string>;
  /**
   * Put a counting proxy in front of radosgw that records every request with its headers: distribution
   * then talks to storage through it, and its presigned URLs name it, so clients following a `307` do too.
   */
  recordStorage?: boolean;
  /**
   * With `recordStorage`: the proxy cuts a storage answer after this many body bytes (undefined: passes
   * it whole) — a connection lost mid-blob between a client and storage.
   */
  cutStorageAfter?: (request: RecordedRequest) => number | undefined;
  /** Record the registry's requests from its access log (`RunningRegistry.accessLog`). */
  accessLog?: boolean;
  /** How long the whole bring-up may take, in milliseconds. Default 60000. */
  startTimeout?: number;
}

/** Ceph radosgw as distribution's storage: what a test needs to look at it. */
export interface S3Storage {
  /** The origin presigned URLs name: radosgw, or the recording proxy in front of it. */
  url: string;
  /** radosgw itself. */
  radosgw: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  /** With `recordStorage`: the proxy, whose `requests` list every storage request (the registry's too). */
  proxy?: CountingProxy;
  /** The temp folder of the Ceph cluster (config, logs, sockets); the registry's own is `dir`. */
  dir: string;
}

/** distribution 2.8 on Ceph radosgw; `stop()` kills everything and removes the temp folder. */
export interface RunningS3Registry extends RunningRegistry {
  storage: S3Storage;
  /** How long the bring-up took, in seconds. */
  startSeconds: number;
}

const packages = "radosgw ceph-mon ceph-osd";
const missingMessage = (command: string): string =>
  `${command} is not installed: install the Debian packages ${packages} (apt-get install -y --no-install-recommends ${packages})`;

// Daemons left running when the process exits (a crashed test run) are killed and their folders removed.
const live = new Set<ChildProcess>();
const liveDirectories = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const daemon of live) daemon.kill("SIGKILL");
    for (const dir of liveDirectories) rmSync(dir, { recursive: true, force: true });
  });
}
function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
}

/**
 * Starts a registry on object storage on loopback, the topology of Docker Hub, ECR and GHCR: one Ceph
 * monitor and one OSD (memstore: every byte in RAM), radosgw, and distribution 2.8 with its S3 driver and
 * redirects on, so blob `GET`/`HEAD` answer `307` to a presigned radosgw URL. Everything lives in one temp
 * folder on free 127.0.0.1 ports; one object is written and deleted before it returns, so radosgw's data
 * pools exist. Fails with a message naming the Debian packages when a binary is missing.
 *
 * @example
 * const registry = await startS3Registry({ mode: "htpasswd", recordStorage: true });
 * // registry.url, registry.storage.proxy.requests
 * await registry.stop();
 */
export async function startS3Registry(options: StartS3RegistryOptions = {}): Promise<RunningS3Registry> {
  const started = performance.now();
  const deadline = Date.now() + (options.startTimeout ?? 60_000);
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), "stevedore-s3-registry-"));
  liveDirectories.add(dir);
  const daemons: ChildProcess[] = [];
  let proxy: CountingProxy | undefined;
  let registry: RunningRegistry | undefined;
  const teardown = async (): Promise<void> => {
    await registry?.stop();
    await proxy?.stop();
    // SIGKILL is safe: the cluster keeps nothing anyone needs, and a graceful stop takes seconds.
    await Promise.all(daemons.map((daemon) => kill(daemon)));
    await rm(dir, { recursive: true, force: true });
    liveDirectories.delete(dir);
  };
  try {
    const radosgw = await startCeph(dir, daemons, deadline);
    const storage: S3Storage = {
      url: radosgw,
      radosgw,
      bucket: "registry",
      accessKey: "stevedore-access-key",
      secretKey: "stevedore-secret-key",
      dir,
    };
    await run(
      "radosgw-admin",
      ["-c", join(dir, "ceph.conf"), "user", "create", "--uid=stevedore", "--display-name=stevedore"].concat([
        `--access-key=${storage.accessKey}`,
        `--secret-key=${storage.secretKey}`,
      ]),
      dir,
    );
    const endpoint = { url: radosgw, accessKey: storage.accessKey, secretKey: storage.secretKey };
    await expectOk(await s3Request(endpoint, "PUT", `/${storage.bucket}`), "create the bucket");
    // The first object write makes radosgw create its data pools, which takes seconds: pay it here.
    const probe = `/${storage.bucket}/bring-up-probe`;
    await expectOk(await s3Request(endpoint, "PUT", probe, new Uint8Array([1])), "write an object");
    await expectOk(await s3Request(endpoint, "DELETE", probe), "delete an object");
    if (options.recordStorage === true) {
      proxy = await startCountingProxy({
        upstream: radosgw,
        recordHeaders: true,
        ...(options.cutStorageAfter && { cutAfter: options.cutStorageAfter }),
      });
      storage.url = proxy.url;
      storage.proxy = proxy;
    }
    const mode = options.mode ?? "open";
    registry = await startRegistry({
      mode,
      ...(options.accessLog === true && { accessLog: true }),
      ...(options.users && { users: options.users }),
      s3: {
        endpoint: storage.url,
        bucket: storage.bucket,
        accessKey: storage.accessKey,
        secretKey: storage.secretKey,
      },
    });
    const running = registry;
    let stopped: Promise<void> | undefined;
    return {
      ...running,
      storage,
      startSeconds: (performance.now() - started) / 1000,
      stop() {
        stopped ??= teardown();
        return stopped;
      },
    };
  } catch (error) {
    await teardown();
    throw error;
  }
}

/** One monitor, one memstore OSD and radosgw on free ports; resolves to radosgw's URL once it answers. */
async function startCeph(dir: string, daemons: ChildProcess[], deadline: number): Promise<string> {
  const [monPort, rgwPort] = [await findFreePort(), await findFreePort()];
  const fsid = randomUUID();
  const conf = join(dir, "ceph.conf");
  for (const sub of ["run", "log", "mon", "osd/ceph-0", "rgw", "crash"]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await writeFile(conf, cephConfig(dir, fsid, monPort, rgwPort));
  const daemon = (command: string, args: string[]): void => {
    const child = spawn(command, ["-c", conf, "-f", ...args], { stdio: "ignore", cwd: dir });
    child.once("error", () => {});
    track(child);
    daemons.push(child);
  };
  await run(
    "monmaptool",
    ["--create", "--fsid", fsid, "--addv", "a", `[v2:127.0.0.1:${monPort}]`, join(dir, "monmap")],
    dir,
  );
  await run("ceph-mon", ["-c", conf, "-i", "a", "--mkfs", "--monmap", join(dir, "monmap")], dir);
  daemon("ceph-mon", ["-i", "a"]);
  const osdUuid = randomUUID();
  await run("ceph", ["-c", conf, "--connect-timeout", "20", "osd", "new", osdUuid], dir);
  await run("ceph-osd", ["-c", conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid], dir);
  daemon("ceph-osd", ["-i", "0"]);
  // radosgw waits for the OSD by itself: it answers HTTP once its pools are usable.
  daemon("radosgw", ["-n", "client.rgw"]);
  const url = `http://127.0.0.1:${rgwPort}`;
  while (Date.now() < deadline) {
    const exited = daemons.find((child) => child.exitCode !== null || child.signalCode !== null);
    if (exited) {
      const name = exited.spawnargs[0] ?? "a ceph daemon";
      throw new Error(`${name} exited during the bring-up: ${logTail(dir, name)}`);
    }
    try {
      await (await fetch(url, { signal: AbortSignal.timeout(1_000) })).arrayBuffer();
      return url;
    } catch {
      await delay(100);
    }
  }
  throw new Error(`radosgw did not answer ${url} in time: ${logTail(dir, "radosgw")}`);
}

/** A one-machine cluster: every address loopback, every path under `dir`, no auth, one copy of everything. */
function cephConfig(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# Under auth none, radosgw fails to fetch the mon config (-13) without this.
ms mon client mode = crc secure
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
crash dir = ${dir}/crash
keyring = ${dir}/keyring
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
osd objectstore = memstore
# Writes block for good once the OSD is 95 % full: a full bench S3 run stores over 1 GiB. Pages are only
# taken as bytes arrive.
memstore device bytes = 4294967296
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
# A full /tmp must not stop the monitor.
mon data avail crit = 0
# Default paxos timing makes the bring-up take ~18 s instead of ~2 s.
paxos propose interval = 0.05
paxos min wait = 0.01
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw thread pool size = 64
`;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error === null) return resolve(stdout);
      const code = (error as NodeJS.ErrnoException).code;
      reject(
        new Error(
          code === "ENOENT"
            ? missingMessage(command)
            : `${command} ${args.join(" ")} failed: ${(stderr || error.message).trim().slice(-2_000)}`,
        ),
      );
    });
  });
}

async function expectOk(response: Response, what: string): Promise<void> {
  const text = await response.text();
  if (!response.ok) throw new Error(`radosgw refused to ${what}: ${response.status} ${text.slice(0, 500)}`);
}

function logTail(dir: string, command: string): string {
  const name = command.endsWith("ceph-mon") ? "mon.a" : command.endsWith("ceph-osd") ? "osd.0" : "client.rgw";
  try {
    return readFileSync(join(dir, "log", `${name}.log`), "utf8")
      .trim()
      .split("\n")
      .slice(-15)
      .join("\n");
  } catch {
    return `no log (${command} may not be installed: apt-get install -y --no-install-recommends ${packages})`;
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
}

/** `node tools/registry/start-s3-registry.ts [--mode open|htpasswd]`: runs one until Ctrl-C. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: "string", default: "open" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "usage: node tools/registry/start-s3-registry.ts [--mode open|htpasswd]\n" +
        "Runs distribution 2.8 on Ceph radosgw (blob GET/HEAD → 307 to storage) on 127.0.0.1 until Ctrl-C.",
    );
    return;
  }
  if (values.mode !== "open" && values.mode !== "htpasswd") {
    throw new Error(`--mode must be open or htpasswd, got ${JSON.stringify(values.mode)}`);
  }
  const registry = await startS3Registry({ mode: values.mode });
  console.log(`registry (${registry.mode}, S3) at ${registry.url} in ${registry.startSeconds.toFixed(1)} s`);
  console.log(`  storage: ${registry.storage.radosgw} bucket ${registry.storage.bucket}`);
  await serveUntilSignal(registry);
}

if (import.meta.main) runMain(main);
