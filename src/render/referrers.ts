import { shortDigest } from '../oci/index.js';
import { compareStrings } from '../util/compare.js';
import type { Change } from '../plan/types.js';

/** Short names for the artifact types a reviewer recognises; anything else is an `artifact`. */
const KINDS: ReadonlyArray<readonly [kind: string, types: readonly string[]]> = [
  [
    'signature',
    [
      'application/vnd.dev.cosign.artifact.sig.v1+json',
      'application/vnd.cncf.notary.signature',
      'application/vnd.dev.sigstore.bundle.v0.3+json',
      'application/vnd.dev.sigstore.bundle+json;version=0.3',
    ],
  ],
  [
    'sbom',
    [
      'application/spdx+json',
      'text/spdx',
      'text/spdx+json',
      'application/vnd.cyclonedx+json',
      'application/vnd.cyclonedx+xml',
      'application/vnd.cyclonedx',
      'application/vnd.syft+json',
      'application/vnd.dev.cosign.artifact.sbom.v1+json',
    ],
  ],
  [
    'attestation',
    ['application/vnd.in-toto+json', 'application/vnd.dsse.envelope.v1+json', 'application/vnd.dev.cosign.artifact.att.v1+json'],
  ],
];

/** `signature`, `sbom`, `attestation` or `artifact`: what a referrer is, from its artifact type. */
export function referrerKind(artifactType: string | null | undefined): string {
  if (artifactType === null || artifactType === undefined) return 'artifact';
  return KINDS.find(([, types]) => types.includes(artifactType))?.[0] ?? 'artifact';
}

/** `1 signature (application/vnd.dev.cosign.artifact.sig.v1+json), 1 sbom (application/spdx+json)`: by kind, then type. */
export function referrerKinds(referrers: readonly Change[]): string {
  const counts = new Map<string, { kind: string; type: string; count: number }>();
  for (const referrer of referrers) {
    const type = referrer.artifactType ?? 'no artifact type';
    const kind = referrerKind(referrer.artifactType);
    const key = `${kind}\0${type}`;
    const entry = counts.get(key) ?? { kind, type, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  const order = ['signature', 'sbom', 'attestation', 'artifact'];
  return [...counts.values()]
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || compareStrings(a.type, b.type))
    .map(({ kind, type, count }) => `${count} ${kind}${count === 1 ? '' : 's'} (${type})`)
    .join(', ');
}

const plural = (count: number): string => `${count} referrer${count === 1 ? '' : 's'}`;

/**
 * The lines shown under an image for its referrer changes: `+ 2 referrers: 1 signature (...), 1 sbom (...)` for
 * those to create, `- 2 referrers: ...` for those deleted with a pruned image, and with `showUnchanged` a line for
 * each one already at the destination.
 */
export function referrerLines(
  referrers: readonly Change[],
  showUnchanged: boolean,
): Array<{ action: 'create' | 'delete' | 'noop'; text: string }> {
  const created = referrers.filter((r) => r.action === 'create');
  const deleted = referrers.filter((r) => r.action === 'delete');
  const unchanged = referrers.filter((r) => r.action === 'noop');
  const lines: Array<{ action: 'create' | 'delete' | 'noop'; text: string }> = [];
  if (created.length > 0) lines.push({ action: 'create', text: `+ ${plural(created.length)}: ${referrerKinds(created)}` });
  if (deleted.length > 0) lines.push({ action: 'delete', text: `- ${plural(deleted.length)}: ${referrerKinds(deleted)}` });
  if (!showUnchanged) return lines;
  for (const referrer of unchanged) {
    const type = referrer.artifactType ?? 'no artifact type';
    lines.push({
      action: 'noop',
      text: `  unchanged referrer ${shortDigest(referrer.source!.digest)}: ${referrerKind(referrer.artifactType)} (${type})`,
    });
  }
  return lines;
}
