// Issue 13, acceptance: the randomized fault campaign (test-support/fault-campaign.ts) against two embedded
// registries. Its distribution 2.8 twin is fault-campaign.int.test.ts.
import { createRegistryServer, type RegistryServer } from "@stevedore/server";
import { afterAll } from "vitest";
import { describeFaultCampaign } from "./test-support/fault-campaign.js";

const registries: RegistryServer[] = [];
afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.close()));
});

describeFaultCampaign({
  name: "fault campaign, embedded registries",
  runs: 54,
  registries: async () => {
    const urls: string[] = [];
    for (let index = 0; index < 2; index++) {
      const registry = createRegistryServer();
      registries.push(registry);
      urls.push((await registry.listen()).url);
    }
    return urls;
  },
});
