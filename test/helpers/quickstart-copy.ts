/**
 * examples/quickstart as the checkout commits it (its config and its OCI layouts), copied into a fresh temporary
 * directory. The README's next step (`apply` of the quickstart) writes `examples/quickstart/mirrored/` into the
 * checkout; a test that planned the folder in place then found nothing to create. Tests never depend on what a
 * user's earlier commands left there: they plan and apply a copy.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../harness/temp.js';

export const quickstartDir = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));

/** The committed files only: regsync.yaml and images/ (never mirrored/ or a saved plan). Returns the folder. */
export async function copyQuickstart(label = 'quickstart'): Promise<string> {
  const folder = await makeTempDir(label);
  await cp(join(quickstartDir, 'regsync.yaml'), join(folder, 'regsync.yaml'));
  await cp(join(quickstartDir, 'images'), join(folder, 'images'), { recursive: true });
  return folder;
}
