/**
 * examples/: every YAML file parses; the GitOps recipes have the structure GitHub Actions and GitLab CI read, and
 * run the regsync commands the recipes promise (plan → summary, comment and artifact; apply of the saved plan; drift).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseYamlFile, parseYamlRecord, yamlFilesUnder } from '../helpers/example-yaml.js';

type Data = Record<string, unknown>;
interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Data;
  env?: Data;
  if?: string;
  shell?: string;
}
interface Job {
  if?: string;
  'runs-on'?: string;
  steps: Step[];
  permissions?: Data;
  concurrency?: Data;
}

const WORKFLOWS = 'examples/gitops/.github/workflows';
const STEP_KEYS = new Set([
  'name',
  'uses',
  'run',
  'with',
  'env',
  'if',
  'shell',
  'id',
  'continue-on-error',
  'timeout-minutes',
  'working-directory',
]);
const JOB_KEYS = new Set([
  'if',
  'runs-on',
  'steps',
  'permissions',
  'concurrency',
  'env',
  'needs',
  'timeout-minutes',
  'environment',
  'name',
]);

/** A GitHub Actions workflow's shape: `on`, `jobs` with `runs-on` and steps that each `uses` a pinned action or `run`s. */
function workflow(file: string): { on: Data; jobs: Record<string, Job>; env: Data } {
  const data = parseYamlRecord(file);
  assert.equal(typeof data.name, 'string', `${file}: name`);
  assert.ok(data.on !== null && typeof data.on === 'object', `${file}: on is a mapping`);
  const jobs = data.jobs as Record<string, Job>;
  assert.ok(Object.keys(jobs).length > 0, `${file}: jobs`);
  for (const [id, job] of Object.entries(jobs)) {
    for (const key of Object.keys(job)) assert.ok(JOB_KEYS.has(key), `${file}: job ${id} has unknown key ${key}`);
    assert.equal(job['runs-on'], 'ubuntu-latest', `${file}: job ${id} runs-on`);
    assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${file}: job ${id} steps`);
    for (const step of job.steps) {
      for (const key of Object.keys(step)) assert.ok(STEP_KEYS.has(key), `${file}: ${id} step has unknown key ${key}`);
      assert.ok((step.uses === undefined) !== (step.run === undefined), `${file}: ${id}: each step either uses or runs`);
      if (step.uses !== undefined)
        assert.match(step.uses, /^[\w.-]+\/[\w.-]+@v\d+$/, `${file}: ${id}: actions are pinned to a major version`);
      if (step.shell !== undefined) assert.equal(step.shell, 'bash');
      if (step.run !== undefined) assertBashSyntax(`${file}: ${id}: ${step.name ?? step.run}`, step.run);
    }
  }
  return { on: data.on as Data, jobs, env: (data.env ?? {}) as Data };
}

/** bash -n: the script parses (GitHub's `${{ }}` expressions are substituted before bash sees them). */
function assertBashSyntax(label: string, script: string): void {
  const checked = spawnSync('bash', ['-n'], { input: script.replaceAll(/\$\{\{[^}]*\}\}/g, 'x'), encoding: 'utf8' });
  assert.equal(checked.status, 0, `${label}: ${checked.stderr}`);
}

const runs = (job: Job): string => job.steps.map((step) => step.run ?? '').join('\n');
const uses = (job: Job, action: string): Step[] => job.steps.filter((step) => step.uses?.startsWith(`${action}@`));

describe('examples/ YAML files', () => {
  const files = yamlFilesUnder('examples');
  it('include the GitOps recipes', () => {
    for (const file of [`${WORKFLOWS}/regsync.yml`, `${WORKFLOWS}/regsync-drift.yml`, 'examples/gitops/.gitlab-ci.yml']) {
      assert.ok(files.includes(file), `${file} is missing`);
    }
  });
  for (const file of files) it(`${file} parses`, () => assert.ok(parseYamlFile(file).length > 0));
});

describe('GitHub Actions: plan on pull request, apply the reviewed plan on merge', () => {
  const { on, jobs, env } = workflow(`${WORKFLOWS}/regsync.yml`);

  it('runs on pull requests and pushes to main that change regsync.yaml', () => {
    assert.deepEqual(on.pull_request, { paths: ['regsync.yaml'] });
    assert.deepEqual(on.push, { branches: ['main'], paths: ['regsync.yaml'] });
    assert.match(String(env.MIRROR_PASSWORD), /^\$\{\{ secrets\.MIRROR_PASSWORD \}\}$/);
  });

  it('plans as Markdown into the job summary and a PR comment, and uploads plan.json', () => {
    const plan = jobs.plan!;
    assert.equal(plan.if, "github.event_name == 'pull_request'");
    assert.match(runs(plan), /regsync plan --format markdown -o plan\.json > plan\.md/);
    assert.match(runs(plan), /cat plan\.md >> "\$GITHUB_STEP_SUMMARY"/);
    assert.match(runs(plan), /gh pr comment "\$PR_NUMBER" .*--body-file plan\.md/);
    assert.equal(plan.permissions?.['pull-requests'], 'write');
    const [upload] = uses(plan, 'actions/upload-artifact');
    assert.deepEqual([upload?.with?.name, upload?.with?.path], ['regsync-plan', 'plan.json']);
  });

  it('on merge downloads that artifact from the pull request run and applies exactly it', () => {
    const apply = jobs.apply!;
    assert.equal(apply.if, "github.event_name == 'push'");
    const script = runs(apply);
    assert.match(script, /gh run list --workflow regsync\.yml --event pull_request --commit "\$head"/);
    assert.match(script, /gh run download "\$run" --name regsync-plan/, 'the artifact name the plan job uploads');
    assert.match(script, /regsync apply plan\.json/);
    assert.doesNotMatch(script, /regsync plan/, 'apply never re-plans');
    assert.match(script, /exit "\$status"/, 'failed or stale changes fail the job');
    assert.equal(apply.permissions?.actions, 'read');
    assert.equal(apply.concurrency?.group, 'regsync-apply');
  });
});

describe('GitHub Actions: scheduled drift job', () => {
  const { on, jobs } = workflow(`${WORKFLOWS}/regsync-drift.yml`);
  it('runs on a schedule and fails on drift (exit 2 of plan --detailed-exitcode)', () => {
    const [schedule] = on.schedule as { cron: string }[];
    assert.equal(schedule?.cron.split(' ').length, 5, 'a five-field cron');
    const script = runs(jobs.drift!);
    assert.match(script, /regsync plan --detailed-exitcode --format markdown/);
    assert.match(script, /2\) echo "::error::drift/);
    assert.match(script, /exit "\$status"/);
  });
});

describe('GitLab CI equivalent', () => {
  const ci = parseYamlRecord('examples/gitops/.gitlab-ci.yml');
  type GitlabJob = { stage: string; script: string[]; rules: { if: string }[]; artifacts?: { paths: string[] }; allow_failure?: Data };
  const job = (name: string) => ci[name] as GitlabJob;
  const script = (name: string) => job(name).script.join('\n');

  it('every job has a declared stage, rules and a script', () => {
    const stages = ci.stages as string[];
    for (const name of ['regsync-plan', 'regsync-apply', 'regsync-drift']) {
      assert.ok(stages.includes(job(name).stage), `${name}: stage ${job(name).stage} is declared`);
      assert.ok(Array.isArray(job(name).script) && job(name).rules.length > 0, name);
      assertBashSyntax(name, script(name));
    }
  });

  it('plans in merge requests, notes the Markdown on the MR and keeps plan.json', () => {
    assert.match(job('regsync-plan').rules[0]!.if, /\$CI_PIPELINE_SOURCE == "merge_request_event"/);
    assert.match(script('regsync-plan'), /regsync plan --format markdown -o plan\.json > plan\.md/);
    assert.match(script('regsync-plan'), /merge_requests\/\$\{CI_MERGE_REQUEST_IID\}\/notes/);
    assert.ok(job('regsync-plan').artifacts?.paths.includes('plan.json'));
  });

  it('applies the merge request plan on the default branch', () => {
    assert.match(job('regsync-apply').rules[0]!.if, /\$CI_COMMIT_BRANCH == \$CI_DEFAULT_BRANCH/);
    assert.match(script('regsync-apply'), /raw\/plan\.json\?job=regsync-plan/, 'the artifact of the plan job, by its name');
    assert.match(script('regsync-apply'), /^regsync apply plan\.json$/m);
  });

  it('checks for drift on a schedule; exit 2 is a warning', () => {
    assert.match(job('regsync-drift').rules[0]!.if, /\$CI_PIPELINE_SOURCE == "schedule"/);
    assert.match(script('regsync-drift'), /regsync plan --detailed-exitcode/);
    assert.deepEqual(job('regsync-drift').allow_failure, { exit_codes: [2] });
  });
});
