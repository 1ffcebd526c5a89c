import type { Scope } from "@stevedore/core";
import { MediaType } from "@stevedore/core";
import { buildUrl, scopesFor } from "@stevedore/routing";
import type { RemoteContext } from "../remote-context.js";

/** The first request of the referrers API for one subject: what {@link referrersRequest} returns. */
export interface ReferrersRequest {
  url: URL;
  scopes: readonly Scope[];
  headers: Record<string, string>;
}

/**
 * Internal: `GET /v2/<name>/referrers/<digest>[?artifactType=]` (end-12, `spec/PROTOCOL.md` §7.1) on the
 * context's repository — URL, pull scope and an image-index `Accept` — for `listReferrers`, which reads
 * its pages, and `deleteManifest`, which only asks whether the registry has the API (anything but 404).
 */
export function referrersRequest(
  context: RemoteContext,
  subject: string,
  artifactType?: string,
): ReferrersRequest {
  const params = {
    name: context.repository,
    digest: subject,
    ...(artifactType === undefined ? {} : { artifactType }),
  };
  return {
    url: buildUrl(context.baseUrl, "referrers", params),
    scopes: scopesFor("referrers", params),
    headers: { accept: MediaType.OciIndex },
  };
}
