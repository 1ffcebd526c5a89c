export type {
  AuthRequest,
  AuthStrategy,
  BlobMounter,
  BlobOutcome,
  ByteStream,
  CredentialProvider,
  Credentials,
  ProgressEvent,
  PushOptions,
  RangeFetcher,
  ReadableTarget,
  ReferrerLister,
  ReplayableSource,
  Scope,
  TagLister,
  Target,
  TargetCallOptions,
} from "./contracts.js";
export { isBlobMounter, isRangeFetcher, isReferrerLister, isTagLister } from "./contracts.js";
export type { RegistryErrorDetail, RegistryResponseErrorInit, StevedoreErrorOptions } from "./errors.js";
export {
  AbortError,
  AuthenticationError,
  CredentialError,
  DigestMismatchError,
  InvalidDigestError,
  InvalidHeaderError,
  InvalidPlatformError,
  InvalidReferenceError,
  InvalidResponseError,
  LocalFormatError,
  ManifestError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  UploadError,
  UsageError,
} from "./errors.js";
export type { Descriptor, ImageIndex, ImageManifest, ParsedManifest, Platform } from "./manifest-types.js";
export type { KnownMediaType } from "./media-types.js";
export {
  imageManifestMediaTypes,
  indexMediaTypes,
  isImageManifestMediaType,
  isIndexMediaType,
  isManifestMediaType,
  MediaType,
  manifestMediaTypes,
  nondistributableMediaTypes,
  normalizeMediaType,
  schema1MediaTypes,
} from "./media-types.js";
export { redactAuthorization, redactUrl } from "./redact.js";
