import type { ReplayableSource } from "@stevedore/core";
import {
  AbortError,
  DigestMismatchError,
  digestOf,
  InvalidDigestError,
  NetworkError,
  RegistryResponseError,
  SizeMismatchError,
  UploadError,
  UsageError,
} from "@stevedore/core";
import { uniqueName } from "@stevedore/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedRemoteOptions } from "../remote-context.js";
import { randomBlob, uploadContext } from "../test-support/upload-context.js";
import {
  type RecordedRequest,
  startUploadRegistry,
  type UploadRegistry,
  type UploadRegistryOptions,
} from "../test-support/upload-registry.js";
import { uploadBlob } from "./upload-blob.js";

const chunk = 64 * 1024;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(
  registryOptions: UploadRegistryOptions = {},
  options: Partial<ResolvedRemoteOptions> = {},
) {
  const registry = await startUploadRegistry(registryOptions);
  const repository = uniqueName("team");
  const context = uploadContext(registry.host, repository, options);
  cleanups.push(
    () => context.close(),
    () => registry.close(),
  );
  return { registry, repository, context };
}

/** A source over `bytes` that remembers every offset it was opened at. */
function recordingSource(bytes: Uint8Array): { source: ReplayableSource; offsets: number[] } {
  const offsets: number[] = [];
  const source: ReplayableSource = (offset) => {
    offsets.push(offset);
    return (async function* () {
      // Small pieces, so a chunk boundary never lines up with what the source yields.
      for (let at = offset; at < bytes.length; at += 10_000) yield bytes.subarray(at, at + 10_000);
    })();
  };
  return { source, offsets };
}

const uploads = (registry: UploadRegistry, method: string): RecordedRequest[] =>
  registry.requests.filter(
    (request) => request.method === method && request.target.includes("/blobs/uploads/"),
  );

function expectStored(registry: UploadRegistry, repository: string, bytes: Uint8Array): void {
  const stored = registry.blob(repository, digestOf(bytes));
  expect(stored, "blob stored").toBeDefined();
  expect(Buffer.from(stored as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
}

describe("uploadBlob: flows (spec/PROTOCOL.md §4.1)", () => {
  it("uploads a small blob monolithically: an empty POST, then one PUT ?digest= with the whole body", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(1000);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, bytes, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    expect(registry.requests.map((request) => request.method)).toEqual(["POST", "PUT"]);
    const [post, put] = registry.requests as [RecordedRequest, RecordedRequest];
    expect(post.headers["content-length"]).toBe("0");
    expect(put.bodyLength).toBe(1000);
    expect(put.headers["content-type"]).toBe("application/octet-stream");
    expect(new URL(put.target, registry.url).searchParams.get("digest")).toBe(descriptor.digest);
    expect(progress).toEqual([1000]);
  });

  it("stores a blob with one POST ?digest= when the registry answers 201", async () => {
    const { registry, repository, context } = await setup({ singlePost: true }, { singlePostUpload: true });
    const { bytes, descriptor } = randomBlob(5000);
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    expect(registry.requests).toHaveLength(1);
    const [post] = registry.requests as [RecordedRequest];
    expect(new URL(post.target, registry.url).searchParams.get("digest")).toBe(descriptor.digest);
    expect(post.bodyLength).toBe(5000);
  });

  it("sends the body again with a PUT when a single POST gets 202 and the body was dropped", async () => {
    const { registry, repository, context } = await setup({}, { singlePostUpload: true });
    const { bytes, descriptor } = randomBlob(5000);
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    expect(registry.requests.map((request) => [request.method, request.status])).toEqual([
      ["POST", 202],
      ["PUT", 201],
    ]);
    expect(registry.requests[1]?.bodyLength).toBe(5000);
  });

  it("sends chunks of OCI-Chunk-Min-Length when it is larger than chunkSize, then an empty PUT", async () => {
    const { registry, repository, context } = await setup({ chunkMinLength: 100_000 });
    const { bytes, descriptor } = randomBlob(350_000);
    const { source } = recordingSource(bytes);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, source, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    const patches = uploads(registry, "PATCH");
    expect(patches.map((patch) => patch.bodyLength)).toEqual([100_000, 100_000, 100_000, 50_000]);
    expect(patches.map((patch) => patch.headers["content-range"])).toEqual([
      "0-99999",
      "100000-199999",
      "200000-299999",
      "300000-349999",
    ]);
    expect(patches.map((patch) => patch.headers["content-length"])).toEqual([
      "100000",
      "100000",
      "100000",
      "50000",
    ]);
    const put = uploads(registry, "PUT");
    expect(put.map((request) => [request.bodyLength, request.headers["content-length"]])).toEqual([[0, "0"]]);
    expect(progress).toEqual([100_000, 200_000, 300_000, 350_000]);
  });

  it("always sends the next request to the newest Location, relative or absolute, with its _state query", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(5 * chunk + 7);
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    const sequence = registry.requests;
    expect(sequence.map((request) => request.method)).toEqual([
      "POST",
      "PATCH",
      "PATCH",
      "PATCH",
      "PATCH",
      "PATCH",
      "PATCH",
      "PUT",
    ]);
    for (let index = 1; index < sequence.length; index += 1) {
      const previous = new URL(sequence[index - 1]?.location as string, registry.url);
      const sent = new URL(sequence[index]?.target as string, registry.url);
      expect(sent.pathname).toBe(previous.pathname);
      expect(sent.searchParams.get("_state")).toBe(previous.searchParams.get("_state"));
    }
    // The scripted registry alternates absolute and relative Locations; both were followed.
    expect(sequence.some((request) => request.location?.startsWith("http://"))).toBe(true);
    expect(sequence.some((request) => request.location?.startsWith("/v2/"))).toBe(true);
  });

  it("streams the whole blob in one PATCH without Content-Range or Content-Length, then PUTs", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(300_000);
    const { source } = recordingSource(bytes);
    await uploadBlob(context, descriptor, source, { strategy: "streamed" });

    expectStored(registry, repository, bytes);
    const [patch, ...others] = uploads(registry, "PATCH");
    expect(others).toEqual([]);
    expect(patch?.bodyLength).toBe(300_000);
    expect(patch?.headers["content-range"]).toBeUndefined();
    expect(patch?.headers["content-length"]).toBeUndefined();
    expect(patch?.headers["transfer-encoding"]).toBe("chunked");
  });

  it("streams a blob above monolithicThreshold in one PATCH by default (chunkedUploads off)", async () => {
    const { registry, repository, context } = await setup({}, { chunkedUploads: false });
    const { bytes, descriptor } = randomBlob(5 * chunk + 7);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, bytes, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    expect(registry.requests.map((request) => request.method)).toEqual(["POST", "PATCH", "PUT"]);
    expect(uploads(registry, "PATCH")[0]?.headers["content-range"]).toBeUndefined();
    expect(progress).toEqual([bytes.length]);
  });

  it("reports progress while one request carries a source's whole blob, the size only once stored", async () => {
    const { registry, repository, context } = await setup({}, { chunkedUploads: false });
    const { bytes, descriptor } = randomBlob(5 * chunk + 7);
    const { source } = recordingSource(bytes);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, source, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.slice(0, -1).every((value) => value < bytes.length)).toBe(true);
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("chunks a blob whose size is a multiple of the chunk size without an empty PATCH", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(2 * chunk);
    await uploadBlob(context, descriptor, bytes, { strategy: "chunked" });

    expectStored(registry, repository, bytes);
    expect(uploads(registry, "PATCH").map((patch) => patch.bodyLength)).toEqual([chunk, chunk]);
  });

  it("uploads an empty blob", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(0);
    await uploadBlob(context, descriptor, bytes);
    expectStored(registry, repository, bytes);
  });
});

describe("uploadBlob: recovery", () => {
  it("resumes a chunked upload cut after chunk 3 from the offset the registry reports", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(6 * chunk + 123);
    registry.faults.cutPatch = { nth: 4, afterBytes: 1000 };
    const { source, offsets } = recordingSource(bytes);
    const progress: number[] = [];
    await uploadBlob(context, descriptor, source, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    const resumedAt = 3 * chunk + 1000;
    expect(offsets).toContain(resumedAt);
    const cut = registry.requests.findIndex((request) => request.method === "PATCH" && request.status === 0);
    expect(registry.requests[cut + 1]?.method).toBe("GET");
    expect(registry.requests[cut + 1]?.status).toBe(204);
    expect(registry.requests[cut + 2]?.headers["content-range"]).toBe(
      `${resumedAt}-${resumedAt + chunk - 1}`,
    );
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("resumes a streamed upload cut mid-body from the offset the registry reports", async () => {
    const { registry, repository, context } = await setup({}, { chunkedUploads: false });
    const { bytes, descriptor } = randomBlob(6 * chunk + 123);
    registry.faults.cutPatch = { nth: 1, afterBytes: 2 * chunk + 500 };
    const { source, offsets } = recordingSource(bytes);
    await uploadBlob(context, descriptor, source);

    expectStored(registry, repository, bytes);
    expect(offsets).toEqual([0, 2 * chunk + 500]);
    expect(registry.requests.map((request) => [request.method, request.status])).toEqual([
      ["POST", 202],
      ["PATCH", 0],
      ["GET", 204],
      ["PATCH", 202],
      ["PUT", 201],
    ]);
    expect(uploads(registry, "PATCH")[1]?.bodyLength).toBe(bytes.length - (2 * chunk + 500));
  });

  it("goes again in chunks when a monolithic PUT is refused as too large (413)", async () => {
    const { registry, repository, context } = await setup({}, { monolithicThreshold: 4 * chunk });
    const { bytes, descriptor } = randomBlob(2 * chunk + 10);
    registry.faults.maxBodyBytes = chunk;
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    expect(registry.requests.map((request) => [request.method, request.status])).toEqual([
      ["POST", 202],
      ["PUT", 413],
      ["DELETE", 204],
      ["POST", 202],
      ["PATCH", 202],
      ["PATCH", 202],
      ["PATCH", 202],
      ["PUT", 201],
    ]);
  });

  it("goes again in chunks when a streamed PATCH is refused as too large (413)", async () => {
    const { registry, repository, context } = await setup({}, { chunkedUploads: false });
    const { bytes, descriptor } = randomBlob(3 * chunk + 10);
    registry.faults.maxBodyBytes = chunk;
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    const methods = registry.requests.map((request) => [request.method, request.status]);
    expect(methods.slice(0, 4)).toEqual([
      ["POST", 202],
      ["PATCH", 413],
      ["DELETE", 204],
      ["POST", 202],
    ]);
    expect(
      uploads(registry, "PATCH")
        .slice(1)
        .map((patch) => patch.headers["content-range"]),
    ).toEqual([
      `0-${chunk - 1}`,
      `${chunk}-${2 * chunk - 1}`,
      `${2 * chunk}-${3 * chunk - 1}`,
      `${3 * chunk}-${3 * chunk + 9}`,
    ]);
  });

  it("reads Range 0-0 as one byte after a refused resend from 0 (spec/PROTOCOL.md §18)", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(2 * chunk);
    registry.faults.cutPatch = { nth: 1, afterBytes: 1 };
    await uploadBlob(context, descriptor, bytes, { strategy: "chunked" });

    expectStored(registry, repository, bytes);
    const patches = uploads(registry, "PATCH").map((patch) => [patch.headers["content-range"], patch.status]);
    expect(patches).toContainEqual(["0-65535", 416]);
    expect(patches).toContainEqual([`1-${chunk}`, 202]);
  });

  it("recovers from a 416 by asking the registry where the upload stands", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(4 * chunk);
    registry.faults.rewindBeforePatch = { nth: 3, bytes: 5000 };
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    const refused = registry.requests.findIndex((request) => request.status === 416);
    expect(registry.requests[refused]?.headers["content-range"]).toBe(`${2 * chunk}-${3 * chunk - 1}`);
    expect(registry.requests[refused + 1]?.method).toBe("GET");
    const resumedAt = 2 * chunk - 5000;
    expect(registry.requests[refused + 2]?.headers["content-range"]).toBe(
      `${resumedAt}-${resumedAt + chunk - 1}`,
    );
  });

  it("starts again from POST when the registry lost the session (404)", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(3 * chunk);
    registry.faults.forgetSessionAtPatch = 2;
    const progress: number[] = [];
    await uploadBlob(context, descriptor, bytes, { onProgress: (value) => progress.push(value) });

    expectStored(registry, repository, bytes);
    const posts = uploads(registry, "POST");
    expect(posts).toHaveLength(2);
    expect(uploads(registry, "DELETE")).toEqual([]);
    expect(progress).toEqual([chunk, 2 * chunk, 3 * chunk]);
  });

  it("restarts a monolithic upload whose PUT found the session gone", async () => {
    const { registry, repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(1000);
    registry.faults.forgetSessionAtPut = 1;
    await uploadBlob(context, descriptor, bytes);

    expectStored(registry, repository, bytes);
    expect(registry.requests.map((request) => [request.method, request.status])).toEqual([
      ["POST", 202],
      ["PUT", 404],
      ["POST", 202],
      ["PUT", 201],
    ]);
  });

  it("gives up with UploadError after resumeAttempts and cancels the session", async () => {
    const { registry, context } = await setup({}, { resumeAttempts: 0 });
    const { bytes, descriptor } = randomBlob(3 * chunk);
    registry.faults.cutPatch = { nth: 2, afterBytes: 10 };
    const error = await uploadBlob(context, descriptor, bytes).catch((caught: unknown) => caught);

    expect(UploadError.isInstance(error)).toBe(true);
    expect(NetworkError.isInstance((error as UploadError).cause)).toBe(true);
    expect((error as UploadError).retryable).toBe(true);
    expect(uploads(registry, "DELETE").map((request) => request.status)).toEqual([204]);
    expect(registry.openSessions()).toBe(0);
  });
});

describe("uploadBlob: abort and refusals", () => {
  it("cancels the session with DELETE when aborted mid-upload; the session is gone afterwards", async () => {
    const controller = new AbortController();
    let patches = 0;
    const { registry, context } = await setup({
      onRequest: (method) => {
        if (method === "PATCH" && ++patches === 2) controller.abort();
      },
    });
    const { bytes, descriptor } = randomBlob(4 * chunk);
    const error = await uploadBlob(context, descriptor, bytes, { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );

    expect(AbortError.isInstance(error)).toBe(true);
    const deletes = uploads(registry, "DELETE");
    expect(deletes.map((request) => request.status)).toEqual([204]);
    const status = await fetch(new URL(deletes[0]?.target as string, registry.url));
    expect(status.status).toBe(404);
    expect(registry.openSessions()).toBe(0);
  });

  it("cancels the session whose POST was in flight when the abort came", async () => {
    const controller = new AbortController();
    const { registry, context } = await setup({
      // The registry has the POST and opens the session whatever happens to the connection.
      onRequest: (method) => {
        if (method === "POST") controller.abort();
      },
    });
    const { bytes, descriptor } = randomBlob(1000);
    const error = await uploadBlob(context, descriptor, bytes, { signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );

    expect(AbortError.isInstance(error)).toBe(true);
    expect(registry.requests.map((request) => [request.method, request.status])).toEqual([
      ["POST", 202],
      ["DELETE", 204],
    ]);
    expect(registry.openSessions()).toBe(0);
  });

  it("fails with AbortError before sending anything when the signal is already aborted", async () => {
    const { registry, context } = await setup();
    const { bytes, descriptor } = randomBlob(10);
    const error = await uploadBlob(context, descriptor, bytes, { signal: AbortSignal.abort() }).catch(
      (caught: unknown) => caught,
    );
    expect(AbortError.isInstance(error)).toBe(true);
    expect(registry.requests).toEqual([]);
  });

  it("turns a closing PUT refused with DIGEST_INVALID into UploadError", async () => {
    const { registry, context } = await setup();
    const { descriptor } = randomBlob(3 * chunk);
    const other = randomBlob(3 * chunk).bytes;
    const error = await uploadBlob(context, descriptor, other).catch((caught: unknown) => caught);

    expect(UploadError.isInstance(error)).toBe(true);
    const cause = (error as UploadError).cause;
    expect(RegistryResponseError.isInstance(cause) && cause.hasCode("DIGEST_INVALID")).toBe(true);
    expect((error as UploadError).message).toContain(descriptor.digest);
    expect(registry.openSessions()).toBe(0);
  });

  it("rejects a 201 that confirms another digest with DigestMismatchError", async () => {
    const { registry, context } = await setup();
    registry.faults.wrongDigestHeader = true;
    const { bytes, descriptor } = randomBlob(100);
    const error = await uploadBlob(context, descriptor, bytes).catch((caught: unknown) => caught);
    expect(DigestMismatchError.isInstance(error)).toBe(true);
    expect((error as DigestMismatchError).expected).toBe(descriptor.digest);
  });

  it("fails with SizeMismatchError when the source ends before descriptor.size", async () => {
    const { context } = await setup();
    const { bytes, descriptor } = randomBlob(3 * chunk);
    const { source } = recordingSource(bytes.subarray(0, 2 * chunk + 10));
    const error = await uploadBlob(context, descriptor, source).catch((caught: unknown) => caught);
    expect(SizeMismatchError.isInstance(error)).toBe(true);
  });

  it.each([
    [
      "a malformed digest",
      { mediaType: "x/y", digest: "sha256:nope", size: 1 },
      new Uint8Array(1),
      InvalidDigestError,
    ],
    ["a negative size", { mediaType: "x/y", digest: digestOf("a"), size: -1 }, new Uint8Array(1), UsageError],
    [
      "bytes of another length",
      { mediaType: "x/y", digest: digestOf("a"), size: 2 },
      new Uint8Array(1),
      SizeMismatchError,
    ],
    ["a source that is neither", { mediaType: "x/y", digest: digestOf("a"), size: 1 }, "a", UsageError],
  ])("refuses %s before sending anything", async (_, descriptor, source, type) => {
    const { registry, context } = await setup();
    const error = await uploadBlob(context, descriptor, source as Uint8Array).catch(
      (caught: unknown) => caught,
    );
    expect(type.isInstance(error)).toBe(true);
    expect(registry.requests).toEqual([]);
  });

  it("refuses an unknown strategy with UsageError", async () => {
    const { context } = await setup();
    const { bytes, descriptor } = randomBlob(1);
    const strategy = "teleport" as "chunked";
    const error = await uploadBlob(context, descriptor, bytes, { strategy }).catch(
      (caught: unknown) => caught,
    );
    expect(UsageError.isInstance(error)).toBe(true);
  });

  it("asks for pull and push on the repository for every upload request", async () => {
    const { repository, context } = await setup();
    const { bytes, descriptor } = randomBlob(2 * chunk);
    await uploadBlob(context, descriptor, bytes, { strategy: "chunked" });
    expect(context.log.calls.length).toBeGreaterThan(0);
    for (const call of context.log.calls) {
      expect(call.scopes).toEqual([{ type: "repository", name: repository, actions: ["pull", "push"] }]);
    }
  });
});
