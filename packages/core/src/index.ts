export { Annotation, unknownArtifactType } from "./annotations.js";
export type { ArtifactManifestInput, BuiltManifest } from "./build-artifact-manifest.js";
export { buildArtifactManifest, emptyDescriptor } from "./build-artifact-manifest.js";
export { checkByteRange } from "./check-byte-range.js";
export { checkConcurrency, concurrencyRange } from "./concurrency-range.js";
export type {
  AuthRequest,
  AuthStrategy,
  BlobMounter,
  BlobOutcome,
  ByteStream,
  CredentialProvider,
  Credentials,
  ManifestOutcome,
  ManifestResolver,
  ProgressEvent,
  PushOptions,
  RangeFetcher,
  ReadableTarget,
  ReferrerLister,
  ReplayableSource,
  Scope,
  SkipReason,
  TaggedManifestPusher,
  TagLister,
  Target,
  TargetCallOptions,
} from "./contracts.js";
export {
  isBlobMounter,
  isManifestResolver,
  isRangeFetcher,
  isReferrerLister,
  isTaggedManifestPusher,
  isTagLister,
} from "./contracts.js";
export type { Hasher } from "./create-hasher.js";
export { createHasher, supportedDigestAlgorithms } from "./create-hasher.js";
export {
  checkImagePlatform,
  configPlatform,
  defaultPlatforms,
  selectPlatformEntry,
} from "./default-platforms.js";
export { descriptorOf } from "./descriptor-of.js";
export type { Digest } from "./digest.js";
export { digestAlgorithm, digestEncoded } from "./digest.js";
export { digestOf } from "./digest-of.js";
export { DockerHub } from "./docker-hub.js";
export type { EditedIndex, IndexEdit, IndexInput } from "./edit-index.js";
export { buildIndex, editIndex } from "./edit-index.js";
export { errorCode } from "./error-code.js";
export type {
  RegistryErrorDetail,
  RegistryRateLimit,
  RegistryResponseErrorInit,
  StevedoreErrorOptions,
} from "./errors.js";
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
  LocalIoError,
  localIoError,
  ManifestError,
  manifestTooLargeError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  systemErrorText,
  UploadError,
  UsageError,
} from "./errors.js";
export { formatPlatform } from "./format-platform.js";
export type { FormatReferenceOptions } from "./format-reference.js";
export { formatReference } from "./format-reference.js";
export {
  isDigestAlgorithm,
  isDigestEncoded,
  isDigestSyntax,
  isMediaType,
  isRepositoryComponent,
  isRepositoryName,
  isTag,
} from "./grammar.js";
export type { HostPlatformOptions } from "./host-platform.js";
export { hostPlatform } from "./host-platform.js";
export { attestedDigest, isAttestation } from "./is-attestation.js";
export { isLoopbackHost } from "./is-loopback-host.js";
export type {
  Descriptor,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  ParsedManifest,
  Platform,
} from "./manifest-types.js";
export type { MatchPlatformOptions } from "./match-platform.js";
export { matchPlatform, platformPreference } from "./match-platform.js";
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
export { normalizePlatform } from "./normalize-platform.js";
export { isDigest, parseDigest } from "./parse-digest.js";
export {
  checkContainerImage,
  hasImageConfig,
  maxImageConfigBytes,
  parseImageConfig,
} from "./parse-image-config.js";
export type { ParseManifestOptions } from "./parse-manifest.js";
export { defaultManifestMaxBytes, parseManifest } from "./parse-manifest.js";
export { parsePlatform } from "./parse-platform.js";
export type { ParseReferenceOptions, Reference } from "./parse-reference.js";
export { parseReference } from "./parse-reference.js";
export { redactAuthorization, redactUrl } from "./redact.js";
export { redactText } from "./redact-text.js";
export {
  hasReferenceCredentials,
  redactReferenceCredentials,
  refuseReferenceCredentials,
} from "./reference-credentials.js";
export { isReferrersTag, referrerEntryOf, referrersTagFor } from "./referrers-tag.js";
export type { RegistryErrorCode } from "./registry-error-code.js";
export { registryErrorCodes } from "./registry-error-code.js";
export { registryHost } from "./registry-host.js";
export { formatScope, parseScope, parseScopeList } from "./scope.js";
export type { SelectManifestsOptions } from "./select-manifests.js";
export { selectManifests } from "./select-manifests.js";
export { withSignal } from "./with-signal.js";
