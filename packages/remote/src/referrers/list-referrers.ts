import type { Descriptor, TargetCallOptions } from "@stevedore/core";
import {
  InvalidResponseError,
  ManifestError,
  NotFoundError,
  parseManifest,
  redactUrl,
  UsageError,
} from "@stevedore/core";
import type { TransportResponse } from "@stevedore/transport";
import { headerList, headerValue } from "../header-value.js";
import { maxPageBytes } from "../lists/list-tags.js";
import { paginate } from "../lists/paginate.js";
import { getManifest } from "../manifests/get-manifest.js";
import type { RemoteContext } from "../remote-context.js";
import { referrersRequest } from "./referrers-request.js";
import { referrersTagFor } from "./update-referrers-tag.js";

/** Options of {@link listReferrers}. */
export interface ListReferrersOptions extends TargetCallOptions {
  /** Only referrers with this `artifactType` (§7.1). */
  artifactType?: string;
}

/**
 * The manifests that refer to `subject` (`spec/PROTOCOL.md` §7), as descriptors with `artifactType` and
 * `annotations`.
 *
 * With the referrers API (`GET /v2/<name>/referrers/<digest>[?artifactType=]`, end-12) every page is read,
 * following `Link`. A registry that did not apply the filter (no `artifactType` in `OCI-Filters-Applied`)
 * is filtered here. A 404 means the registry has no referrers API (it must never 404 otherwise): the index
 * under the referrers tag `<alg>-<hex>` is read instead (§7.2), and a missing tag, or one that does not
 * hold an index, means no referrers.
 */
export async function* listReferrers(
  context: RemoteContext,
  subject: Descriptor | string,
  options: ListReferrersOptions = {},
): AsyncGenerator<Descriptor, void, undefined> {
  const digest = typeof subject === "string" ? subject : subject?.digest;
  if (typeof digest !== "string")
    throw new UsageError("referrers() needs the subject's descriptor or digest");
  const { artifactType, signal } = options;
  const request = referrersRequest(context, digest, artifactType);
  const keep = (descriptor: Descriptor): boolean =>
    artifactType === undefined || descriptor.artifactType === artifactType;

  const readPage = async (response: TransportResponse): Promise<Descriptor[]> => {
    const bytes = await response.bytes(maxPageBytes);
    let manifests: Descriptor[];
    try {
      const page = parseManifest(bytes, headerValue(response.headers["content-type"]), {
        maxBytes: maxPageBytes,
      });
      if (page.kind !== "index") throw new ManifestError(`it is an image manifest, not an index`);
      manifests = page.manifest.manifests;
    } catch (error) {
      throw new InvalidResponseError(`${redactUrl(response.url)}: the referrers list is not an image index`, {
        cause: error,
      });
    }
    const filtered = headerList(response.headers["oci-filters-applied"]).includes("artifactType");
    return filtered ? manifests : manifests.filter(keep);
  };

  async function* fromTag(): AsyncGenerator<Descriptor, void, undefined> {
    let index: Awaited<ReturnType<typeof getManifest>>;
    try {
      index = await getManifest(context, referrersTagFor(digest as string), { signal });
    } catch (error) {
      // §7.2: no tag, or a tag that is not a valid index, means no referrers.
      if (NotFoundError.isInstance(error) || ManifestError.isInstance(error)) return;
      throw error;
    }
    if (index.parsed.kind !== "index") return;
    yield* index.parsed.manifest.manifests.filter(keep);
  }

  yield* paginate({
    ...request,
    transport: context.transport,
    signal,
    read: readPage,
    onNotFound: fromTag,
  });
}
