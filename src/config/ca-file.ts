import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isPlainObject } from '../util/records.js';
import { jsonPointer } from './problems.js';
import type { Problem } from './problems.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every `registries.<host>.caFile` exists and holds PEM certificates: checked at validate time, since a missing
 * or garbled CA would otherwise pass `validate` and fail the first request of `plan` with a TLS error.
 * Paths are relative to `baseDir` (the config file's directory), as normalisation resolves them.
 */
export function caFileProblems(value: unknown, baseDir: string, rejected: ReadonlySet<string>): Problem[] {
  if (!isPlainObject(value) || !isPlainObject(value.registries)) return [];
  const problems: Problem[] = [];
  for (const [host, settings] of Object.entries(value.registries)) {
    if (!isPlainObject(settings) || typeof settings.caFile !== 'string' || settings.caFile === '') continue;
    const at = ['registries', host, 'caFile'];
    if (rejected.has(jsonPointer(at))) continue;
    const message = caFileMessage(settings.caFile, path.resolve(baseDir, settings.caFile));
    if (message !== null) problems.push({ path: at, message });
  }
  return problems;
}

/** Why the CA file cannot be used, or null when it holds at least one certificate and nothing unreadable. */
function caFileMessage(written: string, file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `caFile ${written} does not exist: give the path of a PEM CA certificate, relative to the config file`;
    if (code === 'EISDIR') return `caFile ${written} is a directory, not a PEM certificate file`;
    return `caFile ${written} cannot be read (${code ?? String(error)})`;
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return `caFile ${written} is not a PEM certificate (expected -----BEGIN CERTIFICATE----- ... blocks)`;
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `caFile ${written}: certificate ${index + 1} of ${blocks.length} is not a valid PEM certificate`;
    }
  }
  return null;
}
