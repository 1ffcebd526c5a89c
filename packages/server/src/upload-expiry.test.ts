/**
 * Abandoned upload sessions (a client that POSTs, sends some bytes and goes away) expire after the idle
 * timeout, are capped in number with 429 + Retry-After, and in directory mode their files are swept at
 * start after a crash. Memory is measured by the number of live upload sinks, `uploads/` by its files;
 * the clock is injected.
 */
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDirectoryStorage } from "./create-directory-storage.js";
import { createMemoryStorage } from "./create-memory-storage.js";
import { createRegistryServer, type RegistryServer } from "./create-registry-server.js";
import type { RegistryStorage } from "./registry-storage.js";
import { randomBlob, type TestClient, testClient } from "./test-support/registry-client.js";

let directory: string;
let clock: number;
const servers: RegistryServer[] = [];
const minute = 60_000;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-server-uploads-"));
  clock = 1_000_000;
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await rm(directory, { recursive: true, force: true });
});

/** `storage` with a count of upload sinks neither committed nor discarded: what an upload holds. */
function counted(storage: RegistryStorage): { storage: RegistryStorage; live: () => number } {
  let live = 0;
  return {
    live: () => live,
    storage: {
      ...storage,
      async openUpload(id) {
        const sink = await storage.openUpload(id);
        live++;
        let open = true;
        const close = (): void => {
          if (open) live--;
          open = false;
        };
        return {
          get size() {
            return sink.size;
          },
          append: (chunk) => sink.append(chunk),
          read: () => sink.read(),
          commit: (digest) => sink.commit(digest).finally(close),
          discard: () => sink.discard().finally(close),
        };
      },
    },
  };
}

async function start(storage: RegistryStorage, maxUploadSessions = 50): Promise<TestClient> {
  const server = createRegistryServer({
    storage,
    now: () => clock,
    uploadIdleTimeout: 10 * minute,
    maxUploadSessions,
  });
  servers.push(server);
  return testClient((await server.listen()).url);
}

/** POST, then a PATCH of 4 KiB, and never come back. Returns the POST's status. */
async function abandon(client: TestClient): Promise<number> {
  const post = await client.request("POST", "/v2/team/app/blobs/uploads/");
  if (post.status !== 202) {
    await post.arrayBuffer();
    return post.status;
  }
  const patch = await client.request("PATCH", post.headers.get("location") ?? "", {
    body: randomBlob(4096).bytes,
    headers: { "Content-Type": "application/octet-stream" },
  });
  expect(patch.status).toBe(202);
  return post.status;
}

const uploadFiles = async (): Promise<string[]> =>
  readdir(join(directory, "uploads")).catch(() => [] as string[]);

describe.each([
  ["memory", () => createMemoryStorage()],
  ["directory", () => createDirectoryStorage(directory)],
])("500 abandoned uploads (%s storage)", (kind, make) => {
  it("hold at most maxUploadSessions at a time, 429 past it, and expire when idle", async () => {
    const { storage, live } = counted(make());
    const client = await start(storage);
    let refused = 0;
    let most = 0;
    for (let upload = 0; upload < 500; upload++) {
      clock += 1000;
      let status = await abandon(client);
      if (status === 429) {
        refused++;
        // The registry is full of idle sessions: once they are old enough, a new upload is accepted.
        clock += 10 * minute;
        status = await abandon(client);
      }
      expect(status).toBe(202);
      most = Math.max(most, live());
      if (kind === "directory") expect((await uploadFiles()).length).toBeLessThanOrEqual(50);
    }
    expect(most).toBe(50);
    expect(refused).toBeGreaterThan(0);
    // Everything left expires once idle; the next upload finds a clean registry.
    clock += 10 * minute;
    const blob = randomBlob(1000);
    await client.pushBlob("team/app", blob);
    expect(live()).toBe(0);
    if (kind === "directory") expect(await uploadFiles()).toEqual([]);
  }, 60_000);
});

describe("upload session limits", () => {
  it("answers 429 TOOMANYREQUESTS with Retry-After when every session is taken", async () => {
    const client = await start(createMemoryStorage(), 2);
    expect(await abandon(client)).toBe(202);
    clock += minute;
    expect(await abandon(client)).toBe(202);
    clock += 2 * minute;
    const refused = await client.request("POST", "/v2/team/app/blobs/uploads/");
    expect(refused.status).toBe(429);
    // The first session expires 10 minutes after its last use, 7 minutes from now.
    expect(refused.headers.get("retry-after")).toBe("420");
    expect((await refused.json()).errors?.[0]?.code).toBe("TOOMANYREQUESTS");
  });

  it("an expired session answers 404 BLOB_UPLOAD_UNKNOWN; a session in use does not expire", async () => {
    const client = await start(createMemoryStorage());
    const post = await client.request("POST", "/v2/team/app/blobs/uploads/");
    const location = post.headers.get("location") ?? "";
    clock += 9 * minute;
    expect((await client.request("GET", location)).status).toBe(204);
    clock += 9 * minute;
    expect((await client.request("GET", location)).status).toBe(204);
    clock += 10 * minute;
    const gone = await client.request("GET", location);
    expect(gone.status).toBe(404);
    expect((await gone.json()).errors?.[0]?.code).toBe("BLOB_UPLOAD_UNKNOWN");
  });

  it("refuses a nonsensical timeout or limit", () => {
    expect(() => createRegistryServer({ uploadIdleTimeout: 0 })).toThrow(/uploadIdleTimeout/);
    expect(() => createRegistryServer({ maxUploadSessions: 1.5 })).toThrow(/maxUploadSessions/);
  });
});

describe("directory storage after a crash", () => {
  it("sweeps upload files and temp files of dead servers at start, and keeps a live writer's", async () => {
    const uploads = join(directory, "uploads");
    const sha = join(directory, "blobs", "sha256");
    const tags = join(directory, "repositories", "team", "app", "_tags");
    for (const folder of [uploads, sha, tags]) await mkdir(folder, { recursive: true });
    // A dead process of this machine: a pid far above any pid_max.
    const dead = "99999999";
    const { temporaryPath } = await import("@stevedore/blob");
    const mine = temporaryPath(join(uploads, "live-session")).split("/").at(-1) ?? "";
    const hostMark = mine.split(".").at(-2)?.split("-")[0] ?? "";
    const deadMark = `${hostMark}-${dead}-0123456789ab`;
    const leftovers = [
      join(uploads, `.session-a.${deadMark}.tmp`),
      join(uploads, "3f1c0d9e-legacy-session"),
      join(sha, `.${"a".repeat(64)}.${deadMark}.tmp`),
      join(tags, `.v1.${deadMark}.tmp`),
    ];
    const kept = [join(uploads, mine), join(sha, "b".repeat(64))];
    for (const file of [...leftovers, ...kept]) await writeFile(file, "x");
    // A temp file of another host (or an older version) is removed only once it is a day old.
    const foreign = join(sha, `.${"c".repeat(64)}.0badf00d-1-0123456789ab.tmp`);
    const foreignOld = join(sha, `.${"d".repeat(64)}.0badf00d-1-0123456789ab.tmp`);
    await writeFile(foreign, "x");
    await writeFile(foreignOld, "x");
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * minute);
    await utimes(foreignOld, twoDaysAgo, twoDaysAgo);

    await start(createDirectoryStorage(directory));
    expect((await readdir(uploads)).sort()).toEqual([mine]);
    expect((await readdir(sha)).sort()).toEqual([
      `.${"c".repeat(64)}.0badf00d-1-0123456789ab.tmp`,
      "b".repeat(64),
    ]);
    expect(await readdir(tags)).toEqual([]);
  });
});
