/**
 * The plan file format's version: the one place it is written. The writer puts it first in every file, the reader
 * refuses a file with another one, and schemas/plan.schema.json pins the same number (a test checks they agree).
 * The in-memory Plan carries no version: it can grow (referrers) without changing the file.
 */
export const PLAN_FORMAT_VERSION = 2;
