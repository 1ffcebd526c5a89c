export { deleteBlob } from "./blobs/delete-blob.js";
export { fetchRange } from "./blobs/fetch-range.js";
export { getBlob } from "./blobs/get-blob.js";
export type { BlobHead } from "./blobs/head-blob.js";
export { headBlob } from "./blobs/head-blob.js";
export type { Remote } from "./create-remote.js";
export { createRemote } from "./create-remote.js";
export type { ListRepositoriesOptions } from "./lists/list-repositories.js";
export { listRepositories } from "./lists/list-repositories.js";
export type { ListTagsOptions } from "./lists/list-tags.js";
export { listTags } from "./lists/list-tags.js";
export { deleteManifest } from "./manifests/delete-manifest.js";
export type { GetManifestOptions, ManifestResult } from "./manifests/get-manifest.js";
export { getManifest, manifestAccept } from "./manifests/get-manifest.js";
export type { HeadManifestOptions } from "./manifests/head-manifest.js";
export { headManifest } from "./manifests/head-manifest.js";
export { putManifest } from "./manifests/put-manifest.js";
export type { PingResult } from "./ping.js";
export { ping } from "./ping.js";
export { isReferrersTag } from "./referrers/is-referrers-tag.js";
export type { ListReferrersOptions } from "./referrers/list-referrers.js";
export { listReferrers } from "./referrers/list-referrers.js";
export type { UpdateReferrersTagOptions } from "./referrers/update-referrers-tag.js";
export {
  referrersTagFor,
  removeFromReferrersTag,
  updateReferrersTag,
} from "./referrers/update-referrers-tag.js";
export type { RemoteContext, ResolvedRemoteOptions } from "./remote-context.js";
export type { RemoteOptions } from "./resolve-remote-options.js";
export { defaultRemoteOptions } from "./resolve-remote-options.js";
export type { MountBlobOptions } from "./upload/mount-blob.js";
export { mountBlob } from "./upload/mount-blob.js";
export { mountOrUpload } from "./upload/mount-or-upload.js";
export type { UploadBlobOptions } from "./upload/upload-blob.js";
export { uploadBlob } from "./upload/upload-blob.js";
export type { UploadStrategy } from "./upload/upload-session.js";
