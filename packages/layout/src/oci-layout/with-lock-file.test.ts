import { spawnSync } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { AbortError, LocalFormatError } from "@stevedore/core";
import { temporaryDirectories } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import { withLockFile } from "./with-lock-file.js";

const temporaryDirectory = temporaryDirectories("stevedore-lock-", afterEach);
async function lockPath(): Promise<string> {
  return join(await temporaryDirectory(), "index.json.lock");
}

/** A pid that certainly belongs to no running process: one that has exited. */
function exitedPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid!;
}

describe("withLockFile", () => {
  it("serialises read-modify-write cycles of independent callers (as separate processes would be)", async () => {
    const path = await lockPath();
    const counter = join(path, "..", "counter");
    await writeFile(counter, "0");
    await Promise.all(
      Array.from({ length: 40 }, () =>
        withLockFile(path, async () => {
          const value = Number(await readFile(counter, "utf8"));
          await new Promise((resolve) => setImmediate(resolve));
          await writeFile(counter, String(value + 1));
        }),
      ),
    );
    expect(await readFile(counter, "utf8")).toBe("40");
    expect(await readdir(join(path, ".."))).toEqual(["counter"]);
  });

  it("releases the lock when the work fails", async () => {
    const path = await lockPath();
    await expect(withLockFile(path, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(withLockFile(path, async () => "again")).resolves.toBe("again");
  });

  it("breaks a lock whose owner on this host has exited", async () => {
    const path = await lockPath();
    await writeFile(
      path,
      JSON.stringify({ pid: exitedPid(), host: hostname(), created: Date.now(), nonce: "old" }),
    );
    await expect(withLockFile(path, async () => "got it")).resolves.toBe("got it");
  });

  it("breaks a lock older than staleAfter even when its owner looks alive", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 1, host: "elsewhere", created: 1_000, nonce: "old" }));
    let clock = 2_000;
    const result = withLockFile(path, async () => "got it", {
      now: () => clock,
      staleAfter: 5_000,
      sleep: async () => {
        clock += 1_000;
      },
    });
    await expect(result).resolves.toBe("got it");
    expect(clock).toBeGreaterThanOrEqual(6_000);
  });

  it("gives up after the timeout with a retryable error naming the holder", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify({ pid: 4242, host: "other-host", created: 0, nonce: "held" }));
    let clock = 0;
    const error = await withLockFile(path, async () => "never", {
      now: () => clock,
      timeout: 3_000,
      staleAfter: 60_000,
      sleep: async () => {
        clock += 1_000;
      },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalFormatError);
    expect((error as LocalFormatError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/held by process 4242 on other-host; gave up after 3000 ms/);
    // The other holder's lock is left alone.
    expect(JSON.parse(await readFile(path, "utf8")).nonce).toBe("held");
  });

  it("breaks an unreadable lock only after staleAfter", async () => {
    const path = await lockPath();
    await writeFile(path, "garbage");
    let clock = 0;
    let waits = 0;
    const result = await withLockFile(path, async () => "got it", {
      now: () => clock,
      staleAfter: 10_000,
      sleep: async () => {
        waits += 1;
        clock += 2_000;
      },
    });
    expect(result).toBe("got it");
    expect(waits).toBe(5);
  });

  it("stops waiting when the signal aborts", async () => {
    const path = await lockPath();
    await writeFile(
      path,
      JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now(), nonce: "mine" }),
    );
    const controller = new AbortController();
    const result = withLockFile(path, async () => "never", {
      signal: controller.signal,
      sleep: async () => controller.abort(),
    });
    await expect(result).rejects.toBeInstanceOf(AbortError);
  });
});
