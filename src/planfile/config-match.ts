import type { Config, Endpoint, MirrorConfig } from '../config/types.js';
import { dockerPlatform, matchTagNames, selectRepositories } from '../plan/filters.js';
import { carriesLegacyCosignTags, legacyCosignSubject } from '../plan/legacy-cosign.js';
import { digestLocationRef, endpointBase, endpointPlace, locationRef, tagLocation } from '../plan/refs.js';
import { mapRepository } from '../plan/rename.js';
import type { Change, ChangeLocation, ChangeSource } from '../plan/types.js';
import { changeFromDocument } from './document.js';
import type { ChangeDocument, PlanDocument } from './document.js';
import { platformMatches } from '../oci/index.js';

/**
 * Whether a saved plan is one the config could have produced: a plan file is what a pull request reviews and a
 * later job applies, so an edit to it must not steer apply elsewhere. Given the config digest already matches,
 * everything here is re-derived from the config with the planner's own pure rules (mapRepository, the name
 * filters, the platform rule); what needs registry facts (digests, dates) is checked by apply's compare-and-swap.
 */

/** The repository path relative to the endpoint's prefix, or null when it lies outside the prefix. */
function relativeTo(endpoint: Endpoint, location: ChangeLocation): string | null {
  if (location.endpoint !== endpointBase(endpoint)) return null;
  const { prefix } = endpoint;
  if (prefix === '') return location.repository;
  if (location.repository === prefix) return '';
  return location.repository.startsWith(`${prefix}/`) ? location.repository.slice(prefix.length + 1) : null;
}

function selected(mirror: MirrorConfig, relative: string): boolean {
  return selectRepositories(mirror, [relative]).selected.includes(relative);
}

/** The source must be one the mirror reads and selects; then the target must be where the mirror maps it. */
function copyMismatch(mirror: MirrorConfig, change: Change, source: ChangeSource): string | null {
  const relative = relativeTo(mirror.source, source);
  if (relative === null) return `reads ${source.ref}, but mirror ${mirror.name} reads from ${endpointPlace(mirror.source)}`;
  if (!selected(mirror, relative)) return `reads ${source.ref}, a repository mirror ${mirror.name} does not select`;
  const tag = source.tag ?? '';
  // cosign's legacy tags travel with their image whatever the tag filters say of their names (plan/legacy-cosign.ts).
  const legacy = carriesLegacyCosignTags(mirror) && legacyCosignSubject(tag) !== null;
  if (!legacy && !matchTagNames(mirror, [tag]).kept.includes(tag))
    return `reads ${source.ref}, a tag mirror ${mirror.name} does not select`;
  const mapped = mapRepository(mirror, relative);
  if ('error' in mapped) return `reads ${source.ref}, which mirror ${mirror.name} cannot map: ${mapped.error}`;
  const expected = tagLocation(mirror.destination, mapped.repository, tag);
  const { target } = change;
  if (target.endpoint === expected.endpoint && target.repository === expected.repository && target.tag === expected.tag) return null;
  return `targets ${target.ref}, but mirror ${mirror.name} maps ${source.ref} to ${expected.ref}`;
}

/** Whether a destination repository is one the mirror manages, as far as the config alone can say. */
function managedRepository(mirror: MirrorConfig, target: ChangeLocation): boolean {
  const relative = relativeTo(mirror.destination, target);
  if (relative === null) return false;
  const { names } = mirror.repositories;
  if (names !== null) {
    return selectRepositories(mirror, names).selected.some((name) => {
      const mapped = mapRepository(mirror, name);
      return 'repository' in mapped && mapped.repository === target.repository;
    });
  }
  // Without a rename a destination repository is its source repository re-rooted, so the same selection applies;
  // a rename of a listed catalog cannot be inverted: the destination prefix is what the config can say. Whether a
  // source repository maps there now, only the catalog says: apply asks it (run/saved-plan-scope.ts).
  return mirror.rename === null ? selected(mirror, relative) : true;
}

/** A change without a source (a delete, or a tag prune keeps for a shared digest) comes from prune, in a managed repository. */
function pruneMismatch(mirror: MirrorConfig, change: Change): string | null {
  const verb = change.action === 'delete' ? 'deletes' : 'keeps';
  if (!mirror.prune) return `${verb} ${change.target.ref}, but mirror ${mirror.name} does not prune`;
  if (!managedRepository(mirror, change.target))
    return `${verb} ${change.target.ref}, outside the repositories mirror ${mirror.name} manages at ${endpointPlace(mirror.destination)}`;
  return null;
}

const described = (platforms: readonly string[] | null): string =>
  platforms === null ? 'the whole image' : `platforms ${JSON.stringify(platforms)}`;

/** copy.platforms as the planner gives it: docker pulls one platform; the registry copies whole or a `platforms` subset. */
function platformsMismatch(mirror: MirrorConfig, platforms: string[] | null): string | null {
  const copies = (what: string) => `copies ${described(platforms)}, but mirror ${mirror.name} (executor ${mirror.executor}) copies ${what}`;
  if (mirror.executor === 'docker') {
    const pulled = dockerPlatform(mirror);
    return platforms !== null && platforms.length === 1 && platforms[0] === pulled ? null : copies(described([pulled]));
  }
  const wanted = mirror.platforms;
  if (wanted === null) return platforms === null ? null : copies('the whole image');
  if (platforms === null || platforms.every((p) => wanted.some((w) => platformMatches(p, w)))) return null;
  return copies(`the whole image or some of platforms ${JSON.stringify(wanted)}`);
}

function changeMismatch(config: Config, change: Change, byId: ReadonlyMap<string, Change>): string | null {
  const mirror = config.mirrors.find((candidate) => candidate.name === change.mirror);
  if (mirror === undefined) return `names mirror ${change.mirror}, which the config does not have`;
  if (change.executor !== mirror.executor) return `runs on executor ${change.executor}, but mirror ${mirror.name} uses ${mirror.executor}`;
  if (change.subject !== undefined && change.action === 'delete') return referrerDeleteMismatch(mirror, change, byId);
  if (change.subject !== undefined) return referrerMismatch(mirror, change, byId);
  const where = change.source === null ? pruneMismatch(mirror, change) : copyMismatch(mirror, change, change.source);
  if (where !== null || change.copy === undefined) return where;
  return platformsMismatch(mirror, change.copy.platforms);
}

const INDEX_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * A referrer change travels with an image change of the same plan (`referrerOf`), in that image's source and
 * destination repositories, by digest, for a mirror that copies referrers of this artifact type; its subject is
 * the image, another referrer of it, or (an index) one of its children, which only the registry knows: apply checks
 * that the referrer's manifest names that subject before copying it. A file that says otherwise was edited.
 */
function referrerMismatch(mirror: MirrorConfig, change: Change, byId: ReadonlyMap<string, Change>): string | null {
  const settings = mirror.referrers;
  if (settings === null || mirror.executor !== 'registry') return `copies a referrer, but mirror ${mirror.name} copies no referrers`;
  const { source, target } = change;
  if (source === null) return 'is a referrer without a source';
  if (
    change.action === 'create'
      ? change.copy?.platforms !== null || target.digest !== null
      : change.action !== 'noop' || target.digest !== source.digest
  )
    return `is a referrer ${change.action}, but a referrer is created whole by digest, or unchanged when the destination lists it`;
  const image = change.referrerOf === undefined ? undefined : byId.get(change.referrerOf);
  if (
    image === undefined ||
    image.subject !== undefined ||
    image.mirror !== change.mirror ||
    image.source === null ||
    image.target.tag === null
  )
    return `is a referrer of ${change.referrerOf ?? '(nothing)'}, which is no image change of mirror ${mirror.name} in this plan`;
  if (!(image.action === 'create' || image.action === 'update' || (image.action === 'noop' && image.reason === 'up-to-date')))
    return `is a referrer of ${image.id}, an image whose content does not travel (${image.action}, ${image.reason})`;
  if (source.endpoint !== image.source.endpoint || source.repository !== image.source.repository || source.tag !== null)
    return `reads ${source.ref}, but its image ${image.id} reads ${image.source.endpoint}/${image.source.repository}`;
  if (target.endpoint !== image.target.endpoint || target.repository !== image.target.repository || target.tag !== null)
    return `targets ${target.ref}, but its image ${image.id} lands in ${image.target.endpoint}/${image.target.repository}`;
  const subject = change.subject!;
  const named =
    subject === image.source.digest ||
    [...byId.values()].some((other) => other.referrerOf === image.id && other.source?.digest === subject && other.id !== change.id);
  if (!named && !INDEX_TYPES.has(image.source.mediaType))
    return `refers to ${subject}, which is neither its image ${image.id} (${image.source.digest}) nor another of its referrers`;
  const types = settings.artifactTypes;
  if (types !== null && (change.artifactType === null || change.artifactType === undefined || !types.includes(change.artifactType)))
    return `copies referrer ${source.digest} of artifact type ${change.artifactType ?? '(none)'}, but mirror ${mirror.name} copies only ${types.join(', ')}`;
  return null;
}

/**
 * A referrer deleted with its pruned image (plan/prune-referrers.ts): in a mirror that copies referrers and prunes,
 * by digest, with no source, in the repository of a tag delete of the same mirror (`referrerOf`), referring to the
 * digest that delete removes or to another referrer deleted with it. Whether the destination really lists it there is
 * the registry's to say; apply deletes by digest only when no tag points at it.
 */
function referrerDeleteMismatch(mirror: MirrorConfig, change: Change, byId: ReadonlyMap<string, Change>): string | null {
  const { target } = change;
  if (mirror.referrers === null || mirror.executor !== 'registry')
    return `deletes referrer ${target.ref}, but mirror ${mirror.name} copies no referrers`;
  if (!mirror.prune) return `deletes referrer ${target.ref}, but mirror ${mirror.name} does not prune`;
  if (change.source !== null || target.tag !== null || target.digest === null)
    return `is a referrer delete, but a referrer is deleted by its digest alone, with no source`;
  const image = change.referrerOf === undefined ? undefined : byId.get(change.referrerOf);
  if (
    image === undefined ||
    image.subject !== undefined ||
    image.mirror !== change.mirror ||
    image.action !== 'delete' ||
    image.target.tag === null
  )
    return `deletes a referrer of ${change.referrerOf ?? '(nothing)'}, which is no tag delete of mirror ${mirror.name} in this plan`;
  if (target.endpoint !== image.target.endpoint || target.repository !== image.target.repository)
    return `deletes ${target.ref}, but its image ${image.id} is deleted from ${image.target.endpoint}/${image.target.repository}`;
  const subject = change.subject!;
  const named =
    subject === image.target.digest ||
    [...byId.values()].some(
      (other) => other.referrerOf === image.id && other.action === 'delete' && other.target.digest === subject && other.id !== change.id,
    );
  if (!named)
    return `refers to ${subject}, which is neither its deleted image ${image.id} (${image.target.digest ?? 'no digest'}) nor another referrer deleted with it`;
  const types = mirror.referrers.artifactTypes;
  if (types !== null && (change.artifactType === null || change.artifactType === undefined || !types.includes(change.artifactType)))
    return `deletes referrer ${target.digest} of artifact type ${change.artifactType ?? '(none)'}, but mirror ${mirror.name} copies only ${types.join(', ')}`;
  return null;
}

/**
 * A file's `ref` must be exactly its parts: apply reads the parts, a reviewer reads the ref. (The Plan read from
 * the file shows refs derived from the parts anyway; a file where they differ was edited.)
 */
function refMismatch(document: ChangeDocument): string | null {
  // A referrer change names both ends by the digest it copies (or, pruned with its image, the one it deletes).
  const byDigest = document.subject === undefined ? null : (document.source?.digest ?? document.target.digest);
  for (const [field, location] of [
    ['source', document.source],
    ['target', document.target],
  ] as const) {
    if (location === null) continue;
    if (location.tag === null && byDigest === null) return `has ${field}.tag null, but regsync plan always names a tag`;
    if (location.tag !== null && byDigest !== null) return `has ${field}.tag ${location.tag}, but a referrer is named by its digest`;
    const parts =
      byDigest === null
        ? locationRef(location.endpoint, location.repository, location.tag)
        : digestLocationRef(location.endpoint, location.repository, byDigest);
    if (location.ref !== parts) return `has ${field}.ref ${location.ref}, but its endpoint, repository and tag are ${parts}`;
  }
  return null;
}

/**
 * The first change the config could not have produced, as one line naming the change and the field
 * (`plan file does not match its config: change "ID" targets ...: run regsync plan again`); null when none.
 * For a document that passed the schema and the structural checks (ids are `mirror:target.ref`), and whose
 * config digest is the config's.
 */
export function configMismatch(config: Config, document: Pick<PlanDocument, 'changes'>): string | null {
  const byId = new Map(document.changes.map((written) => [written.id, changeFromDocument(written)]));
  for (const written of document.changes) {
    const mismatch = changeMismatch(config, byId.get(written.id)!, byId) ?? refMismatch(written);
    if (mismatch !== null) return `plan file does not match its config: change "${written.id}" ${mismatch}: run regsync plan again`;
  }
  return null;
}
