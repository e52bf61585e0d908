/**
 * Registry credentials, one module for every path that needs them: the HTTP client (Basic and Bearer) and the
 * docker executor (its temporary Docker config, or the Engine API's X-Registry-Auth header). Sources, in order: the
 * config's username/password or credential helper, then Docker's config.json (auths, credHelpers, credsStore) and
 * the containers auth files. Other layers import this file only.
 */
export { credentialSecrets, describeCredentials, resolveCredentials } from './resolve.js';
export type { CredentialLookup, Credentials, CredentialSettings } from './resolve.js';
export { authFileLocations, authKeyHost, lookupByHost, readAuthFile } from './auth-files.js';
export type { AuthFile, AuthFileLocation, AuthsEntry } from './auth-files.js';
export { runCredentialHelper } from './helper.js';
export type { HelperSecret } from './helper.js';
