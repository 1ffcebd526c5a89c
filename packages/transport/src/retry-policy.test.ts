import { describe, expect, it } from "vitest";
import { resolveOptions } from "./resolve-options.js";
import { decideRetry, isIdempotentMethod, type RetryFailure, retryFailureOf } from "./retry-policy.js";

const options = resolveOptions({
  retry: { maxRetries: 3, minDelay: 100, maxDelay: 1000, factor: 2, jitter: 0.5 },
}).retry;
const clock = { now: () => Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"), random: () => 0 };

describe("decideRetry", () => {
  it.each<[string, RetryFailure, number, boolean, number | undefined]>([
    ["503, first attempt", { status: 503 }, 1, true, 100],
    ["503, third attempt", { status: 503 }, 3, true, 400],
    ["503, past maxRetries", { status: 503 }, 4, true, undefined],
    ["408", { status: 408 }, 1, true, 100],
    ["429 with Retry-After seconds", { status: 429, headers: { "retry-after": "7" } }, 1, true, 7000],
    [
      "429 with Retry-After date",
      { status: 429, headers: { "retry-after": "Wed, 21 Oct 2015 07:28:03 GMT" } },
      1,
      true,
      3000,
    ],
    [
      "429 with Retry-After past the cap",
      { status: 429, headers: { "retry-after": "61" } },
      1,
      true,
      undefined,
    ],
    [
      "429 with an unreadable Retry-After",
      { status: 429, headers: { "retry-after": "later" } },
      2,
      true,
      200,
    ],
    ["404", { status: 404 }, 1, true, undefined],
    ["501", { status: 501 }, 1, true, undefined],
    ["503 of a non-idempotent request", { status: 503 }, 1, false, undefined],
    ["ECONNRESET", { code: "ECONNRESET" }, 1, true, 100],
    ["ECONNRESET of a non-idempotent request", { code: "ECONNRESET" }, 1, false, undefined],
    ["ECONNREFUSED of a non-idempotent request", { code: "ECONNREFUSED" }, 1, false, 100],
    ["ECONNREFUSED on a loopback host", { code: "ECONNREFUSED", loopback: true }, 1, true, undefined],
    ["ECONNRESET on a loopback host", { code: "ECONNRESET", loopback: true }, 1, true, 100],
    ["a connect timeout of a non-idempotent request", { code: "UND_ERR_CONNECT_TIMEOUT" }, 2, false, 200],
    ["ENOTFOUND", { code: "ENOTFOUND" }, 1, true, undefined],
    ["a certificate error", { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }, 1, true, undefined],
    ["no code at all", {}, 1, true, undefined],
    ["a backoff capped at maxDelay", { code: "UND_ERR_SOCKET" }, 3, true, 400],
  ])("%s", (_name, failure, attempt, idempotent, delay) => {
    expect(decideRetry(failure, attempt, idempotent, options, clock)?.delay).toBe(delay);
  });

  it("retries statuses but not a cut connection of a request sent with retryAfterCut false", () => {
    expect(decideRetry({ code: "ECONNRESET" }, 1, true, options, clock, false)).toBeUndefined();
    expect(decideRetry({ code: "UND_ERR_SOCKET" }, 1, true, options, clock, false)).toBeUndefined();
    expect(decideRetry({ code: "ECONNREFUSED" }, 1, true, options, clock, false)?.delay).toBe(100);
    expect(decideRetry({ status: 503 }, 1, true, options, clock, false)?.delay).toBe(100);
  });

  it("takes up to `jitter` of the backoff off at random", () => {
    const delays = [0, 0.5, 0.999].map(
      (random) => decideRetry({ status: 500 }, 2, true, options, { ...clock, random: () => random })?.delay,
    );
    expect(delays).toEqual([200, 150, 100]);
  });

  it("never exceeds maxDelay", () => {
    const capped = resolveOptions({ retry: { maxRetries: 50, minDelay: 500, maxDelay: 2000 } }).retry;
    expect(decideRetry({ status: 502 }, 40, true, capped, clock)?.delay).toBe(2000);
  });
});

describe("retryFailureOf", () => {
  it("reads undici's RequestRetryError and connection errors", () => {
    const retryError = Object.assign(new Error("Request failed"), {
      code: "UND_ERR_REQ_RETRY",
      statusCode: 429,
      headers: { "retry-after": "1" },
    });
    expect(retryFailureOf(retryError)).toEqual({ status: 429, headers: { "retry-after": "1" } });
    expect(retryFailureOf(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toEqual({
      code: "ECONNRESET",
    });
    expect(retryFailureOf("weird")).toEqual({});
  });
});

describe("isIdempotentMethod", () => {
  it.each([
    ["GET", true],
    ["head", true],
    ["PUT", true],
    ["DELETE", true],
    ["POST", false],
    ["PATCH", false],
  ])("%s → %s", (method, expected) => {
    expect(isIdempotentMethod(method)).toBe(expected);
  });
});
