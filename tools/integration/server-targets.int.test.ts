// The remote target against the embedded registry of @stevedore/server, the way it runs against
// distribution 2.8 in packages/remote: the shared Target contract over memory and directory storage, with
// monolithic, chunked and single-POST uploads, and with token auth. Unlike distribution 2.8 the embedded
// server has the referrers API, so the remote's API path (not the tag schema) is what runs here.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAuth, staticCredentials } from "@stevedore/auth";
import { MediaType } from "@stevedore/core";
import { createRemote } from "@stevedore/remote";
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { createTransport } from "@stevedore/transport";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTargetContractFixture,
  describeTargetContract,
  pushFixture,
  type TargetContractSetup,
} from "../../packages/blob/src/test-support/target-contract.ts";
import { uniqueName } from "../../packages/testing/src/index.ts";

const alice = { username: "alice", password: "alice-embedded-password" };
const servers: RegistryServer[] = [];
let storageDirectory: string;
const hosts = { memory: "", directory: "", token: "" };

beforeAll(async () => {
  storageDirectory = await mkdtemp(join(tmpdir(), "stevedore-server-targets-"));
  const start = async (server: RegistryServer): Promise<string> => {
    servers.push(server);
    const { host, port } = await server.listen(0);
    return `${host}:${port}`;
  };
  hosts.memory = await start(createRegistryServer());
  hosts.directory = await start(createRegistryServer({ storage: { directory: storageDirectory } }));
  hosts.token = await start(
    createRegistryServer({
      auth: { type: "token", users: { [alice.username]: alice.password } },
    }),
  );
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(storageDirectory, { recursive: true, force: true });
});

type Tunables = Partial<
  Pick<
    Parameters<typeof createRemote>[0],
    "monolithicThreshold" | "chunkedUploads" | "chunkSize" | "singlePostUpload"
  >
>;

/** A fresh remote on `registry` and a sibling repository of the same registry for the mount tests. */
function remoteSetup(
  registry: () => string,
  tunables: Tunables = {},
  token = false,
): () => Promise<TargetContractSetup> {
  return async () => {
    const auth = token ? createAuth({ credentials: staticCredentials({ [registry()]: alice }) }) : undefined;
    const transport = createTransport(auth === undefined ? {} : { auth });
    const options = { transport, registry: registry(), ...tunables };
    const siblingRepository = uniqueName("team", "embedded");
    return {
      target: createRemote({ ...options, repository: uniqueName("team", "embedded") }),
      sibling: {
        target: createRemote({ ...options, repository: siblingRepository }),
        repository: siblingRepository,
      },
      cleanup: () => transport.close(),
    };
  };
}

const capabilities = { capabilities: { tags: true, referrers: true, ranges: true, mount: true } };

describeTargetContract(
  "remote on the embedded registry (memory)",
  remoteSetup(() => hosts.memory),
  capabilities,
);
describeTargetContract(
  "remote on the embedded registry (directory, chunked uploads)",
  remoteSetup(() => hosts.directory, {
    monolithicThreshold: 1024,
    chunkedUploads: true,
    chunkSize: 64 * 1024,
  }),
  capabilities,
);
describeTargetContract(
  "remote on the embedded registry (directory, streamed uploads)",
  remoteSetup(() => hosts.directory, { monolithicThreshold: 1024 }),
  capabilities,
);
describeTargetContract(
  "remote on the embedded registry (token auth, single-POST uploads)",
  remoteSetup(() => hosts.token, { singlePostUpload: true }, true),
  capabilities,
);

describe("remote on the embedded registry: referrers through the API", () => {
  it("an artifact pushed with a subject is listed by the referrers API, and no referrers tag is made", async () => {
    const fixture = createTargetContractFixture();
    const repository = uniqueName("team", "embedded");
    const transport = createTransport();
    try {
      const remote = createRemote({ transport, registry: hosts.memory, repository });
      await pushFixture(remote, fixture);
      // Read back with plain fetch: the registry itself holds the referrer, not a tag the client made.
      const response = await fetch(
        `http://${hosts.memory}/v2/${repository}/referrers/${fixture.manifest.descriptor.digest}`,
      );
      expect(response.status).toBe(200);
      const index = (await response.json()) as { mediaType: string; manifests: { digest: string }[] };
      expect(index.mediaType).toBe(MediaType.OciIndex);
      expect(index.manifests.map((entry) => entry.digest)).toEqual([fixture.artifact.descriptor.digest]);
      const tags: string[] = [];
      for await (const tag of remote.tags()) tags.push(tag);
      expect(tags).toEqual([fixture.tag]);
    } finally {
      await transport.close();
    }
  });
});
