import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { SeedOptions } from '../config/seed-flags.js';
import type { SignalSource } from '../apply/interrupts.js';
import type { ServeSignals } from '../serve/index.js';
import { LOG_FORMATS } from '../serve/log.js';
import type { LogFormat } from '../serve/log.js';
import type { Shard } from '../plan/shard.js';
import { shardOption } from './shard-option.js';
import { addSeedOptions, examplesText, positionalsOf, resolveCommandConfig } from './shared.js';
import type { CommandContext } from './shared.js';

interface ServeFlags extends SeedOptions {
  interval?: string;
  cron?: string;
  planOnly?: boolean;
  listen: string;
  mirror: string[];
  shard?: Shard;
  concurrency: number;
  docker?: string;
  logFormat: LogFormat;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

function logFormat(value: string): LogFormat {
  const format = LOG_FORMATS.find((name) => name === value);
  if (format === undefined) throw new InvalidArgumentError(`expected ${LOG_FORMATS.join(' or ')}`);
  return format;
}

/** `regsync serve`: plan and apply on a schedule, with /metrics, /healthz and /readyz. */
export function registerServeCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('serve')
    .description('keep the mirrors in sync on a schedule (plan, then apply), with Prometheus metrics');
  command.addHelpText(
    'after',
    examplesText([
      ['regsync serve --interval 15m', 'a cycle now and every 15 minutes; metrics on :9090/metrics'],
      ['regsync serve --cron "0 */6 * * *" --listen 127.0.0.1:9100', 'a cycle now and every six hours'],
      ['regsync serve --interval 1h --plan-only', 'measure drift (regsync_pending_changes), change nothing'],
      ['regsync serve --interval 15m --log-format json', 'one JSON object per log line on stderr, for log aggregation'],
    ]),
  );
  addSeedOptions(command)
    .option('--interval <duration>', 'a cycle every DURATION (e.g. 15m, 6h)')
    .option('--cron <expression>', 'cycles on a cron schedule (e.g. "0 */6 * * *")')
    .option('--plan-only', 'only plan: measure drift, change nothing')
    .option('--listen <host:port>', 'address of /metrics, /healthz and /readyz', ':9090')
    .option(
      '--mirror <name>',
      'serve only this mirror (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--shard <I/N>', 'only shard I of N (0 <= I < N), split by a stable hash of the destination repository', shardOption)
    .option('--concurrency <n>', 'changes in flight at once', positiveInteger, 4)
    .option('--docker <path>', 'docker CLI for the docker executor (env DOCKER)')
    .option('--log-format <format>', 'log lines on stderr: text, or json (one object per line)', logFormat, 'text' as LogFormat)
    .action(async (source: string | undefined, destination: string | undefined, options: ServeFlags, cmd: Command) => {
      const { parseSchedule } = await import('../serve/schedule.js');
      const schedule = parseSchedule(options.interval, options.cron);
      const positionals = positionalsOf(source, destination);
      // Read once now, so a config that is wrong from the start fails at once like any command.
      await resolveCommandConfig(ctx, cmd, positionals, options);
      const globals = ctx.globals(cmd);
      const { resolveConfig } = await import('../config/resolve.js');
      const { resolveDockerBinary } = await import('../apply/executors/docker-cli.js');
      const { runServe } = await import('../serve/index.js');
      const { createServeLog } = await import('../serve/log.js');
      // Every secret any cycle's config held: the JSON log redacts string values before encoding them (an escaped
      // secret would slip past the redaction of stderr, which still applies to every line as well).
      const secrets = new Set<string>();
      const log = createServeLog({
        format: options.logFormat,
        write: (line) => void ctx.io.stderr.write(line),
        secrets: () => secrets,
      });
      const code = await runServe(
        {
          version: ctx.version,
          schedule,
          listen: options.listen,
          planOnly: options.planOnly === true,
          mirrors: options.mirror,
          shard: options.shard ?? null,
          concurrency: options.concurrency,
          dockerBinary: resolveDockerBinary(options.docker, ctx.io.env),
          env: ctx.io.env,
          cwd: ctx.io.cwd,
          // Each cycle reads the config file (and its ${VAR}s) anew; new secrets join the redaction.
          loadConfig: async () => {
            const resolved = await resolveConfig({
              positionals,
              options: { ...options, config: globals.config },
              env: ctx.io.env,
              cwd: ctx.io.cwd,
            });
            ctx.addSecrets(resolved.secrets);
            for (const secret of resolved.secrets) secrets.add(secret);
            return resolved;
          },
        },
        serveSignals(ctx.io.signals ?? process),
        log,
      );
      ctx.setExitCode(code);
    });
}

/**
 * SIGTERM and SIGINT through the CLI's dispatcher (commands/process-signals.ts), which ends a process nobody in
 * regsync listens to; serve listens, so it stops gracefully and exits 0. SIGHUP straight from the process.
 */
function serveSignals(interrupts: SignalSource): ServeSignals {
  return {
    on(event, listener) {
      if (event === 'SIGHUP') process.on('SIGHUP', listener);
      else interrupts.on(event, listener);
    },
    off(event, listener) {
      if (event === 'SIGHUP') process.off('SIGHUP', listener);
      else interrupts.off(event, listener);
    },
  };
}
