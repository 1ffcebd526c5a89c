/**
 * Command-line credentials reach only the registry they are for (issue 12, point 4). Two registries with
 * token auth (alice's and bob's) and a recording registry that asks every request for Basic credentials;
 * each sits behind a recorder of the `Authorization` headers it receives. Whatever the direction of a copy
 * and however the credentials are given, a registry sees only its own user's.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { createTestImage, writeTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { runCli } from "./test-support/fake-io.js";

/** A listening server that records the `Authorization` header of every request it receives. */
interface Recorder {
  host: string;
  /** Every `Authorization` value received, in order. */
  authorizations: string[];
  requests: number;
  close(): Promise<void>;
}

const alicePassword = "alice-s3cret-password";
const bobPassword = "bob-other-password";
const servers: RegistryServer[] = [];
const recorders: Recorder[] = [];
let alice: Recorder;
let bob: Recorder;
let other: Recorder;
let workspace: string;
let layout: string;
let env: Record<string, string>;

/** Forwards to `target` (keeping the Host header, so token realms point back here), or answers 401 Basic. */
async function startRecorder(target?: string): Promise<Recorder> {
  const authorizations: string[] = [];
  let requests = 0;
  const server: Server = createServer((incoming, response) => {
    requests++;
    if (incoming.headers.authorization !== undefined) authorizations.push(incoming.headers.authorization);
    if (target === undefined) {
      incoming.resume();
      response
        .writeHead(401, { "www-authenticate": 'Basic realm="recorder"', "content-type": "application/json" })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    const forwarded = httpRequest(
      `${target}${incoming.url ?? "/"}`,
      { method: incoming.method, headers: incoming.headers as IncomingHttpHeaders },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on("error", () => response.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const recorder: Recorder = {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  recorders.push(recorder);
  return recorder;
}

async function tokenRegistry(user: string, password: string): Promise<Recorder> {
  const server = createRegistryServer({ auth: { type: "token", users: { [user]: password } } });
  servers.push(server);
  const { url } = await server.listen(0);
  return startRecorder(url);
}

/** The user names in the Basic headers a recorder received (token requests carry them). */
function basicUsers(recorder: Recorder): string[] {
  return recorder.authorizations
    .filter((value) => /^basic /i.test(value))
    .map((value) => Buffer.from(value.slice(6), "base64").toString("utf8").split(":")[0] ?? "");
}

function repository(recorder: Recorder, name: string): string {
  return `${recorder.host}/team/${name}-${randomUUID().slice(0, 8)}:v1`;
}

beforeAll(async () => {
  alice = await tokenRegistry("alice", alicePassword);
  bob = await tokenRegistry("bob", bobPassword);
  other = await startRecorder();
  workspace = await mkdtemp(join(tmpdir(), "stevedore-copy-credentials-"));
  layout = join(workspace, "layout");
  await writeTestLayout(layout, createTestImage({ label: "scoped-credentials" }), "v1");
  await writeFile(join(workspace, "alice.txt"), `${alicePassword}\n`);
  await writeFile(join(workspace, "bob.txt"), `${bobPassword}\n`);
  env = { DOCKER_CONFIG: workspace, HOME: workspace };
});

afterAll(async () => {
  await Promise.all(recorders.map((recorder) => recorder.close()));
  await Promise.all(servers.map((server) => server.close()));
  await rm(workspace, { recursive: true, force: true });
});

async function pushToAlice(): Promise<string> {
  const name = repository(alice, "source");
  const run = await runCli(["push", `oci:${layout}:v1`, name, "-u", "alice", "--password-stdin", "-q"], {
    env,
    stdin: alicePassword,
  });
  expect([run.code, run.stderr]).toEqual([0, ""]);
  return name;
}

describe("credentials given for one side of a copy never reach the other side", () => {
  it("-u with two registries is a usage error, and neither registry hears of it", async () => {
    const source = await pushToAlice();
    const before = alice.requests;
    const run = await runCli(
      ["copy", source, repository(other, "copy"), "-u", "alice", "--password-stdin", "-q"],
      { env, stdin: alicePassword },
    );
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(
      /-u\/--username applies to one registry, and this copy names two .*--src-username and --dest-username/,
    );
    expect(run.stderr).not.toContain(alicePassword);
    expect([alice.requests, other.requests, other.authorizations]).toEqual([before, 0, []]);
  });

  it.each([
    ["stdin", ["--src-password-stdin"]],
    ["a file", ["--src-password-file", "alice.txt"]],
  ])(
    "SRC's credentials (password from %s) are not offered to a DST that asks for some",
    async (_how, flags) => {
      const source = await pushToAlice();
      const run = await runCli(
        [
          "copy",
          source,
          repository(other, "copy"),
          "--src-username",
          "alice",
          ...flags.map((flag) => (flag.endsWith(".txt") ? join(workspace, flag) : flag)),
          "-q",
        ],
        { env, stdin: `${alicePassword}\n` },
      );
      expect(run.code).toBe(ExitCode.authentication);
      expect(run.stderr).toContain("no credentials are configured for this registry, log in first");
      expect(other.requests).toBeGreaterThan(0);
      expect(other.authorizations).toEqual([]);
      expect(basicUsers(alice).every((user) => user === "alice")).toBe(true);
    },
  );

  it("DST's credentials are not offered to a SRC that asks for some", async () => {
    const run = await runCli(
      [
        "copy",
        repository(other, "source"),
        repository(alice, "copy"),
        "--dest-username",
        "alice",
        "--dest-password-stdin",
        "-q",
      ],
      { env, stdin: `${alicePassword}\n` },
    );
    expect(run.code).toBe(ExitCode.authentication);
    expect(other.authorizations).toEqual([]);
  });

  it("between two registries with credentials, each sees only its own user, in both directions", async () => {
    const source = await pushToAlice();
    const toBob = repository(bob, "copy");
    const there = await runCli(
      [
        "copy",
        source,
        toBob,
        "--src-username",
        "alice",
        "--src-password-stdin",
        "--dest-username",
        "bob",
        "--dest-password-stdin",
        "-q",
      ],
      { env, stdin: `${alicePassword}\n${bobPassword}\n` },
    );
    expect([there.code, there.stderr]).toEqual([0, ""]);
    const back = await runCli(
      [
        "copy",
        toBob,
        repository(alice, "back"),
        "--src-username",
        "bob",
        "--src-password-file",
        join(workspace, "bob.txt"),
        "--dest-username",
        "alice",
        "--dest-password-stdin",
        "-q",
      ],
      { env, stdin: alicePassword },
    );
    expect([back.code, back.stderr]).toEqual([0, ""]);
    expect(new Set(basicUsers(alice))).toEqual(new Set(["alice"]));
    expect(new Set(basicUsers(bob))).toEqual(new Set(["bob"]));
    for (const value of alice.authorizations)
      expect(value).not.toContain(Buffer.from(`bob:${bobPassword}`).toString("base64"));
    for (const value of bob.authorizations)
      expect(value).not.toContain(Buffer.from(`alice:${alicePassword}`).toString("base64"));
  });

  it("-u still applies when the copy names one registry", async () => {
    const run = await runCli(
      ["copy", `oci:${layout}:v1`, repository(bob, "from-layout"), "-u", "bob", "--password-stdin", "-q"],
      { env, stdin: bobPassword },
    );
    expect([run.code, run.stderr]).toEqual([0, ""]);
  });

  it.each([
    [["--src-username", "alice"], /--src-username needs one of --src-password-stdin or --src-password-file/],
    [["--dest-password-stdin"], /--dest-password-stdin and --dest-password-file need --dest-username/],
    [
      ["--src-username", "alice", "--src-password-stdin", "--src-password-file", "x"],
      /needs one of --src-password-stdin or --src-password-file/,
    ],
    [["-u", "alice", "--password-stdin", "--dest-username", "bob"], /cannot be combined with --src-username/],
  ])("%j is a usage error before any request", async (flags, message) => {
    const before = alice.requests + bob.requests;
    const run = await runCli(["copy", repository(alice, "a"), repository(bob, "b"), ...flags], {
      env,
      stdin: "x",
    });
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(message);
    expect(alice.requests + bob.requests).toBe(before);
  });

  it("per-side flags on a local side are a usage error", async () => {
    const run = await runCli(
      ["copy", `oci:${layout}:v1`, repository(bob, "b"), "--src-username", "x", "--src-password-stdin"],
      { env, stdin: "x" },
    );
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toMatch(/--src-username and its password flags need SRC to be a registry/);
  });
});
