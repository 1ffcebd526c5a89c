import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { basicAuthorization, pushBlob } from "../../packages/testing/src/index.ts";
import { startS3Registry } from "./start-s3-registry.ts";

describe("startS3Registry", () => {
  it("answers a blob GET with 307 to a presigned storage URL serving the blob, and stops everything", async () => {
    const registry = await startS3Registry({ mode: "htpasswd", recordStorage: true });
    let stopped = false;
    try {
      const authorization = basicAuthorization("alice", "alice-password");
      const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
      const blob = await pushBlob({ url: registry.url, repository: "s3/app", authorization }, bytes);
      const answer = await fetch(`${registry.url}/v2/s3/app/blobs/${blob.digest}`, {
        headers: { authorization },
        redirect: "manual",
      });
      await answer.arrayBuffer();
      expect(answer.status).toBe(307);
      const location = answer.headers.get("location") ?? "";
      expect(location.startsWith(`${registry.storage.url}/${registry.storage.bucket}/`)).toBe(true);
      const stored = await fetch(location);
      expect(new Uint8Array(await stored.arrayBuffer())).toEqual(bytes);
      expect(registry.storage.proxy?.requests.at(-1)).toMatchObject({ method: "GET", status: 200 });

      await registry.stop();
      stopped = true;
      await registry.stop();
      expect(existsSync(registry.dir)).toBe(false);
      expect(existsSync(registry.storage.dir)).toBe(false);
      await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
      await expect(fetch(registry.storage.radosgw)).rejects.toThrow();
    } finally {
      if (!stopped) await registry.stop();
    }
  }, 120_000);
});
