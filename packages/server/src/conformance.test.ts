import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryServer } from "./create-registry-server.js";
import { describeConformance } from "./test-support/conformance-suite.js";

describeConformance("memory storage", async () => {
  const server = createRegistryServer();
  const { url } = await server.listen();
  return { url, close: () => server.close() };
});

describeConformance("directory storage", async () => {
  const directory = await mkdtemp(join(tmpdir(), "stevedore-server-"));
  const server = createRegistryServer({ storage: { directory } });
  const { url } = await server.listen();
  return {
    url,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});
