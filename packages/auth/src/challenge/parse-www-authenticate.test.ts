import { InvalidHeaderError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Challenge } from "./parse-www-authenticate.js";
import { parseWwwAuthenticate } from "./parse-www-authenticate.js";

const cases: [string, string | string[], Challenge[]][] = [
  [
    "Docker Hub",
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    [
      {
        scheme: "bearer",
        parameters: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:samalba/my-app:pull,push",
        },
      },
    ],
  ],
  ["Basic", 'Basic realm="Registry Realm"', [{ scheme: "basic", parameters: { realm: "Registry Realm" } }]],
  [
    "case-insensitive scheme and keys",
    'BEARER Realm="r", SERVICE="s"',
    [{ scheme: "bearer", parameters: { realm: "r", service: "s" } }],
  ],
  [
    "two challenges in one header",
    'Basic realm="a, b", Bearer realm="https://t/token",service="x"',
    [
      { scheme: "basic", parameters: { realm: "a, b" } },
      { scheme: "bearer", parameters: { realm: "https://t/token", service: "x" } },
    ],
  ],
  [
    "several headers",
    ['Basic realm="one"', 'Bearer realm="https://t/token"'],
    [
      { scheme: "basic", parameters: { realm: "one" } },
      { scheme: "bearer", parameters: { realm: "https://t/token" } },
    ],
  ],
  [
    "escapes in quoted strings",
    'Bearer realm="a \\"quoted\\" \\\\ value",scope="x"',
    [{ scheme: "bearer", parameters: { realm: 'a "quoted" \\ value', scope: "x" } }],
  ],
  [
    "error parameter: insufficient_scope",
    'Bearer realm="https://t/token",service="s",scope="repository:a:pull repository:b:pull",error="insufficient_scope"',
    [
      {
        scheme: "bearer",
        parameters: {
          realm: "https://t/token",
          service: "s",
          scope: "repository:a:pull repository:b:pull",
          error: "insufficient_scope",
        },
      },
    ],
  ],
  [
    "error parameter: invalid_token, unquoted",
    'Bearer error=invalid_token, realm="r"',
    [{ scheme: "bearer", parameters: { error: "invalid_token", realm: "r" } }],
  ],
  [
    "a lone key= is token68 by the grammar",
    "Bearer realm=",
    [{ scheme: "bearer", parameters: {}, token68: "realm=" }],
  ],
  ["token68", "Negotiate abc+/def==", [{ scheme: "negotiate", parameters: {}, token68: "abc+/def==" }]],
  [
    "token68 then another challenge",
    'Negotiate abc=, Basic realm="x"',
    [
      { scheme: "negotiate", parameters: {}, token68: "abc=" },
      { scheme: "basic", parameters: { realm: "x" } },
    ],
  ],
  ["scheme alone", "Basic", [{ scheme: "basic", parameters: {} }]],
  [
    "schemes alone in a list",
    "Basic, Negotiate",
    [
      { scheme: "basic", parameters: {} },
      { scheme: "negotiate", parameters: {} },
    ],
  ],
  [
    "spaces around = and empty list elements",
    ' , Bearer realm = "r" , , service="s",',
    [{ scheme: "bearer", parameters: { realm: "r", service: "s" } }],
  ],
  [
    "unquoted realm URL (seen in the wild)",
    "Bearer realm=https://auth.example.com/token,service=registry",
    [{ scheme: "bearer", parameters: { realm: "https://auth.example.com/token", service: "registry" } }],
  ],
  [
    "repeated parameter keeps the first",
    'Basic realm="a", realm="b"',
    [{ scheme: "basic", parameters: { realm: "a" } }],
  ],
  ["empty header", "", []],
  ["no headers", [], []],
];

describe("parseWwwAuthenticate", () => {
  it.each(cases)("%s", (_name, input, expected) => {
    expect(parseWwwAuthenticate(input)).toEqual(expected);
  });

  const junk = [
    'Bearer realm="unterminated',
    "=oops",
    'Bearer realm="x" service="y"',
    'Bearer service="s", realm=',
    'Bearer realm= ,service="x"',
    'Bearer realm="bad \\',
    'Bearer realm="control\u0001char"',
    'Bearer realm="x", ,=y',
    "Bé realm=x",
    "Bearer; realm=x",
  ];
  it.each(junk)("rejects %j with InvalidHeaderError", (input) => {
    expect(() => parseWwwAuthenticate(input)).toThrow(InvalidHeaderError);
  });

  it("stores a __proto__ parameter as a plain parameter", () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", realm="r"');
    expect(challenge?.parameters.realm).toBe("r");
    expect(Object.hasOwn(challenge?.parameters ?? {}, "__proto__")).toBe(true);
  });

  it("gives challenges or InvalidHeaderError for any string", () => {
    const alphabet = fc.constantFrom(...'Bearer basic realm="\\, \t=abc/:+~\u0001é'.split(""));
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: alphabet }),
      fc.array(fc.string({ unit: alphabet })),
    );
    fc.assert(
      fc.property(input, (value) => {
        try {
          const challenges = parseWwwAuthenticate(value);
          for (const challenge of challenges) {
            expect(challenge.scheme).toBe(challenge.scheme.toLowerCase());
            expect(challenge.scheme).not.toBe("");
          }
        } catch (error) {
          expect(InvalidHeaderError.isInstance(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("round-trips generated challenges", () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/);
    const value = fc.string({ unit: fc.constantFrom(...'ab ,"\\=/:'.split("")) });
    fc.assert(
      fc.property(token, fc.dictionary(token, value, { minKeys: 1, maxKeys: 4 }), (scheme, parameters) => {
        const header = `${scheme} ${Object.entries(parameters)
          .map(([key, text]) => `${key}="${text.replace(/[\\"]/g, "\\$&")}"`)
          .join(", ")}`;
        const lower = Object.fromEntries(
          Object.entries(parameters).map(([key, text]) => [key.toLowerCase(), text]),
        );
        const [challenge] = parseWwwAuthenticate(header);
        expect(challenge?.scheme).toBe(scheme.toLowerCase());
        // Keys that differ only in case collapse to the first one, so compare each parsed key with its source.
        for (const [key, text] of Object.entries(challenge?.parameters ?? {})) {
          expect(Object.entries(parameters).find(([k]) => k.toLowerCase() === key)?.[1]).toBe(text);
        }
        expect(Object.keys(challenge?.parameters ?? {}).sort()).toEqual(Object.keys(lower).sort());
      }),
    );
  });
});
