import { RegsyncError } from '../util/errors.js';

/** What a `docker-credential-*` helper answered: `username` is `<token>` for an identity token. */
export interface HelperSecret {
  username: string;
  secret: string;
}

/**
 * Runs `docker-credential-<name> get` with `serverUrl` on stdin; null when the helper has nothing for it.
 * `host` names the registry in errors.
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  host: string,
  env: NodeJS.ProcessEnv,
): Promise<HelperSecret | null> {
  const program = `docker-credential-${name}`;
  // Loaded here, not at start-up: execa is ~100 modules and most runs use no credential helper.
  const { execa } = await import('execa');
  const result = await execa(program, ['get'], {
    input: serverUrl,
    env,
    extendEnv: false,
    reject: false,
    timeout: 30_000,
    stripFinalNewline: true,
  });
  if (result.failed) {
    const output = `${String(result.stdout)} ${String(result.stderr)}`;
    if (/credentials not found/i.test(output)) return null;
    const missing = (result.cause as { code?: string } | undefined)?.code === 'ENOENT';
    const why = missing
      ? `${program} is not on PATH`
      : `${program} get failed (exit code ${String(result.exitCode)}): ${output.trim().slice(0, 200)}`;
    throw new RegsyncError(`cannot read credentials for ${host}: ${why}`, { code: 'AUTH_FAILED', host });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(result.stdout));
  } catch {
    throw new RegsyncError(`cannot read credentials for ${host}: ${program} get did not print JSON`, { code: 'AUTH_FAILED', host });
  }
  const { Username: username, Secret: secret } = (parsed ?? {}) as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== 'string' || secret === '') return null;
  return { username: typeof username === 'string' ? username : '', secret };
}
