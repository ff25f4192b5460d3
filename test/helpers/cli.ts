import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './data.js';
import { refuseInUnitTier } from './tier.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the mmx CLI from source (so tests never see a stale build) in a child process. */
export function runCli(
  args: string[],
  opts: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    onStdout?: (chunk: string, child: ReturnType<typeof spawn>) => void;
    onStderr?: (chunk: string, child: ReturnType<typeof spawn>) => void;
  } = {},
): Promise<CliResult> {
  refuseInUnitTier('the mmx CLI in a child process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, CI: 'true', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      opts.onStdout?.(c, child);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      opts.onStderr?.(c, child);
    });
    // a guard against a hang, not a timing check: generous, so a loaded CI machine does not trip it
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
