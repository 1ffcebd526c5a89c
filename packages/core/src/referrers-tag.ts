import { digestAlgorithm, digestEncoded } from "./digest.js";
import { digestOf } from "./digest-of.js";
import type { Descriptor } from "./manifest-types.js";
import { parseDigest } from "./parse-digest.js";
import { parseManifest } from "./parse-manifest.js";

/**
 * The referrers tag of a subject digest (`spec/PROTOCOL.md` §7.2): the algorithm cut to 32 characters,
 * `-`, the encoded part cut to 64, every character a tag may not hold replaced by `-`. Registries without
 * the referrers API and OCI layouts keep a subject's referrers in an index under this tag.
 *
 * @throws InvalidDigestError for a malformed digest.
 * @example
 * referrersTagFor("sha256:5b0bcabd…") // "sha256-5b0bcabd…"
 */
export function referrersTagFor(digest: string): string {
  const parsed = parseDigest(digest);
  const tag = `${digestAlgorithm(parsed).slice(0, 32)}-${digestEncoded(parsed).slice(0, 64)}`;
  return tag.replace(/[^a-zA-Z0-9_.-]/g, "-");
}

/**
 * The entry a referrers list holds for a manifest with a `subject` (§7.1): its media type, digest and size,
 * `artifactType` (the manifest's own, else its config's media type; none for an index) and a copy of its
 * annotations — with the subject's digest. `undefined` for a manifest without a subject.
 *
 * @throws ManifestError when `bytes` is no manifest.
 */
export function referrerEntryOf(
  bytes: Uint8Array,
  mediaType?: string,
): { descriptor: Descriptor; subject: string } | undefined {
  const parsed = parseManifest(bytes, mediaType);
  const subject = parsed.manifest.subject?.digest;
  if (subject === undefined) return undefined;
  const artifactType =
    parsed.manifest.artifactType ?? (parsed.kind === "image" ? parsed.manifest.config.mediaType : undefined);
  const annotations = parsed.manifest.annotations;
  const descriptor: Descriptor = {
    mediaType: parsed.mediaType,
    digest: digestOf(bytes),
    size: bytes.length,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
  };
  return { descriptor, subject };
}

const referrersTagPattern = /^(?:sha256|sha512)-[a-f0-9]{64}$/;

/**
 * True when `tag` has the form the referrers tag schema gives sha256 and sha512 subjects
 * (`spec/PROTOCOL.md` §7.2, see `referrersTagFor`): such tags hold referrer indexes, not images.
 * `tags({ excludeReferrersTags: true })` leaves them out (oras's `--exclude-digest-tags`).
 *
 * @example
 * ```ts
 * isReferrersTag(referrersTagFor(image.digest)); // true
 * isReferrersTag("sha256-1234.sig"); // false (a cosign signature tag is an ordinary tag)
 * ```
 */
export function isReferrersTag(tag: string): boolean {
  return typeof tag === "string" && referrersTagPattern.test(tag);
}
