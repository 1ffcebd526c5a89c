import { describe, expect, it } from "vitest";
import { errorCode } from "./error-code.js";
import { UsageError } from "./errors.js";

describe("errorCode", () => {
  it.each([
    [Object.assign(new Error("gone"), { code: "ENOENT" }), "ENOENT"],
    [new UsageError("bad"), "STEVEDORE_USAGE"],
    [{ code: "UND_ERR_SOCKET" }, "UND_ERR_SOCKET"],
    [Object.assign(new Error("numeric"), { code: 5 }), undefined],
    [new Error("none"), undefined],
    [null, undefined],
    [undefined, undefined],
    ["ENOENT", undefined],
  ])("gives the string code of %o, or undefined", (error, code) => {
    expect(errorCode(error)).toBe(code);
  });
});
