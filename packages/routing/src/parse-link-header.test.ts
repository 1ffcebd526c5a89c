import { InvalidHeaderError, StevedoreError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseLinkHeader } from "./parse-link-header.js";

const request = new URL("https://registry.example/v2/team/app/tags/list?n=2");

describe("parseLinkHeader (RFC 8288, spec/PROTOCOL.md §6)", () => {
  it.each<[string | string[], string]>([
    // distribution
    [
      '</v2/team/app/tags/list?last=b&n=2>; rel="next"',
      "https://registry.example/v2/team/app/tags/list?last=b&n=2",
    ],
    ['</v2/_catalog?last=b&n=2>; rel="next"', "https://registry.example/v2/_catalog?last=b&n=2"],
    // absolute (Quay, Harbor behind a proxy)
    [
      '<https://quay.example/v2/org/repo/tags/list?n=50&next_page=gAAAAABk>; rel="next"',
      "https://quay.example/v2/org/repo/tags/list?n=50&next_page=gAAAAABk",
    ],
    // unquoted, upper case, odd whitespace
    ["</v2/a/tags/list?last=c>;rel=next", "https://registry.example/v2/a/tags/list?last=c"],
    ['</v2/a/tags/list?last=c> ;  REL = "NEXT"', "https://registry.example/v2/a/tags/list?last=c"],
    // several relation types in one rel
    ['</p?x=1>; rel="prev next"', "https://registry.example/p?x=1"],
    // several links in one header, the next one not first, with other parameters and a comma in a URL
    [
      '</first?a=1,2>; rel="first", </prev>; rel=prev; title="a, \\"quoted\\" title", </v2/n?last=z>; title*=UTF-8\'\'x; rel="next"',
      "https://registry.example/v2/n?last=z",
    ],
    // relative to the request path
    ['<list?last=b>; rel="next"', "https://registry.example/v2/team/app/tags/list?last=b"],
    // several header lines
    [['</prev>; rel="prev"', '</v2/next>; rel="next"'], "https://registry.example/v2/next"],
    // empty list elements
    [' , </v2/next>; rel="next" ,', "https://registry.example/v2/next"],
    // the first rel parameter counts, later ones are ignored (RFC 8288 §3.3)
    ['</v2/next>; rel="next"; rel="prev"', "https://registry.example/v2/next"],
  ])("finds the next link in %j", (value, expected) => {
    expect(parseLinkHeader(value, request)?.href).toBe(expected);
  });

  it.each<[string | string[] | undefined]>([
    [undefined],
    [""],
    ["   "],
    [[]],
    ['</v2/prev>; rel="prev"'],
    ['</v2/x>; rel="nextpage"'],
    ["</v2/x>"],
    ['</v2/x>; rel="prev"; rel="next"'],
    ['</v2/x>; title="next"'],
  ])("finds no next link in %j", (value) => {
    expect(parseLinkHeader(value, request)).toBeUndefined();
  });

  it("takes the first next link", () => {
    expect(parseLinkHeader("</one>; rel=next, </two>; rel=next", request)?.pathname).toBe("/one");
  });

  it.each([
    "garbage",
    '/v2/next; rel="next"',
    '</v2/next; rel="next"',
    '</v2/next>; rel="next',
    '</v2/next> rel="next"',
    '</v2/next>; ="next"',
    "</v2/next>; rel=",
    '</v2/ne xt>; rel="next"',
    '</v2/next>; rel="next" junk',
    '<javascript:alert(1)>; rel="next"',
    '<https://user:pw@registry.example/v2/x>; rel="next"',
    '<http://[::1>; rel="next"',
    // Pointing back at the request itself would paginate forever.
    '<>; rel="next"',
    '</v2/team/app/tags/list?n=2>; rel="next"',
    '<https://registry.example/v2/team/app/tags/list?n=2#again>; rel="next"',
  ])("refuses %j", (value) => {
    expect(() => parseLinkHeader(value, request)).toThrow(InvalidHeaderError);
  });

  it("gives an http(s) URL, undefined or InvalidHeaderError for any input", () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "<",
        ">",
        ";",
        ",",
        " ",
        "\t",
        "rel",
        "REL",
        "=",
        '"',
        "\\",
        "next",
        "prev",
        "/v2/x?n=1",
        "http://h/",
        "javascript:x",
        "title*",
        "%",
        "\n",
      ),
      fc.string({ unit: "binary", maxLength: 6 }),
    );
    const header = fc.oneof(
      fc.string({ unit: "binary" }),
      fc.array(piece, { maxLength: 16 }).map((pieces) => pieces.join("")),
    );
    fc.assert(
      fc.property(fc.oneof(header, fc.array(header, { maxLength: 3 })), (value) => {
        try {
          const url = parseLinkHeader(value, request);
          if (url !== undefined) expect(["https:", "http:"]).toContain(url.protocol);
        } catch (error) {
          expect(StevedoreError.isInstance(error) && error.code).toBe("STEVEDORE_INVALID_HEADER");
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("finds the next link of any well-formed header", () => {
    const target = fc.webPath().map((path) => `/v2${path}`);
    const link = fc.record({
      target,
      rel: fc.constantFrom("next", "prev", "first", "last", '"prev next"', '"NEXT"', '"last"'),
      space: fc.constantFrom("", " ", "  ", "\t"),
    });
    fc.assert(
      fc.property(fc.array(link, { maxLength: 5 }), (links) => {
        const value = links.map((l) => `<${l.target}>${l.space};${l.space}rel=${l.rel}`).join(", ");
        const expected = links.find((l) => /next/i.test(l.rel));
        const want = expected && new URL(expected.target, request).href;
        if (want === request.href) {
          expect(() => parseLinkHeader(value, request)).toThrow(InvalidHeaderError);
          return;
        }
        expect(parseLinkHeader(value, request)?.href).toBe(want);
      }),
    );
  });
});
