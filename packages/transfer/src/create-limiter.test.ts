import { AbortError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { createLimiter } from "./create-limiter.js";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

describe("createLimiter", () => {
  it("runs tasks in arrival order within the limit, and frees a slot when a task fails", async () => {
    const limiter = createLimiter(2, new AbortController().signal);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((gate, position) =>
      limiter.run(async () => {
        started.push(position);
        await gate.promise;
        return position;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    gates[1]?.reject(new Error("task 1 failed"));
    await expect(runs[1]).rejects.toThrow("task 1 failed");
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    await expect(runs[0]).resolves.toBe(0);
    gates[3]?.resolve();
    await expect(Promise.all(runs.filter((_, position) => position !== 1))).resolves.toEqual([0, 2, 3]);
  });

  it("refuses every waiting task at once on abort and never starts them", async () => {
    const controller = new AbortController();
    const limiter = createLimiter(1, controller.signal);
    const gate = deferred();
    let started = 0;
    const count = async (): Promise<void> => {
      started += 1;
    };
    const running = limiter.run(async () => {
      started += 1;
      await gate.promise;
    });
    const waiting = [1, 2, 3].map(() => limiter.run(count));
    await Promise.resolve();
    expect(started).toBe(1);
    controller.abort(new Error("stop"));
    for (const promise of waiting) await expect(promise).rejects.toThrow(AbortError);
    gate.resolve();
    await running;
    await expect(limiter.run(count)).rejects.toThrow(AbortError);
    expect(started).toBe(1);
  });
});
