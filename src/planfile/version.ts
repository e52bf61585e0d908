/**
 * The plan file format's version: the one place it is written. The writer puts it first in every file, the reader
 * refuses a file with another one, and schemas/plan.schema.json pins the same number (a test checks they agree).
 * The in-memory Plan carries no version: it can grow without changing the file. 3: referrers are changes of their
 * own (`subject`, `artifactType`, `referrerOf`, both ends named by digest), no longer a `referrers` array on an image's change.
 */
export const PLAN_FORMAT_VERSION = 3;
