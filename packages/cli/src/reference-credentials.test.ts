// Issue 13, point 7: a password typed into a reference (`alice:S3cret@host/a:t`, as in a URL) never reaches
// stderr, stdout, --json or --debug output, whichever command and argument position carries it.
import { describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

const secret = "S3cretPw";
const cases: string[][] = [
  ["pull", `alice:${secret}@host/a:t`, "out"],
  ["pull", `alice:${secret}@127.0.0.1:5999/a:t`, "out"],
  ["pull", `docker://alice:${secret}@127.0.0.1:5999/a`, "out"],
  ["pull", `https://alice:${secret}@127.0.0.1:5999/a:t`, "out"],
  ["push", "oci:./layout", `alice:${secret}@127.0.0.1:5999/a:t`],
  ["copy", `alice:${secret}@127.0.0.1:5999/a:t`, "127.0.0.1:5999/b:t"],
  ["copy", "127.0.0.1:5999/a:t", `alice:${secret}@127.0.0.1:5999/b`],
  ["manifest", `alice:${secret}@127.0.0.1:5999/a`],
  ["config", `alice:${secret}@host/a`],
  ["digest", `alice:${secret}@host/a`],
  ["blob", `alice:${secret}@host/a@sha256:${"0".repeat(64)}`],
  ["inspect", `alice:${secret}@host/a`],
  ["ls", `alice:${secret}@host/a`],
  ["tag", `alice:${secret}@host/a:t`, "u"],
  ["delete", `alice:${secret}@host/a:t`],
  ["referrers", `alice:${secret}@host/a:t`],
  ["catalog", `alice:${secret}@127.0.0.1:5999`],
  ["login", `alice:${secret}@127.0.0.1:5999`, "-u", "alice", "--password-stdin"],
  ["logout", `alice:${secret}@127.0.0.1:5999`],
  ["pull", "a", "b", `alice:${secret}@host/x`],
  ["pull", `alice:x@${secret}@127.0.0.1:5999/a:t`, "out"],
  [`alice:${secret}@host/x`],
];

describe("a password typed into a reference", () => {
  it.each(cases)("is never echoed: %s %s", async (...argv) => {
    const run = await runCli([...argv, "--debug", "--json"], { stdin: "pw\n" });
    expect(run.code).toBe(ExitCode.usage);
    expect(`${run.stdout}\n${run.stderr}`).not.toContain(secret);
    expect(run.stderr.split("\n")[0]).toMatch(/^stevedore: /);
  });

  // The image name of a docker archive is a reference too; the command may fail first for another reason
  // (here: no layout, no registry), but never with the password in its line.
  it.each([
    ["copy", "oci:./no-layout", `docker-archive:./out.tar:alice:${secret}@127.0.0.1:5999/a:t`],
    ["push", `docker-archive:./no.tar:alice:${secret}@host/a:t`, "127.0.0.1:5999/a:t"],
    ["pull", "127.0.0.1:1/a:t", `docker-archive:./out.tar:alice:${secret}@host/a:t`],
  ])("is never echoed as a docker archive's image name: %s %s %s", async (...argv) => {
    const run = await runCli([...argv, "--debug", "--json"]);
    expect(run.code).not.toBe(0);
    expect(`${run.stdout}\n${run.stderr}`).not.toContain(secret);
    expect(run.stderrLines.filter((line) => line.startsWith("stevedore: "))).toHaveLength(1);
  });

  it("is refused as unsupported, saying what to do instead", async () => {
    const run = await runCli(["pull", `alice:${secret}@host/a:t`, "out"]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderrLines).toHaveLength(1);
    expect(run.stderrLines[0]).toContain("credentials in references are not supported");
    expect(run.stderrLines[0]).toContain("stevedore login");
    expect(run.stderrLines[0]).toContain("REDACTED@host/a:t");
  });
});
