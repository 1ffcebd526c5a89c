/**
 * `stevedore` against the embedded registry of @stevedore/server, through `main()` with fake streams: the
 * same end-to-end flows cli.int.test.ts runs against distribution 2.8 (test-support/describe-registry-flows),
 * then what only the embedded registry offers — the referrers API (`referrers`, `copy --referrers`, and
 * `referrers` across pages of a server with a small `referrersPageSize`) — and its token auth with `-u … --password-stdin`, `login` and `logout`.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir } from "node:fs/promises";
import { join } from "node:path";
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { createTestImage, seedTestImage, sha256, type TestImage, useTestLayout } from "@stevedore/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import { describeFaithfulFlows } from "./test-support/describe-faithful-flows.js";
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
describeFaithfulFlows("the embedded registry (memory): faithful by default (issue 12)", () => open, {
  untag: true,
});

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
    artifact = await pushArtifact(open, repository, image, sbomType, '{"spdxVersion":"SPDX-2.3"}');
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

describe("referrers across pages of the embedded registry's referrers API", () => {
  const signatureType = "application/vnd.dev.cosign.artifact.sig.v1+json";
  const sbomType = "application/spdx+json";
  let paged: FlowRegistry;
  let image: TestImage;
  let name: string;
  let repository: string;
  let sboms: string[];
  let signature: string;

  beforeAll(async () => {
    // The CLI's `serve` has no flag for it: the server is created here, two referrers per page.
    const server = createRegistryServer({ referrersPageSize: 2 });
    servers.push(server);
    const { url } = await server.listen(0);
    paged = { url, host: url.replace(/^http:\/\//, "") };
    image = createTestImage({ label: "paged-referrers" });
    repository = `flows/paged-${randomUUID().slice(0, 8)}`;
    name = `${paged.host}/${repository}`;
    await seedTestImage({ url: paged.url, repository }, image, ["v1"]);
    sboms = [];
    for (const index of [1, 2, 3]) {
      const sbom = await pushArtifact(
        paged,
        repository,
        image,
        sbomType,
        `{"spdxVersion":"SPDX-2.3","n":${index}}`,
      );
      sboms.push(sbom.digest);
    }
    signature = (await pushArtifact(paged, repository, image, signatureType, '{"critical":{}}')).digest;
  });

  it("the registry answers in pages of two, linked with Link: rel=next", async () => {
    const response = await fetch(`${paged.url}/v2/${repository}/referrers/${image.index.digest}`);
    const page = (await response.json()) as { manifests: unknown[] };
    expect(page.manifests).toHaveLength(2);
    expect(response.headers.get("link")).toMatch(/rel="next"/);
  });

  it("referrers lists every referrer from every page, and --artifact-type every match", async () => {
    const run = await runCli(["referrers", `${name}:v1`, "--json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const [result] = run.json() as { referrers: { digest: string }[] }[];
    const listed = result?.referrers.map((descriptor) => descriptor.digest);
    expect(listed?.toSorted()).toEqual([...sboms, signature].toSorted());

    const text = await runCli(["referrers", `${name}:v1`, "--artifact-type", sbomType]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines.map((line) => line.split("  ")[0]).toSorted()).toEqual(sboms.toSorted());
    expect(lines.every((line) => line.includes(sbomType))).toBe(true);
  });
});

describe("credentials against the embedded registry's token auth", () => {
  const local = useTestLayout("stevedore-cli-embedded-", { label: "token" }, beforeAll, afterAll);
  const target = (): string => `${token.host}/team/cli-${randomUUID().slice(0, 8)}:v1`;

  it("without credentials reading is refused (exit 4); -u with --password-stdin pushes and stores nothing", async () => {
    const dockerConfig = await mkdtemp(join(local.workspace, "docker-"));
    const env = { DOCKER_CONFIG: dockerConfig, HOME: dockerConfig };
    const pushed = target();
    const refused = await runCli(["manifest", pushed], { env });
    expect(refused.code).toBe(ExitCode.authentication);
    const run = await runCli(
      ["push", `oci:${local.layout}:v1`, pushed, "-u", "alice", "--password-stdin", "-q"],
      {
        env,
        stdin: `${password}\n`,
      },
    );
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).not.toContain(password);
    await expect(readdir(dockerConfig)).resolves.toEqual([]);
  });

  it("login stores the credentials, ls uses them, logout removes them", async () => {
    const dockerConfig = await mkdtemp(join(local.workspace, "docker-"));
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
    expect((await runCli(["push", `oci:${local.layout}:v1`, pushed, "-q"], { env })).code).toBe(0);
    const ls = await runCli(["ls", pushed.replace(/:v1$/, "")], { env });
    expect([ls.code, ls.stdout]).toEqual([0, "v1\n"]);
    expect((await runCli(["logout", token.host], { env })).code).toBe(0);
    expect((await runCli(["manifest", pushed], { env })).code).toBe(ExitCode.authentication);
  });
});

/**
 * Pushes an artifact whose subject is `image`'s index with raw HTTP: an empty config and one layer of
 * `content`, as `oras attach` would. Returns its digest and exact bytes.
 */
async function pushArtifact(
  registry: FlowRegistry,
  repository: string,
  image: TestImage,
  artifactType: string,
  content: string,
): Promise<{ digest: string; bytes: Uint8Array }> {
  const empty = new TextEncoder().encode("{}");
  const layer = new TextEncoder().encode(content);
  for (const bytes of [empty, layer]) {
    const response = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${sha256(bytes)}`, {
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
      artifactType,
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: sha256(empty), size: empty.length },
      layers: [{ mediaType: artifactType, digest: sha256(layer), size: layer.length }],
      subject: { mediaType: image.index.mediaType, digest: image.index.digest, size: image.index.size },
    }),
  );
  const digest = sha256(bytes);
  const put = await fetch(`${registry.url}/v2/${repository}/manifests/${digest}`, {
    method: "PUT",
    headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
    body: bytes,
  });
  expect(put.status).toBe(201);
  return { digest, bytes };
}
