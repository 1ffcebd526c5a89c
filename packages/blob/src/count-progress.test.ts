import { UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { countProgress } from "./count-progress.js";
import { fromChunks } from "./test-support/byte-streams.js";

const chunks = [
  new Uint8Array(100),
  new Uint8Array(0),
  new Uint8Array(150),
  new Uint8Array(100),
  new Uint8Array(30),
];

describe("countProgress", () => {
  it("reports the running total after each chunk is taken", async () => {
    const events: string[] = [];
    for await (const chunk of countProgress(fromChunks(chunks), (bytes) =>
      events.push(`progress ${bytes}`),
    )) {
      events.push(`took ${chunk.length}`);
    }
    expect(events).toEqual([
      "took 100",
      "progress 100",
      "took 0",
      "took 150",
      "progress 250",
      "took 100",
      "progress 350",
      "took 30",
      "progress 380",
    ]);
  });

  it("reports at most once per `every` bytes, and always the final total", async () => {
    const reported: number[] = [];
    for await (const _chunk of countProgress(fromChunks(chunks), (bytes) => reported.push(bytes), {
      every: 200,
    })) {
      // consume
    }
    expect(reported).toEqual([250, 380]);
  });

  it("reports nothing for an empty source", async () => {
    const reported: number[] = [];
    for await (const _chunk of countProgress(fromChunks([]), (bytes) => reported.push(bytes))) {
      // consume
    }
    expect(reported).toEqual([]);
  });

  it.each([-1, 0.5])("rejects the interval %d with UsageError", (every) => {
    expect(() => countProgress(fromChunks([]), () => undefined, { every })).toThrow(UsageError);
  });
});
