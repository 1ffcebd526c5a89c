import { describe, expect, it } from "vitest";
import { AbortError } from "./errors.js";
import { withSignal } from "./with-signal.js";

describe("withSignal", () => {
  it("passes the value through while the signal stays quiet", async () => {
    await expect(withSignal(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(withSignal(Promise.reject(new Error("boom")), undefined)).rejects.toThrow("boom");
  });

  it("rejects with AbortError, the reason as its cause, as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const waiting = withSignal(new Promise<never>(() => undefined), controller.signal);
    const reason = new Error("stopped by the user");
    controller.abort(reason);
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe(reason);
  });

  it("rejects at once for a signal already aborted, and a later failure of the promise goes unreported", async () => {
    await expect(withSignal(Promise.resolve(1), AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    // An aborted source's next step fails too: without a handler it would be an unhandled rejection.
    const failing = Promise.reject(new AbortError());
    await expect(withSignal(failing, AbortSignal.abort())).rejects.toBeInstanceOf(AbortError);
    await new Promise((resolve) => setImmediate(resolve));
  });
});
