import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalIoError } from "@stevedore/core";
import { useTemporaryDirectory } from "@stevedore/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDirectoryStorage } from "./create-directory-storage.js";
import { createRegistryServer } from "./create-registry-server.js";
import { randomBlob, testClient, testImage } from "./test-support/registry-client.js";

const directory = useTemporaryDirectory("stevedore-server-dir-", beforeEach, afterEach);

describe("directory storage", () => {
  it("fails a tag it cannot write, naming the path, instead of answering as if stored", async () => {
    const storage = createDirectoryStorage(directory.path);
    await mkdir(join(directory.path, "repositories"), { recursive: true });
    await writeFile(join(directory.path, "repositories", "team"), "a file where a directory belongs");
    const digest = `sha256:${"a".repeat(64)}`;
    await expect(storage.setTag("team/app", "v1", digest)).rejects.toBeInstanceOf(LocalIoError);
    await expect(storage.setTag("team/app", "v1", digest)).rejects.toThrow(
      `cannot create directory ${join(directory.path, "repositories", "team")}: not a directory (ENOTDIR)`,
    );
    expect(await readdir(join(directory.path, "repositories"))).toEqual(["team"]);
  });

  it("survives a restart: blobs, manifests, tags and the catalog are intact", async () => {
    const image = testImage();
    const first = createRegistryServer({ storage: { directory: directory.path } });
    const client = testClient((await first.listen()).url);
    await client.pushBlob("team/app", image.config);
    await client.pushBlob("team/app", image.layer);
    expect((await client.putManifest("team/app", "v1", image.manifest)).status).toBe(201);
    await first.close();

    const second = createRegistryServer({ storage: { directory: directory.path } });
    const again = testClient((await second.listen()).url);
    const manifest = await again.request("GET", "/v2/team/app/manifests/v1");
    expect(manifest.headers.get("docker-content-digest")).toBe(image.manifest.digest);
    expect(new Uint8Array(await manifest.arrayBuffer())).toEqual(image.manifest.bytes);
    const layer = await again.request("GET", `/v2/team/app/blobs/${image.layer.digest}`);
    expect(new Uint8Array(await layer.arrayBuffer())).toEqual(image.layer.bytes);
    expect(await (await again.request("GET", "/v2/team/app/tags/list")).json()).toEqual({
      name: "team/app",
      tags: ["v1"],
    });
    expect(await (await again.request("GET", "/v2/_catalog")).json()).toEqual({ repositories: ["team/app"] });
    await second.close();
  });

  it("keeps blob bytes once, shared by repositories, as content-addressed files", async () => {
    const server = createRegistryServer({ storage: { directory: directory.path } });
    const client = testClient((await server.listen()).url);
    const blob = randomBlob(64);
    await client.pushBlob("one", blob);
    await client.pushBlob("two/nested", blob);
    const hex = blob.digest.slice("sha256:".length);
    expect(await readdir(join(directory.path, "blobs", "sha256"))).toEqual([hex]);
    expect(new Uint8Array(await readFile(join(directory.path, "blobs", "sha256", hex)))).toEqual(blob.bytes);
    expect(await readdir(join(directory.path, "repositories", "two", "nested", "_blobs", "sha256"))).toEqual([
      hex,
    ]);
    expect(await readdir(join(directory.path, "uploads"))).toEqual([]);
    await server.close();
  });

  it("ends 20 parallel uploads of the same blob with one intact blob", async () => {
    const server = createRegistryServer({ storage: { directory: directory.path } });
    const client = testClient((await server.listen()).url);
    const blob = randomBlob(256 * 1024);
    await Promise.all(Array.from({ length: 20 }, (_, index) => client.pushBlob(`repo${index % 4}`, blob)));
    const hex = blob.digest.slice("sha256:".length);
    expect(await readdir(join(directory.path, "blobs", "sha256"))).toEqual([hex]);
    expect(new Uint8Array(await readFile(join(directory.path, "blobs", "sha256", hex)))).toEqual(blob.bytes);
    for (let index = 0; index < 4; index++) {
      const response = await client.request("GET", `/v2/repo${index}/blobs/${blob.digest}`);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(blob.bytes);
    }
    await server.close();
  });
});
