import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execTool } from './exec.js';
import { makeTempDir, removeTempDir } from './temp.js';

export interface SkopeoOptions {
  credentials?: { username: string; password: string } | null;
  /** The registry speaks HTTPS (self-signed): without caFile, certificate checks are off. */
  tls?: boolean;
  /** Verify the registry's certificate against this CA (implies tls). */
  caFile?: string | null;
}

/**
 * `skopeo inspect --raw`: the exact manifest bytes as an independent client sees them. Credentials
 * go through a private auth file, never the command line; ~/.docker and REGISTRY_AUTH_FILE are ignored.
 */
export async function skopeoInspectRaw(ref: string, options: SkopeoOptions = {}): Promise<Buffer> {
  return skopeo(['inspect', '--raw'], ref, options);
}

/** `skopeo inspect --config --raw`: the image config bytes (single-platform images). */
export async function skopeoInspectConfig(ref: string, options: SkopeoOptions = {}): Promise<Buffer> {
  return skopeo(['inspect', '--config', '--raw'], ref, options);
}

async function skopeo(command: string[], ref: string, options: SkopeoOptions): Promise<Buffer> {
  const dir = await makeTempDir('skopeo');
  try {
    const args = [...command];
    if (options.credentials) {
      const authFile = join(dir, 'auth.json');
      const registry = ref.split('/')[0]!;
      const auth = Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64');
      writeFileSync(authFile, JSON.stringify({ auths: { [registry]: { auth } } }), { mode: 0o600 });
      args.push('--authfile', authFile);
    } else {
      args.push('--no-creds');
    }
    if (options.caFile) {
      // skopeo reads CA files named *.crt from a directory.
      const certDir = join(dir, 'certs');
      mkdirSync(certDir);
      copyFileSync(options.caFile, join(certDir, 'ca.crt'));
      args.push('--cert-dir', certDir, '--tls-verify=true');
    } else {
      // Loopback registries are plain HTTP or self-signed; false also allows the HTTP fallback.
      args.push('--tls-verify=false');
    }
    args.push(`docker://${ref}`);
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(dir, 'none.json'), HOME: dir };
    const { stdout } = await execTool('skopeo', args, { env });
    return stdout;
  } finally {
    await removeTempDir(dir);
  }
}
