/**
 * `@stevedore/remote/internal`: the endpoint functions behind the methods of a `Remote`, each taking a
 * `RemoteContext` (`remote.context`) first, for the packages of this repository that call one endpoint
 * directly. Not covered by semver: shapes may change in any release.
 *
 * @module
 */
export { deleteBlob } from "./blobs/delete-blob.js";
export { fetchRange } from "./blobs/fetch-range.js";
export { getBlob } from "./blobs/get-blob.js";
export { headBlob } from "./blobs/head-blob.js";
export { listRepositories } from "./lists/list-repositories.js";
export { listTags } from "./lists/list-tags.js";
export { deleteManifest } from "./manifests/delete-manifest.js";
export { getManifest, manifestAccept } from "./manifests/get-manifest.js";
export { headManifest } from "./manifests/head-manifest.js";
export { putManifest } from "./manifests/put-manifest.js";
export { ping } from "./ping.js";
export { listReferrers } from "./referrers/list-referrers.js";
export type { UpdateReferrersTagOptions } from "./referrers/update-referrers-tag.js";
export { removeFromReferrersTag, updateReferrersTag } from "./referrers/update-referrers-tag.js";
export type { RemoteContext, ResolvedRemoteOptions } from "./remote-context.js";
export type { MountBlobOptions } from "./upload/mount-blob.js";
export { mountBlob } from "./upload/mount-blob.js";
export { mountOrUpload } from "./upload/mount-or-upload.js";
export { uploadBlob } from "./upload/upload-blob.js";
