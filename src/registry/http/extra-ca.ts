import { readFileSync } from 'node:fs';
import { RegsyncError } from '../../util/errors.js';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

function failure(file: string, why: string, cause?: unknown): RegsyncError {
  return new RegsyncError(`cannot use NODE_EXTRA_CA_CERTS file ${file} (${why}): fix it or unset NODE_EXTRA_CA_CERTS`, {
    code: 'TLS',
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * A certificate's DER is one SEQUENCE whose length covers the rest exactly: a cheap check that finds a
 * truncated or mangled block (parsing a system bundle's ~150 certificates fully costs ~100 ms per run).
 */
function isDerSequence(der: Buffer): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1] ?? 0;
  if (first < 0x80) return der.length === 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return false;
  let length = 0;
  for (let i = 0; i < octets; i += 1) length = length * 256 + (der[2 + i] ?? 0);
  return der.length === 2 + octets + length;
}

/**
 * The certificates NODE_EXTRA_CA_CERTS names, as one PEM text ([] when unset). Node reads that file itself
 * at start but only warns when it cannot, and then verifies TLS without those CAs: a registry behind a
 * company CA would fail as "not trusted" far from the cause. So a file that cannot be read, or that holds
 * no certificate or a broken one, is an error naming it.
 *
 * One per run (the pool's): a run creates one agent per host and a system bundle holds ~150 certificates, so
 * the file is read and checked once per run, and a file changed between two runs is read again.
 */
export class ExtraCaCertificates {
  private checked: string[] | null = null;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  certificates(): string[] {
    this.checked ??= readExtraCaCertificates(this.env);
    return this.checked;
  }
}

function readExtraCaCertificates(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return [];
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw failure(file, READ_FAILURES[code] ?? (error as Error).message, error);
  }
  const blocks = [...pem.matchAll(PEM_CERTIFICATE)].map((match) => match[1] ?? '');
  if (blocks.length === 0) throw failure(file, 'it holds no PEM certificate');
  const broken = blocks.findIndex((body) => !isDerSequence(Buffer.from(body.replace(/\s+/g, ''), 'base64')));
  if (broken >= 0) throw failure(file, `certificate ${broken + 1} of ${blocks.length} is damaged`);
  return [pem];
}
