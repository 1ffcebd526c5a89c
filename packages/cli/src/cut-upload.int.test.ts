// Issue 13, point 1, as a user meets it: `stevedore push` to distribution 2.8 through a connection that drops
// in the middle of a blob's PUT. distribution invalidates the session (404 BLOB_UPLOAD_INVALID on its URL);
// the push opens a new one, and when every attempt is cut it exits 5 (network), never 3 (not found).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createTestImage,
  type TestImage,
  writeTestLayout,
} from "../../client/src/test-support/test-image.js";
import { startCuttingProxy } from "../../remote/src/test-support/upload-cutting-proxy.js";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const open = inject("registryOpen");
let workspace: string;
let image: TestImage;
let layout: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "stevedore-cut-upload-"));
  image = createTestImage({ layerSize: 3_000_000 });
  layout = join(workspace, "layout");
  await writeTestLayout(layout, image, "v1");
});

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

describe("stevedore push to distribution 2.8 over a connection cut mid-PUT", () => {
  it("lands the image byte-exact when the first blob PUT is cut at 1 MB", { timeout: 60_000 }, async () => {
    const proxy = await startCuttingProxy(open.url, { nth: 1, afterBytes: 1_000_000, method: "PUT" });
    const name = `cli/cut-${randomUUID().slice(0, 8)}`;
    try {
      const run = await runCli(["push", `oci:${layout}:v1`, `${proxy.host}/${name}:v1`, "--quiet"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(ExitCode.ok);
    } finally {
      await proxy.close();
    }
    expect(proxy.exchanges.filter(([method, status]) => method === "PUT" && status === 0)).toHaveLength(1);
    const response = await fetch(`${open.url}/v2/${name}/manifests/v1`, {
      headers: { accept: image.index.mediaType },
    });
    expect(Buffer.compare(Buffer.from(await response.arrayBuffer()), image.index.bytes)).toBe(0);
    for (const blob of image.blobs.values()) {
      const kind = /manifest|index/.test(blob.mediaType) ? "manifests" : "blobs";
      const stored = await fetch(`${open.url}/v2/${name}/${kind}/${blob.digest}`, {
        headers: { accept: blob.mediaType },
      });
      expect(Buffer.compare(Buffer.from(await stored.arrayBuffer()), blob.bytes)).toBe(0);
    }
  });

  it("exits 5 with one line, not 3, when every blob PUT is cut", { timeout: 60_000 }, async () => {
    const proxy = await startCuttingProxy(open.url, {
      nth: 1,
      every: true,
      afterBytes: 1_000_000,
      method: "PUT",
    });
    const name = `cli/cut-${randomUUID().slice(0, 8)}`;
    try {
      const run = await runCli(["push", `oci:${layout}:v1`, `${proxy.host}/${name}:v1`, "--quiet"]);
      expect(run.code).toBe(ExitCode.network);
      expect(run.stderrLines).toHaveLength(1);
      expect(run.stderrLines[0]).toMatch(/^stevedore: push .*failed after \d+ attempts/);
      expect(run.stderrLines[0]).not.toContain("check the name, tag, digest or path");
    } finally {
      await proxy.close();
    }
  });
});
