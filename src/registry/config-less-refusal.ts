import { isRegsyncError, RegsyncError } from '../util/errors.js';
import type { Manifest } from './types.js';

/**
 * The registry's refusal of a manifest that names no config, with what it lacks: Distribution 2.8 says only
 * DIGEST_INVALID and MANIFEST_BLOB_UNKNOWN, as if a blob had not been copied. Only a 4xx is a refusal of the
 * content; a 5xx or a broken connection says nothing about it and is passed on as it is.
 */
export function explainRefusal(error: unknown, manifest: Manifest): unknown {
  if (!isRegsyncError(error) || error.code !== 'REGISTRY' || manifest.kind !== 'manifest' || manifest.config !== null) return error;
  const { code, host, repository, reference, status, details, hint } = error;
  if (status === undefined || status < 400 || status >= 500) return error;
  return new RegsyncError(`${error.message}: the manifest names no config, which this registry may require`, {
    code,
    cause: error,
    status,
    ...(host === undefined ? {} : { host }),
    ...(repository === undefined ? {} : { repository }),
    ...(reference === undefined ? {} : { reference }),
    ...(details === undefined ? {} : { details }),
    ...(hint === undefined ? {} : { hint }),
  });
}
