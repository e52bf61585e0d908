/**
 * The OCI values every layer shares: references and endpoints, digests, names, media types, descriptors, manifest
 * parsing, platforms and Docker Hub's names. No I/O: plain data and pure functions, importing no other layer but util.
 * Other layers import this file only (eslint.config.js).
 */
export type { Descriptor, ImageIndex, ImageManifest, ImageRef, IndexEntry, Manifest, Platform } from './types.js';
export { MEDIA_TYPES } from './types.js';
export { isDigest, sha256Digest, shortDigest } from './digest.js';
export { isRepositoryComponent, isTag } from './names.js';
export { isIndexMediaType, MANIFEST_ACCEPT, manifestBlobs, parseManifest, platformString } from './manifest.js';
export { platformMatches, REFERENCE_DIGEST_ANNOTATION, selectPlatformChildren, UNKNOWN_PLATFORM } from './platforms.js';
export type { PlatformChild, PlatformSelection } from './platforms.js';
export { DOCKER_HUB, DOCKER_HUB_API, DOCKER_HUB_CONFIG_KEY, dockerHubLocation, isDockerHub, namesHost } from './docker-hub.js';
export { formatStoreEndpoint, isOcidirEndpoint, parseStoreEndpoint, registryHostName, storeLocation } from './endpoint.js';
export type { StoreEndpoint, TlsMode } from './endpoint.js';
export { apiRepository, formatImageRef, imageRefAt, parseImageRef, registryHostForEndpoint, splitTag } from './ref.js';
