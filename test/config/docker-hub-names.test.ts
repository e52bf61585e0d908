/**
 * Issue 14 item 6: names written as the docker CLI writes them. A location without a host (`alpine`,
 * `bitnami/redis`) is on Docker Hub, in a config file, on the sync.sh command line and in `regsync config`'s
 * output; a location with a tag is refused with the config that says what was meant.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load.js';
import { renderConfigYaml } from '../../src/config/print.js';
import { isConfigError } from '../../src/config/problems.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { dockerHubLocation } from '../../src/oci/docker-hub.js';

const root = mkdtempSync(path.join(tmpdir(), 'regsync-hub-names-'));
after(() => rmSync(root, { recursive: true, force: true }));

function load(source: string, destination = 'mirror.example.com/hub', extra = '') {
  const text = `version: 1\nmirrors:\n  - name: hub\n    source: ${source}\n    destination: ${destination}\n${extra}`;
  return loadConfigText(text, { file: path.join(root, 'regsync.yaml'), displayName: 'regsync.yaml', env: {} });
}

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(isConfigError(error), String(error));
    return error.problems;
  }
  assert.fail('expected a config error');
}

describe("Docker's rule: the first component is a host only with '.' or ':' or as localhost", () => {
  const rows: Array<[string, string]> = [
    ['alpine', 'docker.io/library/alpine'],
    ['library/alpine', 'docker.io/library/alpine'],
    ['bitnami/redis', 'docker.io/bitnami/redis'],
    ['bitnami/redis/', 'docker.io/bitnami/redis'],
    ['docker.io/library', 'docker.io/library'],
    ['docker.io/library/alpine', 'docker.io/library/alpine'],
    ['ghcr.io/org/app', 'ghcr.io/org/app'],
    ['127.0.0.1:5000/team', '127.0.0.1:5000/team'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['registry:5000/team', 'registry:5000/team'],
    ['localhost/team', 'localhost/team'],
    ['localhost', 'localhost'],
    ['ocidir://./layouts', 'ocidir://./layouts'],
  ];
  for (const [written, located] of rows) {
    it(`${written} → ${located}`, () => assert.equal(dockerHubLocation(written), located));
  }
});

describe('a config file', () => {
  it('normalises source and destination by the rule, and `regsync config` prints the normalised form', () => {
    const { config, secrets } = load('alpine', 'bitnami/mirror');
    const mirror = config.mirrors[0]!;
    assert.deepEqual(mirror.source, { scheme: 'registry', host: 'docker.io', prefix: 'library/alpine' });
    assert.deepEqual(mirror.destination, { scheme: 'registry', host: 'docker.io', prefix: 'bitnami/mirror' });
    assert.ok(config.registries['docker.io'] !== undefined, 'Docker Hub gets its registry entry, not "alpine" or "bitnami"');
    assert.equal(config.registries.alpine, undefined);
    const printed = renderConfigYaml(config, { secrets });
    assert.match(printed, /^ {4}source: docker\.io\/library\/alpine$/m);
    assert.match(printed, /^ {4}destination: docker\.io\/bitnami\/mirror$/m);
  });

  it('library/alpine and bitnami/redis are Docker Hub repositories, valid without repositories.names', () => {
    assert.deepEqual(load('library/alpine').config.mirrors[0]!.source, { scheme: 'registry', host: 'docker.io', prefix: 'library/alpine' });
    assert.deepEqual(load('bitnami/redis').config.mirrors[0]!.source, { scheme: 'registry', host: 'docker.io', prefix: 'bitnami/redis' });
    assert.deepEqual(load('docker.io/library/alpine').config.mirrors[0]!.source, {
      scheme: 'registry',
      host: 'docker.io',
      prefix: 'library/alpine',
    });
  });

  it('hosts written with a dot, a port or as localhost stay hosts', () => {
    assert.deepEqual(load('registry:5000/team').config.mirrors[0]!.source, { scheme: 'registry', host: 'registry:5000', prefix: 'team' });
    assert.deepEqual(load('localhost/team').config.mirrors[0]!.source, { scheme: 'registry', host: 'localhost', prefix: 'team' });
  });

  it('a capital in a Docker Hub name is refused: repository names are lowercase', () => {
    assert.deepEqual(
      problemsOf(() => load('Bitnami/redis')),
      [
        'regsync.yaml:4:13 /mirrors/0/source: "Bitnami/redis" is on Docker Hub (docker.io/Bitnami/redis), and repository names are lowercase: write bitnami/redis',
      ],
    );
  });

  it('a Docker Hub namespace without repositories.names is still refused (no catalog), naming both ways out', () => {
    for (const source of ['docker.io/library', 'docker.io/alpine', 'docker.io']) {
      const problems = problemsOf(() => load(source));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(
        problems[0]!,
        /\/mirrors\/0\/source: Docker Hub does not list its repositories \(no catalog API\): name one repository as the source \(docker\.io\/library\/alpine/,
      );
    }
    // With include/exclude the repositories under the prefix are selected from a catalog: refused too.
    assert.equal(problemsOf(() => load('alpine', undefined, "    repositories:\n      include: ['x']\n")).length, 1);
    assert.equal(load('docker.io/library', undefined, '    repositories:\n      names: [alpine]\n').config.mirrors.length, 1);
  });
});

describe('a location with a tag or a digest', () => {
  it('in source is refused with the tags.include that selects that tag', () => {
    const problems = problemsOf(() => load('docker.io/library/alpine:3.19'));
    assert.deepEqual(problems, [
      `regsync.yaml:4:13 /mirrors/0/source: "docker.io/library/alpine:3.19" names the tag 3.19, but a source is a repository or a prefix: write source: docker.io/library/alpine and select the tag with tags: { include: ['^3\\.19$'] }`,
    ]);
  });

  it('as docker writes it (alpine:latest), with the location normalised', () => {
    const [problem] = problemsOf(() => load('alpine:latest'));
    assert.match(problem ?? '', /write source: docker\.io\/library\/alpine and select the tag with tags: \{ include: \['\^latest\$'\] \}/);
  });

  it('in destination is refused: tags keep their source names', () => {
    const [problem] = problemsOf(() => load('alpine', '127.0.0.1:5000/hub/alpine:v1'));
    assert.equal(
      problem,
      'regsync.yaml:5:18 /mirrors/0/destination: "127.0.0.1:5000/hub/alpine:v1" names the tag v1, but a destination is a repository or a prefix: write destination: 127.0.0.1:5000/hub/alpine (each tag keeps its source name)',
    );
  });

  it('with a digest is refused, saying tags are selected by name', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const [problem] = problemsOf(() => load(`ghcr.io/org/app@${digest}`));
    assert.match(
      problem ?? '',
      /names the digest sha256:a+, but a source is a repository or a prefix: write source: ghcr\.io\/org\/app; tags are selected by name/,
    );
  });
});

describe('the sync.sh command line', () => {
  const cwd = '/nonexistent-regsync-cwd';

  it('reads SOURCE and DESTINATION by the rule, and --src-auth lands under docker.io', async () => {
    const resolved = await resolveConfig({ positionals: ['alpine', '127.0.0.1:5001/hub'], options: { srcAuth: 'alice:pw' }, env: {}, cwd });
    const mirror = resolved.config.mirrors[0]!;
    assert.deepEqual(mirror.source, { scheme: 'registry', host: 'docker.io', prefix: 'library/alpine' });
    assert.equal(resolved.config.registries['docker.io']?.username, 'alice');
    assert.equal(resolved.config.registries.alpine, undefined);
  });

  it('refuses a SOURCE with a tag, naming the argument', async () => {
    await assert.rejects(
      resolveConfig({ positionals: ['docker.io/library/alpine:3.19', '127.0.0.1:5001/hub'], options: {}, env: {}, cwd }),
      (error: unknown) => {
        assert.ok(isConfigError(error));
        assert.match(
          error.problems.join('\n'),
          /^SOURCE: "docker\.io\/library\/alpine:3\.19" names the tag 3\.19, .*tags: \{ include: \['\^3\\\.19\$'\] \}$/m,
        );
        return true;
      },
    );
  });
});
