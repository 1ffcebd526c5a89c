import { describe, expect, it } from "vitest";
import { piFractionWords, verifyBcrypt } from "./bcrypt.js";
import { parseHtpasswd } from "./parse-htpasswd.js";

// Generated with `htpasswd -nbB -C 5 alice s3cret` and `htpasswd -nbs bob hunter2` (apache2-utils).
const aliceBcrypt = "$2y$05$GSbDqIN8xfeBh4XUlrF3/eic4Rsmza5m9Vt8hrDZcBGeZfU5YQTFi";
const bobSha = "{SHA}87u9ZqY9S/F0eUBXjsPQEDUw4h0=";

describe("bcrypt", () => {
  it("starts Blowfish from the digits of pi (P[0], P[17], S0[0], S3[255])", () => {
    const words = piFractionWords();
    expect([words[0], words[17], words[18], words[1041]].map((word) => word?.toString(16))).toEqual([
      "243f6a88",
      "8979fb1b",
      "d1310ba6",
      "3ac372e6",
    ]);
  });

  it("verifies htpasswd -B hashes and refuses wrong passwords", () => {
    expect(verifyBcrypt("s3cret", aliceBcrypt)).toBe(true);
    expect(verifyBcrypt("s3creT", aliceBcrypt)).toBe(false);
    expect(verifyBcrypt("", aliceBcrypt)).toBe(false);
    expect(verifyBcrypt("s3cret", "$2y$05$short")).toBe(false);
  });

  it("matches the OpenBSD test vectors ($2a$, empty and long passwords)", () => {
    expect(verifyBcrypt("", "$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.")).toBe(true);
    expect(verifyBcrypt("abc", "$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i")).toBe(true);
    expect(
      verifyBcrypt(
        "abcdefghijklmnopqrstuvwxyz",
        "$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC",
      ),
    ).toBe(true);
  });
});

describe("parseHtpasswd", () => {
  it("checks bcrypt and {SHA} lines, skipping comments and blank lines", () => {
    const check = parseHtpasswd(`# users\nalice:${aliceBcrypt}\n\nbob:${bobSha}\n`);
    expect(check("alice", "s3cret")).toBe(true);
    expect(check("bob", "hunter2")).toBe(true);
    expect(check("bob", "hunter3")).toBe(false);
    expect(check("carol", "s3cret")).toBe(false);
  });

  it("refuses hashes it cannot check without echoing them", () => {
    const apr1 = "carol:$apr1$abc$defghijklmnopqrstuvwx/";
    expect(() => parseHtpasswd(apr1)).toThrow(/line 1 uses a hash this server cannot check/);
    expect(() => parseHtpasswd(apr1)).not.toThrow(/apr1/);
    expect(() => parseHtpasswd("no-colon")).toThrow(/line 1 is not user:hash/);
  });
});
