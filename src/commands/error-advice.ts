import path from 'node:path';
import type { Config } from '../config/types.js';
import { errorHints } from '../util/errors.js';
import type { ErrorHint, RegsyncError } from '../util/errors.js';

/** How the run was configured, which decides how advice is worded. */
export type RunWording =
  /** A config file, by its base name. */
  | { kind: 'file'; file: string }
  /** sync.sh-style flags and SYNC_* variables: the flag for each host's side. */
  | { kind: 'flags'; sideOf: (host: string) => 'src' | 'dst' }
  /** Not known (the error came before a config was resolved). */
  | { kind: 'unknown' };

export function runWording(config: Config | null): RunWording {
  if (config === null) return { kind: 'unknown' };
  if (config.file !== null) return { kind: 'file', file: path.basename(config.file) };
  const destinations = new Set(
    config.mirrors.flatMap((mirror) => (mirror.destination.scheme === 'registry' ? [mirror.destination.host] : [])),
  );
  return { kind: 'flags', sideOf: (host) => (destinations.has(host) ? 'dst' : 'src') };
}

const authFlag = (side: 'src' | 'dst') => ({ flag: `--${side}-auth`, variable: `SYNC_${side.toUpperCase()}_AUTH` });

/** Where `username`/`password` came from, for "authentication failed" errors. */
export function credentialsSource(wording: RunWording, host: string): string {
  if (wording.kind === 'file') return `registries."${host}" in ${wording.file}`;
  if (wording.kind === 'flags') {
    const { flag, variable } = authFlag(wording.sideOf(host));
    return `${flag} / ${variable}`;
  }
  return `registries."${host}" in the regsync config`;
}

/** sync.sh flags have no TLS or repository settings: the way there is the config file `regsync config` prints. */
const VIA_CONFIG_FILE = 'in a config file (regsync config with the same arguments prints one to start from)';

/** A config-file setting, said for the way the run was configured. */
function setting(wording: RunWording, what: string): string {
  return wording.kind === 'flags' ? `set ${what} ${VIA_CONFIG_FILE}` : `set ${what}`;
}

function credentialsAdvice(wording: RunWording, host: string): string {
  const logins = `run docker login ${host} or podman login ${host}`;
  if (wording.kind === 'flags') {
    const { flag, variable } = authFlag(wording.sideOf(host));
    return `pass ${flag} USER:PASSWORD (or set ${variable}) or ${logins}`;
  }
  const where = wording.kind === 'file' ? wording.file : 'the regsync config';
  return `add credentials under registries."${host}" in ${where} or ${logins}`;
}

/** One hint in words for this run. */
export function adviceFor(hint: ErrorHint, wording: RunWording): string {
  const key = `registries."${hint.host}"`;
  switch (hint.kind) {
    case 'credentials':
      return credentialsAdvice(wording, hint.host);
    case 'tls-untrusted':
      return wording.kind === 'flags'
        ? `add its CA to NODE_EXTRA_CA_CERTS, or ${setting(wording, `${key}.caFile or tls: insecure`)}`
        : `set ${key}.caFile or tls: insecure`;
    case 'tls-unsupported':
      return setting(wording, `${key}.tls: disabled`);
    case 'https-required':
      return setting(wording, `${key}.tls: enabled (with caFile) or insecure`);
    case 'ca-file':
      return `fix ${key}.caFile`;
    case 'catalog':
      return wording.kind === 'flags'
        ? `if this registry does not list its catalog to you, name the repositories under repositories.names ${VIA_CONFIG_FILE}`
        : 'if this registry does not list its catalog to you, name the repositories under repositories.names';
  }
}

/** The error's message followed by what to do, every hint it and its causes carry, innermost first. */
export function adviseMessage(error: RegsyncError, wording: RunWording): string {
  const advice = errorHints(error).map((hint) => adviceFor(hint, wording));
  return advice.length === 0 ? error.message : `${error.message}: ${advice.join('; ')}`;
}
