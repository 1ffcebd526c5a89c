/**
 * `stevedore serve --dir` as a real process (src/bin.ts from source through the loader hooks): SIGTERM
 * closes it with exit 0, and a SIGKILL during 20 concurrent blob uploads loses nothing that was
 * acknowledged and shows nothing half-written. Uploads are raw fetch calls (monolithic POST + PUT and
 * chunked PATCH flows), so the test checks the server and nothing of the client.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const hooks = fileURLToPath(new URL("./test-support/source-hooks.ts", import.meta.url));
const bin = fileURLToPath(new URL("./bin.ts", import.meta.url));
const mebibyte = 1024 * 1024;

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const children: ChildProcess[] = [];
const directories: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** Spawns `stevedore serve --port 0 …` and resolves once its banner names the URL. */
async function startServe(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, ["--import", hooks, bin, "serve", "--port", "0", ...argv], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), ...env },
  });
  children.push(child);
  let stderr = "";
  const exited = once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
    stderr,
  }));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      const match = /^serving (http:\/\/\S+) \(/m.exec(stderr);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((result) => reject(new Error(`serve exited early (${result.code}): ${result.stderr}`)));
  });
  return { child, url, exited };
}

const sha256 = (bytes: Uint8Array): string => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

async function workspace(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stevedore-serve-crash-"));
  directories.push(directory);
  return directory;
}

/** The environment the process `pid` runs with now (after any exec), from /proc. */
async function environmentOf(pid: number | undefined): Promise<string[]> {
  return (await readFile(`/proc/${pid}/environ`, "latin1")).split("\0");
}

/** Whether this machine's Node runs on glibc (whose libc.so.6 is mapped into every process using it). */
const onGlibc =
  process.platform === "linux" && /\/libc\.so\.6$/m.test(readFileSync("/proc/self/maps", "latin1"));

describe("stevedore serve as a process", () => {
  it("runs with one malloc arena and fixed thresholds on glibc, in the same process, unless MALLOC_ARENA_MAX is set", async () => {
    const served = await startServe(["--dir", await workspace()]);
    expect((await fetch(`${served.url}/v2/`)).status).toBe(200);
    const restarted = await environmentOf(served.child.pid);
    for (const setting of [
      "MALLOC_ARENA_MAX=1",
      "MALLOC_MMAP_THRESHOLD_=4194304",
      "MALLOC_TRIM_THRESHOLD_=33554432",
    ]) {
      expect(restarted.includes(setting)).toBe(onGlibc);
    }
    const chosen = await startServe(["--dir", await workspace()], { MALLOC_ARENA_MAX: "4" });
    const environment = await environmentOf(chosen.child.pid);
    expect(environment.filter((entry) => entry.startsWith("MALLOC_ARENA_MAX="))).toEqual([
      "MALLOC_ARENA_MAX=4",
    ]);
    for (const { child, exited } of [served, chosen]) {
      child.kill("SIGTERM");
      expect((await exited).code).toBe(0);
    }
  });

  it("SIGTERM closes the server and exits 0", async () => {
    const served = await startServe(["--dir", await workspace()]);
    expect((await fetch(`${served.url}/v2/`)).status).toBe(200);
    served.child.kill("SIGTERM");
    const result = await served.exited;
    expect([result.code, result.signal]).toEqual([0, null]);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^serving http:\/\/127\.0\.0\.1:\d+ \(directory .+, auth none\)$/),
      "GET /v2/ 200",
      `stopped serving ${served.url}`,
    ]);
  });

  it("a SIGKILL during 20 concurrent uploads keeps every acknowledged blob and nothing half-written", async () => {
    const directory = await workspace();
    const first = await startServe(["--dir", directory]);

    // Six uploads send half their bytes and then wait for the kill, so some are surely cut mid-body;
    // the others run freely and the kill comes once seven of them were acknowledged.
    const uploads = Array.from({ length: 20 }, (_, index) => {
      const bytes = new Uint8Array(randomBytes(mebibyte + randomInt(3 * mebibyte)));
      return {
        index,
        repository: `crash/blob-${index}`,
        bytes,
        digest: sha256(bytes),
        chunked: index % 2 === 1,
        held: index >= 14,
        acknowledged: false,
      };
    });
    let kill: () => void = () => {};
    const killed = new Promise<void>((resolve) => {
      kill = resolve;
    });
    let acknowledgements = 0;
    let halfway = 0;
    const maybeKill = (): void => {
      if (acknowledgements >= 7 && halfway === 6) kill();
    };
    void killed.then(() => first.child.kill("SIGKILL"));

    const upload = async (item: (typeof uploads)[number]): Promise<void> => {
      const start = await fetch(`${first.url}/v2/${item.repository}/blobs/uploads/`, { method: "POST" });
      expect(start.status).toBe(202);
      let location = new URL(start.headers.get("location") ?? "", first.url);
      const half = Math.floor(item.bytes.length / 2);
      const reachHalfway = async (): Promise<void> => {
        if (!item.held) return;
        halfway++;
        maybeKill();
        await killed;
      };
      let put: Response;
      if (item.chunked) {
        const chunk = 256 * 1024;
        for (let offset = 0; offset < item.bytes.length; offset += chunk) {
          if (offset >= half && offset - chunk < half) await reachHalfway();
          const end = Math.min(offset + chunk, item.bytes.length);
          const patch = await fetch(location, {
            method: "PATCH",
            headers: {
              "content-type": "application/octet-stream",
              "content-range": `${offset}-${end - 1}`,
            },
            body: item.bytes.subarray(offset, end),
          });
          expect(patch.status).toBe(202);
          location = new URL(patch.headers.get("location") ?? "", first.url);
        }
        location.searchParams.set("digest", item.digest);
        put = await fetch(location, { method: "PUT" });
      } else {
        location.searchParams.set("digest", item.digest);
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(item.bytes.subarray(0, half));
            await reachHalfway();
            controller.enqueue(item.bytes.subarray(half));
            controller.close();
          },
        });
        put = await fetch(location, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body,
          duplex: "half",
        } as RequestInit);
      }
      if (put.status === 201) {
        item.acknowledged = true;
        acknowledgements++;
        maybeKill();
      }
    };
    // Uploads the kill cuts off reject with fetch's network failure; that is the point. Anything else
    // (a failed expectation inside an upload) fails the test.
    const settled = await Promise.allSettled(uploads.map(upload));
    for (const result of settled) {
      if (result.status === "rejected") expect(String(result.reason)).toBe("TypeError: fetch failed");
    }
    await killed;
    const crash = await first.exited;
    expect(crash.signal).toBe("SIGKILL");
    const acknowledged = uploads.filter((item) => item.acknowledged);
    const interrupted = uploads.filter((item) => !item.acknowledged);
    expect(acknowledged.length).toBeGreaterThanOrEqual(7);
    expect(interrupted.length).toBeGreaterThanOrEqual(6);

    // Every content-addressed file on disk is intact; temp files may remain but are not content.
    const blobs = join(directory, "blobs", "sha256");
    for (const name of await readdir(blobs)) {
      if (!/^[0-9a-f]{64}$/.test(name)) {
        expect(name, `stray file ${relative(directory, join(blobs, name))}`).toMatch(/^\..*\.tmp$/);
        continue;
      }
      expect(sha256(await readFile(join(blobs, name)))).toBe(`sha256:${name}`);
    }

    const second = await startServe(["--dir", directory]);
    for (const item of uploads) {
      const response = await fetch(`${second.url}/v2/${item.repository}/blobs/${item.digest}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (item.acknowledged) expect(response.status, `blob ${item.index}`).toBe(200);
      else expect([200, 404], `blob ${item.index}`).toContain(response.status);
      // Whatever is visible is exactly its digest's content.
      if (response.status === 200) {
        expect(response.headers.get("docker-content-digest")).toBe(item.digest);
        expect(Buffer.from(bytes).equals(Buffer.from(item.bytes)), `blob ${item.index}`).toBe(true);
      }
    }
    // The interrupted uploads start again from POST and complete.
    await Promise.all(
      interrupted.map(async (item) => {
        const start = await fetch(`${second.url}/v2/${item.repository}/blobs/uploads/`, { method: "POST" });
        expect(start.status).toBe(202);
        const location = new URL(start.headers.get("location") ?? "", second.url);
        location.searchParams.set("digest", item.digest);
        const put = await fetch(location, {
          method: "PUT",
          headers: { "content-type": "application/octet-stream" },
          body: item.bytes,
        });
        expect(put.status, `upload ${item.index} again`).toBe(201);
        const read = await fetch(`${second.url}/v2/${item.repository}/blobs/${item.digest}`);
        expect(Buffer.from(await read.arrayBuffer()).equals(Buffer.from(item.bytes))).toBe(true);
      }),
    );
    second.child.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  }, 60_000);
});
