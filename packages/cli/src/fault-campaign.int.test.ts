// Issue 13, acceptance: the randomized fault campaign (test-support/fault-campaign.ts) against the real
// distribution 2.8, whose upload sessions do not survive a cut request (point 1). Fewer runs than against the
// embedded registries: the suite has a time budget, and these cost more.
import { inject } from "vitest";
import { describeFaultCampaign } from "./test-support/fault-campaign.js";

describeFaultCampaign({
  name: "fault campaign, distribution 2.8",
  runs: 18,
  registries: async () => {
    const open = inject("registryOpen");
    return [open.url, open.url];
  },
});
