import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { commandTable } from "./command-table.js";
import { cliVersion } from "./commands/version.js";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

/** Asserts the documented error shape: exactly one stderr line `stevedore: <what>: <message> (<hint>)`. */
function expectOneErrorLine(stderrLines: string[], pattern: RegExp): void {
  expect(stderrLines).toHaveLength(1);
  expect(stderrLines[0]).toMatch(/^stevedore: [^\n]+: [^\n]+$/);
  expect(stderrLines[0]).toMatch(pattern);
}

describe("main: version and help", () => {
  it.each([["version"], ["--version"], ["-v"]])("%s prints the package version", async (flag) => {
    const run = await runCli([flag]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe(`stevedore ${cliVersion()} (node ${process.version})\n`);
    expect(run.stderr).toBe("");
    expect(cliVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("version --json is one result object", async () => {
    const run = await runCli(["version", "--json"]);
    expect(run.json()).toEqual([
      { type: "result", command: "version", version: cliVersion(), node: process.version },
    ]);
  });

  it("--help lists every command, the global flags and the exit codes on stdout", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const command of commandTable) expect(run.stdout).toContain(`  ${command.name}`);
    for (const flag of ["--platform", "--insecure", "--plain-http", "--ca-file", "--password-stdin"]) {
      expect(run.stdout).toContain(flag);
    }
    // Loopback registries get HTTPS when they speak TLS (issue 12.5): the help must not promise plain HTTP.
    expect(run.stdout).not.toMatch(/localhost are spoken to over plain HTTP/);
    expect(run.stdout.replace(/\s+/g, " ")).toContain(
      "Registries on 127.0.0.1, ::1, localhost or *.localhost get HTTPS when they speak TLS, else plain HTTP",
    );
    expect(run.stdout).toMatch(/^ {2}130 +interrupted/m);
    expect(run.stdout).toMatch(/^ {2}3 +not found/m);
    expect(run.stderr).toBe("");
  });

  it("no command prints the help on stderr and exits 2", async () => {
    const run = await runCli([]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("Usage: stevedore COMMAND");
  });

  it.each(commandTable.map((command) => [command.name]))(
    "help %s, %s --help and -h print the same command help with examples",
    async (name) => {
      const viaHelp = await runCli(["help", name]);
      const viaFlag = await runCli([name, "--help"]);
      const viaShort = await runCli([name, "-h"]);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toContain(`Usage: stevedore ${name}`);
      expect(viaHelp.stdout).toContain("Examples:\n  stevedore ");
      expect(viaFlag.stdout).toBe(viaHelp.stdout);
      expect(viaShort.stdout).toBe(viaHelp.stdout);
    },
  );

  it("cp is copy", async () => {
    const run = await runCli(["cp", "--help"]);
    expect(run.stdout).toContain("Usage: stevedore copy SRC DST");
    expect(run.stdout).toContain("Aliases: cp");
  });

  it("help for an unknown command is a usage error", async () => {
    const run = await runCli(["help", "frobnicate"]);
    expect(run.code).toBe(ExitCode.usage);
    expectOneErrorLine(run.stderrLines, /no command "frobnicate"/);
  });
});

describe("main: usage errors exit 2 with one line", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown command", ["frobnicate"], /^stevedore: arguments: unknown command "frobnicate"/],
    ["a typo gets a suggestion", ["cpoy", "a", "b"], /did you mean 'copy'\?/],
    [
      "unknown flag",
      ["ls", "--frob", "localhost:5000/app"],
      /^stevedore: ls: unknown flag --frob \(see 'stevedore help ls'\)$/,
    ],
    ["unknown short flag", ["ls", "-x", "localhost:5000/app"], /unknown flag -x/],
    [
      "flag of another command",
      ["pull", "a:1", "out", "--all-tags"],
      /--all-tags does not apply to 'stevedore pull'/,
    ],
    ["missing value", ["ls", "localhost:5000/app", "--concurrency"], /--concurrency needs a value/],
    ["value for a boolean flag", ["ls", "x", "--json=yes"], /--json takes no value/],
    [
      "missing argument",
      ["pull", "alpine:3.20"],
      /missing PATH \(usage: stevedore pull REF PATH \[flags\]\)/,
    ],
    ["missing file argument for push", ["push"], /missing PATH and REF/],
    ["extra argument", ["digest", "a:1", "b:2"], /unexpected argument "b:2"/],
    [
      "bad concurrency",
      ["ls", "x", "--concurrency", "0"],
      /--concurrency "0" is not a whole number from 1 to 256/,
    ],
    ["concurrency not a number", ["ls", "x", "--concurrency=lots"], /--concurrency "lots"/],
    ["-u without --password-stdin", ["ls", "x", "-u", "alice"], /-u\/--username needs --password-stdin/],
    ["--password-stdin without -u", ["ls", "x", "--password-stdin"], /--password-stdin needs -u\/--username/],
    [
      "wrong platform syntax",
      ["config", "alpine", "--platform", "linux"],
      /invalid platform "linux": missing architecture/,
    ],
    ["platform with bad characters", ["inspect", "alpine", "--platform", "linux/am d64"], /invalid platform/],
    [
      "all mixed with platforms",
      ["pull", "a:1", "out", "--platform", "all,linux/amd64"],
      /cannot be combined/,
    ],
    ["config with all platforms", ["config", "alpine:3", "--platform", "all"], /config reads one platform/],
    [
      "pull --format zip",
      ["pull", "a:1", "out", "--format", "zip"],
      /--format "zip" is not oci, oci-archive or docker/,
    ],
    ["pull --format with prefix", ["pull", "a:1", "oci:out", "--format", "docker"], /cannot be combined/],
    ["blob without digest", ["blob", "localhost:5000/app:v1"], /blob needs REPOSITORY@DIGEST/],
    [
      "blob --json",
      ["blob", `localhost:5000/app@sha256:${"a".repeat(64)}`, "--json"],
      /--json does not apply/,
    ],
    ["ls with a tag", ["ls", "localhost:5000/app:v1"], /ls takes a repository without tag or digest/],
    ["login without -u", ["login", "localhost:5000"], /login needs -u USER and --password-stdin/],
    [
      "login to a non-host",
      ["login", "alice", "-u", "a", "--password-stdin"],
      /"alice" is not a registry host/,
    ],
    ["catalog of a non-host", ["catalog", "not a host"], /is not a registry host/],
    ["tag with a bad tag", ["tag", "localhost:5000/app:v1", "bad tag"], /invalid reference/],
  ];
  it.each(cases)("%s", async (_name, argv, pattern) => {
    const run = await runCli(argv, { stdin: "secret\n" });
    expect(run.code).toBe(ExitCode.usage);
    expectOneErrorLine(run.stderrLines, pattern);
    // With --json the error is also a JSON line on stdout; nothing else is printed.
    if (argv.includes("--json")) expect(run.json()).toEqual([expect.objectContaining({ type: "error" })]);
    else expect(run.stdout).toBe("");
  });

  const malformed = "localhost:5000/Bad Name";
  const malformedCases: [string, string[]][] = [
    ["ls", ["ls", malformed]],
    ["manifest", ["manifest", malformed]],
    ["config", ["config", malformed]],
    ["digest", ["digest", malformed]],
    ["blob", ["blob", malformed]],
    ["inspect", ["inspect", malformed]],
    ["tag", ["tag", malformed, "v2"]],
    ["delete", ["delete", malformed]],
    ["referrers", ["referrers", malformed]],
    ["pull", ["pull", malformed, "out"]],
    ["push", ["push", "layout", malformed]],
    ["copy", ["copy", malformed, "localhost:5000/app:v1"]],
    ["cp (destination)", ["cp", "localhost:5000/app:v1", "localhost:5000/UPPER:v1"]],
  ];
  it.each(malformedCases)("%s: a malformed reference exits 2", async (name, argv) => {
    const run = await runCli(argv);
    expect(run.code).toBe(ExitCode.usage);
    expectOneErrorLine(run.stderrLines, /invalid reference/);
    expect(run.stderrLines[0]).toContain(
      `see 'stevedore help ${name.split(" ")[0] === "cp" ? "copy" : name}'`,
    );
  });

  it.each([
    ["copy", ["copy", "ftp:image", "localhost:5000/app:v1"]],
    ["push", ["push", "layout", "ftp://host/app:v1"]],
    ["pull", ["pull", "sftp://host/x", "out"]],
  ])("%s: an unknown transport exits 2", async (_name, argv) => {
    const run = await runCli(argv);
    expect(run.code).toBe(ExitCode.usage);
    expectOneErrorLine(run.stderrLines, /unknown transport/);
  });

  it("--json adds the error as a JSON line on stdout, still one line on stderr", async () => {
    const run = await runCli(["digest", "localhost:5000/Bad", "--json"]);
    expect(run.code).toBe(2);
    expect(run.stderrLines).toHaveLength(1);
    expect(run.json()).toEqual([
      {
        type: "error",
        command: "digest",
        exitCode: 2,
        error: {
          name: "InvalidReferenceError",
          code: "STEVEDORE_INVALID_REFERENCE",
          message: expect.any(String),
        },
      },
    ]);
  });

  it("--debug adds the stack after the one line", async () => {
    const run = await runCli(["digest", "localhost:5000/Bad", "--debug"]);
    expect(run.code).toBe(2);
    expect(run.stderrLines[0]).toMatch(/^stevedore: digest localhost:5000\/Bad: invalid reference/);
    expect(run.stderrLines.length).toBeGreaterThan(1);
    expect(run.stderr).toMatch(/InvalidReferenceError: invalid reference[^\n]*\n\s+at /);
  });

  it("never prints the stdin password, whatever fails", async () => {
    const secret = "s3cr3t-sentinel-password";
    for (const argv of [
      ["ls", "localhost:5000/Bad", "-u", "alice", "--password-stdin", "--debug", "--json"],
      ["login", "nohost", "-u", "alice", "--password-stdin", "--debug"],
      ["frobnicate", "-u", "alice", "--password-stdin"],
    ]) {
      const run = await runCli(argv, { stdin: `${secret}\n` });
      expect(run.code).toBe(2);
      expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });
});

describe("main: afterLoad", () => {
  it("is called once a command has loaded the client, and not for --version", async () => {
    const calls: string[] = [];
    const version = await runCli(["--version"], { afterLoad: () => calls.push("afterLoad") });
    expect(version.code).toBe(ExitCode.ok);
    expect(calls).toEqual([]);

    // A layout that does not exist: the client loads, then the command fails before anything is sent.
    const copy = await runCli(["copy", "oci:/nonexistent/stevedore-after-load", "oci:/nonexistent/out"], {
      afterLoad: (command) => calls.push(`afterLoad ${command}`),
    });
    expect(copy.code).not.toBe(ExitCode.ok);
    // With the command's canonical name: start.ts loads what that command needs before it sets V8's flags.
    expect(calls).toEqual(["afterLoad copy"]);
  });
});

describe("main: connections when it returns", () => {
  /** A registry on 127.0.0.1 with one tag, `app:v1`, and the connections it has open. */
  async function registry(): Promise<{
    host: string;
    open: Set<Socket>;
    [Symbol.asyncDispose](): Promise<void>;
  }> {
    const digest = `sha256:${"a".repeat(64)}`;
    const server = createServer((request, response) => {
      if (request.url === "/v2/app/manifests/v1") {
        response.writeHead(200, {
          "content-type": "application/vnd.oci.image.manifest.v1+json",
          "docker-content-digest": digest,
          "content-length": "2",
        });
        return void response.end(request.method === "HEAD" ? undefined : "{}");
      }
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
    });
    const open = new Set<Socket>();
    server.on("connection", (socket: Socket) => {
      open.add(socket);
      // The client's end of a connection (its FIN) shows here as `end`.
      socket.on("end", () => open.delete(socket));
      socket.on("close", () => open.delete(socket));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    return {
      host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      open,
      async [Symbol.asyncDispose]() {
        server.closeAllConnections();
        server.close();
        await once(server, "close");
      },
    };
  }
  const closed = (sockets: Set<Socket>): Promise<unknown> =>
    Promise.all([...sockets].map((socket) => once(socket, "close")));
  // A connection the client closed before `main` returned has its end waiting to be read: one turn of the
  // event loop (its poll phase runs before `setImmediate`) reads it.
  const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it("closes the clients' connections for a program that embeds it", async () => {
    await using server = await registry();
    const run = await runCli(["digest", `${server.host}/app:v1`, "--plain-http"]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe(`sha256:${"a".repeat(64)}\n`);
    await closed(server.open);
  });

  it("leaves them to the process's end after a command that succeeded when the process ends", async () => {
    await using server = await registry();
    const run = await runCli(["digest", `${server.host}/app:v1`, "--plain-http"], { endsProcess: true });
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe(`sha256:${"a".repeat(64)}\n`);
    await nextTurn();
    expect(server.open.size).toBe(1);

    for (const socket of server.open) socket.destroy();
    server.open.clear();
    // A failed command closes them as before: nothing of it is left running.
    const missing = await runCli(["digest", `${server.host}/app:v2`, "--plain-http"], { endsProcess: true });
    expect(missing.code).toBe(ExitCode.notFound);
    await closed(server.open);
  });
});
