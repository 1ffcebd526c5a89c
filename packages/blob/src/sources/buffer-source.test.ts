import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { concat, drain } from "../test-support/byte-streams.js";
import { bufferSource } from "./buffer-source.js";

const bytes = new Uint8Array(1000).map((_, index) => index % 256);

describe("bufferSource", () => {
  it.each([0, 1, 499, 999, 1000])("streams the bytes from offset %d, as often as asked", async (offset) => {
    const source = bufferSource(bytes);
    for (let round = 0; round < 2; round += 1) {
      expect(concat((await drain(source(offset))).chunks)).toEqual(bytes.subarray(offset));
    }
  });

  it.each([-1, 1001, 0.5])("rejects the offset %d with UsageError", (offset) => {
    expect(() => bufferSource(bytes)(offset)).toThrow(UsageError);
  });
});
