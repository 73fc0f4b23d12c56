// Runs the real `swsim` entry point (bin/swsim.js) in a child process and collects its exit code,
// stdout and stderr, so the CLI tests exercise exactly what a user runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'swsim.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  readonly result: Promise<CliResult>;
}

export function start(args: readonly string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const result = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, result };
}

export function swsim(args: readonly string[]): Promise<CliResult> {
  return start(args).result;
}

/** Runs `main` in this process with captured output: the same code as the binary, without a process start. */
export async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('../../src/cli/main.ts');
  const { CapturedIo } = await import('../../src/cli/io.ts');
  const io = new CapturedIo(env);
  const code = await main(args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

/** The first line of a text (where a command puts its one-line verdict or error). */
export function firstLine(s: string): string {
  return s.split('\n')[0]!;
}

/** Resolve once `path` exists (a command created its output folder: its Ctrl-C handler is installed by then). */
export async function whenExists(path: string, timeoutMs = 60_000): Promise<void> {
  const { existsSync } = await import('node:fs');
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise<void>((r) => setTimeout(r, 50));
  }
}
