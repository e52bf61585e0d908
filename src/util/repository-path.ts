/** Joins repository path parts with single slashes; empty parts (an empty prefix) vanish. */
export function joinRepositoryPath(...parts: string[]): string {
  return parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment !== '')
    .join('/');
}
