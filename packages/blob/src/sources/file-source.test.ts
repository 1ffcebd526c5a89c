import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NotFoundError, UsageError } from "@stevedore/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, drain, expectBytes } from "../test-support/byte-streams.js";
import { fileSource } from "./file-source.js";

const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
let directory: string;
let path: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "stevedore-blob-"));
  path = join(directory, "layer");
  await writeFile(path, bytes);
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("fileSource", () => {
  it.each([0, 1, 12_345, 1024 * 1024, bytes.length])("streams the file from offset %d", async (offset) => {
    const { chunks, failed } = await drain(fileSource(path)(offset));
    expect(failed).toBe(false);
    expectBytes(concat(chunks), bytes.subarray(offset));
  });

  it("reads in chunks of about a mebibyte by default and honours highWaterMark", async () => {
    const large = await drain(fileSource(path)(0));
    expect(large.chunks.length).toBe(4);
    const small = await drain(fileSource(path, { highWaterMark: 64 * 1024 })(0));
    expect(small.chunks.length).toBe(Math.ceil(bytes.length / (64 * 1024)));
  });

  it("fails a missing file with NotFoundError naming the path", async () => {
    const missing = join(directory, "missing");
    const { error } = await drain(fileSource(missing)(0));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(`${missing} does not exist`);
  });

  it.each([-1, 0.5])("rejects the offset %d with UsageError", (offset) => {
    expect(() => fileSource(path)(offset)).toThrow(UsageError);
  });
});
