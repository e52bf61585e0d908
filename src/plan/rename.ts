import type { MirrorConfig, RenameRule } from '../config/types.js';
import { isRepositoryComponent } from '../oci/index.js';
import { joinRepositoryPath } from '../util/repository-path.js';

/** The renamed path, or null when a regex rule does not match (the repository is then mapped as without a rename). */
function applyRule(rule: RenameRule, source: string): { path: string } | { error: string } | null {
  if (rule.kind === 'regex') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(rule.match);
    } catch {
      return { error: `rename match ${JSON.stringify(rule.match)} is not a valid regular expression` };
    }
    return pattern.test(source) ? { path: source.replace(pattern, rule.replace) } : null;
  }
  const parts = source.split('/');
  let error: string | null = null;
  // \1..\5 name the `/`-separated parts of the source path, as in the original tool.
  const path = rule.template.replace(/\\([1-9])/g, (_token, digit: string) => {
    const index = Number(digit);
    const part = parts[index - 1];
    if (part === undefined || index > 5) {
      error ??=
        index > 5
          ? `rename template ${JSON.stringify(rule.template)} uses \\${digit}; only \\1 to \\5 exist`
          : `rename template ${JSON.stringify(rule.template)} uses \\${digit} but ${JSON.stringify(source)} has only ${parts.length} path part${parts.length === 1 ? '' : 's'}`;
      return '';
    }
    return part;
  });
  return error === null ? { path } : { error };
}

/** The last `/`-separated part of a path: `library/alpine` → `alpine`. */
function lastComponent(path: string): string {
  return (
    path
      .split('/')
      .filter((part) => part !== '')
      .pop() ?? ''
  );
}

/**
 * Source repository path relative to the source prefix → full destination repository path, joined under the
 * destination prefix. The relative path '' is the source prefix itself, when it names one repository
 * (`docker.io/library/alpine`): it lands by its last path component, as skopeo sync does (dest/alpine). Without a rename the relative path is kept (re-rooting: team/app1 under source prefix
 * `team` lands as mirror/app1). A rename applies to the whole source path, prefix included, as the config
 * reference and sync.sh read it (`mirror/\2` on team/app1 gives mirror/app1; `^team/(.*)$` matches it). A regex
 * that does not match leaves the repository as without a rename (the path relative to the source prefix), never
 * the whole source path under the destination prefix.
 * A template token beyond the path depth (e.g. \3 for "a/b") returns an error string, never a literal "\3";
 * so does a result that is not a valid repository name.
 */
export function mapRepository(mirror: MirrorConfig, sourceRepository: string): { repository: string } | { error: string } {
  const rule = mirror.rename === null ? null : applyRule(mirror.rename, joinRepositoryPath(mirror.source.prefix, sourceRepository));
  const renamed = rule ?? { path: sourceRepository === '' ? lastComponent(mirror.source.prefix) : sourceRepository };
  if ('error' in renamed) return renamed;
  // Messages name the source path the user knows: the prefix itself when it is the repository.
  const named = sourceRepository === '' ? mirror.source.prefix : sourceRepository;
  const repository = joinRepositoryPath(mirror.destination.prefix, renamed.path);
  const relative = joinRepositoryPath(renamed.path);
  if (relative === '') return { error: `rename of ${JSON.stringify(named)} gives an empty repository name` };
  const bad = repository.split('/').find((component) => !isRepositoryComponent(component));
  if (bad !== undefined) {
    return {
      error: `rename of ${JSON.stringify(named)} gives ${JSON.stringify(repository)}, not a valid repository name (bad part ${JSON.stringify(bad)})`,
    };
  }
  return { repository };
}
