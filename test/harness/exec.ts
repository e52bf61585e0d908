import { execFile } from 'node:child_process';

/** Runs a short tool to completion; throws with its stderr (never its arguments: they may hold secrets). */
export async function execTool(
  command: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { encoding: 'buffer', env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const err = stderr.toString('utf8');
        if (error) {
          reject(new Error(`${command} ${args[0] ?? ''} failed (${error.code ?? error.signal ?? 'error'}): ${err.trim().slice(-2000)}`));
          return;
        }
        resolve({ stdout, stderr: err });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
