/**
 * `stevedore` against the embedded registry of @stevedore/server, through `main()` with fake streams: the
 * same end-to-end flows cli.int.test.ts runs against distribution 2.8 (test-support/describe-registry-flows),
 * then what only the embedded registry offers — the referrers API (`referrers`, `copy --referrers`) — and
 * its token auth with `-u … --password-stdin`, `login` and `logout`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestImage,
  seedTestImage,
  sha256,
  type TestImage,
  writeTestLayout,
} from "../../client/src/test-support/test-image.js";
import { ExitCode } from "./exit-codes.js";
import { describeRegistryFlows, type FlowRegistry } from "./test-support/describe-registry-flows.js";
import { runCli } from "./test-support/fake-io.js";

const password = "embedded-alice-password";
const servers: RegistryServer[] = [];
let open: FlowRegistry;
let token: FlowRegistry;

beforeAll(async () => {
  const start = async (server: RegistryServer): Promise<FlowRegistry> => {
    servers.push(server);
    const { url } = await server.listen(0);
    return { url, host: url.replace(/^http:\/\//, "") };
  };
  open = await start(createRegistryServer());
  token = await start(createRegistryServer({ auth: { type: "token", users: { alice: password } } }));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describeRegistryFlows("the embedded registry (memory)", () => open);

describe("the embedded registry's referrers API", () => {
  let image: TestImage;
  let artifact: { digest: string; bytes: Uint8Array };
  let name: string;
  const sbomType = "application/spdx+json";

  beforeAll(async () => {
    image = createTestImage({ label: "referrers" });
    name = `${open.host}/flows/referred-${randomUUID().slice(0, 8)}`;
    const repository = name.slice(open.host.length + 1);
    await seedTestImage({ url: open.url, repository }, image, ["v1"]);
    // An SBOM artifact whose subject is the index, pushed with raw HTTP (empty config, one layer).
    const empty = new TextEncoder().encode("{}");
    const sbom = new TextEncoder().encode('{"spdxVersion":"SPDX-2.3"}');
    for (const bytes of [empty, sbom]) {
      const response = await fetch(`${open.url}/v2/${repository}/blobs/uploads/?digest=${sha256(bytes)}`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: bytes,
      });
      expect(response.status).toBe(201);
    }
    const bytes = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        artifactType: sbomType,
        config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(empty), size: empty.length },
        layers: [{ mediaType: sbomType, digest: sha256(sbom), size: sbom.length }],
        subject: { mediaType: image.index.mediaType, digest: image.index.digest, size: image.index.size },
      }),
    );
    artifact = { digest: sha256(bytes), bytes };
    const put = await fetch(`${open.url}/v2/${repository}/manifests/${artifact.digest}`, {
      method: "PUT",
      headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      body: bytes,
    });
    expect(put.status).toBe(201);
  });

  it("referrers lists the artifact, and --artifact-type filters", async () => {
    const run = await runCli(["referrers", `${name}:v1`, "--json"]);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual([
      {
        type: "result",
        command: "referrers",
        reference: `${name}:v1`,
        referrers: [expect.objectContaining({ digest: artifact.digest, artifactType: sbomType })],
      },
    ]);
    const other = await runCli(["referrers", `${name}:v1`, "--artifact-type", "application/other"]);
    expect([other.code, other.stdout]).toEqual([0, ""]);
  });

  it("copy --referrers brings the artifact along", async () => {
    const destination = `${open.host}/flows/referred-copy-${randomUUID().slice(0, 8)}`;
    const run = await runCli([
      "copy",
      `${name}:v1`,
      `${destination}:v1`,
      "--platform",
      "all",
      "--referrers",
      "-q",
    ]);
    expect(run.code).toBe(0);
    const manifest = await runCli(["manifest", `${destination}@${artifact.digest}`]);
    expect(manifest.stdoutBytes.equals(Buffer.from(artifact.bytes))).toBe(true);
    const referrers = await runCli(["referrers", `${destination}:v1`]);
    expect(referrers.stdout).toContain(artifact.digest);
  });
});

describe("credentials against the embedded registry's token auth", () => {
  let workspace: string;
  let layout: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), "stevedore-cli-embedded-"));
    layout = join(workspace, "layout");
    await writeTestLayout(layout, createTestImage({ label: "token" }), "v1");
  });
  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });
  const target = (): string => `${token.host}/team/cli-${randomUUID().slice(0, 8)}:v1`;

  it("without credentials reading is refused (exit 4); -u with --password-stdin pushes and stores nothing", async () => {
    const dockerConfig = await mkdtemp(join(workspace, "docker-"));
    const env = { DOCKER_CONFIG: dockerConfig, HOME: dockerConfig };
    const pushed = target();
    const refused = await runCli(["manifest", pushed], { env });
    expect(refused.code).toBe(ExitCode.authentication);
    const run = await runCli(["push", `oci:${layout}:v1`, pushed, "-u", "alice", "--password-stdin", "-q"], {
      env,
      stdin: `${password}\n`,
    });
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).not.toContain(password);
    await expect(readdir(dockerConfig)).resolves.toEqual([]);
  });

  it("login stores the credentials, ls uses them, logout removes them", async () => {
    const dockerConfig = await mkdtemp(join(workspace, "docker-"));
    const env = { DOCKER_CONFIG: dockerConfig, HOME: dockerConfig };
    const wrong = await runCli(["login", token.host, "-u", "alice", "--password-stdin"], {
      env,
      stdin: "nope",
    });
    expect(wrong.code).toBe(ExitCode.authentication);
    const login = await runCli(["login", token.host, "-u", "alice", "--password-stdin"], {
      env,
      stdin: password,
    });
    expect([login.code, login.stdout]).toEqual([
      0,
      `Login succeeded: ${token.host} (credentials stored in ${join(dockerConfig, "config.json")})\n`,
    ]);
    const pushed = target();
    expect((await runCli(["push", `oci:${layout}:v1`, pushed, "-q"], { env })).code).toBe(0);
    const ls = await runCli(["ls", pushed.replace(/:v1$/, "")], { env });
    expect([ls.code, ls.stdout]).toEqual([0, "v1\n"]);
    expect((await runCli(["logout", token.host], { env })).code).toBe(0);
    expect((await runCli(["manifest", pushed], { env })).code).toBe(ExitCode.authentication);
  });
});
