/**
 * `npm run bench -- NAME [options]`: one comparison per name (see bench/README.md). Without a name it lists
 * them; `all` runs every one in turn (long: minutes on a busy 2-core machine).
 */
const BENCHES: Record<string, { file: string; what: string }> = {
  noop: {
    file: './noop.js',
    what: 'no-op sync of 20 × 10 tags: regsync plan and apply, the floor client, skopeo sync --all; regsync ÷ floor ≤ 1.3×, skopeo ÷ regsync ≥ 3×',
  },
  floor: { file: './floor.js', what: 'noop without regsync apply: regsync plan ÷ the floor client (goal ≤ 1.3×), skopeo ÷ regsync' },
  cold: { file: './cold.js', what: 'cold copy of 20 × 5 tags, registry executor: regsync apply --yes vs skopeo sync --all; goal ≥ 2×' },
  docker: {
    file: './docker.js',
    what: 'docker executor, 10 × 3 tags: regsync apply --yes vs a docker pull/tag/push/rmi loop; goal ≥ 1.5×',
  },
  scale: {
    file: './scale.js',
    what: 'plan cold, apply cold, plan no-op, latest: 5 plan at --tags N[,N...] (default 1000 = 50 × 20): wall, CPU, requests, peak RSS; skopeo beside',
  },
  startup: { file: './startup.js', what: 'regsync --version and validate vs node -e 0; goals within 1.3× (issue 17) and 4×' },
  'large-blob': { file: './copy-large-blob.js', what: 'copy a 256 MiB layer: regsync vs skopeo copy, peak RSS and wall' },
  'plan-compare': { file: './plan-compare.js', what: 'regsync plan vs a skopeo list-tags/inspect peer, 5 × 50 tags' },
  'plan-scale': { file: './plan-scale.js', what: 'the pure planner on 15 000–60 000 tags' },
};

const name = process.argv[2];
if (name === undefined || name.startsWith('-')) {
  console.log('usage: npm run bench -- NAME [options]   (or: npm run bench -- all)\n');
  for (const [key, { what }] of Object.entries(BENCHES)) console.log(`  ${key.padEnd(13)} ${what}`);
} else if (name === 'all') {
  for (const { file } of Object.values(BENCHES)) await import(file);
} else {
  const bench = BENCHES[name];
  if (bench === undefined) {
    console.error(`no bench named ${JSON.stringify(name)}; one of: ${Object.keys(BENCHES).join(', ')}`);
    process.exitCode = 1;
  } else await import(bench.file);
}
