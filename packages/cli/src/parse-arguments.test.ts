import { StevedoreError, UsageError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { commandTable } from "./command-table.js";
import { globalFlags } from "./global-options.js";
import { parseArguments } from "./parse-arguments.js";

const flags = [...globalFlags, ...commandTable.flatMap((command) => command.flags ?? [])];

describe("parseArguments", () => {
  const cases: [string, string[], Partial<ReturnType<typeof parseArguments>>][] = [
    ["command and arguments", ["pull", "alpine", "out"], { command: "pull", positionals: ["alpine", "out"] }],
    ["flags before the command", ["--json", "ls", "x"], { command: "ls", values: { json: true } }],
    [
      "flags between arguments",
      ["copy", "a", "--all-tags", "b"],
      { positionals: ["a", "b"], values: { "all-tags": true } },
    ],
    ["--flag value", ["ls", "x", "--concurrency", "4"], { values: { concurrency: "4" } }],
    ["--flag=value", ["ls", "x", "--concurrency=4"], { values: { concurrency: "4" } }],
    ["--flag= (empty value)", ["ls", "x", "--concurrency="], { values: { concurrency: "" } }],
    ["-u value", ["ls", "x", "-u", "alice"], { values: { username: "alice" } }],
    ["-uvalue", ["ls", "x", "-ualice"], { values: { username: "alice" } }],
    ["-u=value", ["ls", "x", "-u=alice"], { values: { username: "alice" } }],
    [
      "repeatable flags collect",
      ["pull", "a", "b", "--platform", "linux/amd64", "--platform=linux/arm64"],
      { values: { platform: ["linux/amd64", "linux/arm64"] } },
    ],
    ["-- ends flags", ["digest", "--", "--json"], { command: "digest", positionals: ["--json"], values: {} }],
    ["a lone - is an argument", ["push", "-", "x"], { positionals: ["-", "x"] }],
    ["no arguments", [], { command: undefined, positionals: [] }],
    ["short booleans", ["-q", "-h"], { values: { quiet: true, help: true } }],
  ];
  it.each(cases)("%s", (_name, argv, expected) => {
    expect(parseArguments(argv, flags)).toMatchObject(expected);
  });

  it("records how each flag was spelt, for messages", () => {
    expect(parseArguments(["ls", "-u", "a", "--password-stdin"], flags).given).toEqual([
      { name: "username", spelling: "-u" },
      { name: "password-stdin", spelling: "--password-stdin" },
    ]);
  });

  const failures: [string, string[], RegExp][] = [
    ["unknown long flag", ["--nope"], /^unknown flag --nope$/],
    ["unknown short flag", ["-z"], /^unknown flag -z$/],
    ["short booleans do not combine", ["-qh"], /^unknown flag -qh$/],
    ["missing value at the end", ["--platform"], /^--platform needs a value \(--platform P\|all\)$/],
    ["a flag is not a value", ["-u", "--json"], /^-u needs a value/],
    ["boolean with a value", ["--quiet=1"], /^--quiet takes no value$/],
    ["single-valued flag twice", ["--concurrency", "1", "--concurrency", "2"], /given more than once/],
    ["a long unknown flag is clipped", [`--${"x".repeat(200)}`], /^unknown flag --x+…$/],
  ];
  it.each(failures)("%s is a UsageError", (_name, argv, message) => {
    expect(() => parseArguments(argv, flags)).toThrow(UsageError);
    expect(() => parseArguments(argv, flags)).toThrow(message);
  });

  it("any argument vector gives a parse or a UsageError, nothing else", () => {
    const word = fc.oneof(
      fc.string(),
      fc.constantFrom("--", "-", "-u", "--platform", "--json", "--json=1", "-q", "--all-tags", "--x=y", "-"),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 12 }), (argv) => {
        try {
          const parsed = parseArguments(argv, flags);
          expect(Array.isArray(parsed.positionals)).toBe(true);
        } catch (error) {
          expect(StevedoreError.isInstance(error) && error.code).toBe("STEVEDORE_USAGE");
        }
      }),
    );
  });
});
