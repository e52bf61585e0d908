import type { ExecutionContext } from '../../src/apply/types.js';
import type { Change } from '../../src/plan/types.js';

/** One end of a copy, as the plan writes it. */
export interface End {
  host: string;
  repository: string;
  tag: string;
}

/** What the planner would have made for a docker-executor create of `source` (pushed as `digest`) to `target`. */
export function dockerCreate(
  source: End & { digest: string; configDigest: string | null; mediaType?: string },
  target: End,
  options: { mirror?: string; platform?: string } = {},
): Change {
  const mirror = options.mirror ?? 'docker';
  const targetRef = `${target.host}/${target.repository}:${target.tag}`;
  return {
    id: `${mirror}:${targetRef}`,
    mirror,
    action: 'create',
    reason: 'missing-in-destination',
    executor: 'docker',
    source: {
      ref: `${source.host}/${source.repository}:${source.tag}`,
      endpoint: source.host,
      repository: source.repository,
      tag: source.tag,
      digest: source.digest,
      mediaType: source.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      created: null,
      configDigest: source.configDigest,
      platforms: [options.platform ?? 'linux/amd64'],
    },
    target: { ref: targetRef, endpoint: target.host, repository: target.repository, tag: target.tag, digest: null, configDigest: null },
    copy: { platforms: [options.platform ?? 'linux/amd64'] },
  };
}

/** A context recording every output line; `onLine` lets a test look at the engine while a copy runs. */
export function recordingContext(signal: AbortSignal = new AbortController().signal, onLine: (line: string) => void = () => {}) {
  const lines: string[] = [];
  const bytes: number[] = [];
  const warnings: string[] = [];
  // Typed by the cast below, so it fits ChangeProgress with or without the runner's warning().
  const progress = {
    output: (line: string) => {
      lines.push(line);
      onLine(line);
    },
    bytes: (total: number) => void bytes.push(total),
    warning: (line: string) => void warnings.push(line),
  };
  // The docker executor reads only signal and progress; the runner's resolved ends are not needed here.
  return { signal, progress, lines, bytes, warnings } as ExecutionContext & {
    lines: string[];
    bytes: number[];
    warnings: string[];
  };
}
