// `swsim view TRACE [-o OUT]`: writes the trace as one self-contained HTML page (src/trace/html/:
// lanes, messages, faults, state bands, LSN plot, the failure, a step list with each step's
// detail and state changes). Default output: TRACE with .jsonl replaced by .html. Exit 0 when
// written, 2 on bad input (an unreadable or invalid trace, an unwritable output path).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderViewerHtml } from '../trace/html/page.ts';
import { readTrace } from '../trace/reader.ts';
import { parseArgs, UsageError, type CommandSpec } from './args.ts';
import type { Io } from './io.ts';

export const VIEW: CommandSpec = {
  name: 'view',
  args: 'TRACE',
  summary: 'Write a trace as one self-contained HTML page (lanes, messages, faults, state bands, LSN plot, failure, step details).',
  flags: {
    out: { kind: 'string', value: 'FILE', short: 'o', help: 'where to write the page (default: TRACE with .jsonl replaced by .html)' },
  },
  notes: 'Open the page in any browser; it needs no network. Keys: j/k next/previous step, f/F next/previous fault, g the failure.',
};

/** TRACE with its .jsonl extension replaced by .html (appended when it has none). */
export function defaultViewPath(trace: string): string {
  return trace.endsWith('.jsonl') ? `${trace.slice(0, -'.jsonl'.length)}.html` : `${trace}.html`;
}

export function runViewCommand(argv: string[], io: Io): number {
  const { flags, positional } = parseArgs(argv, VIEW);
  if (positional.length !== 1) throw new UsageError('view needs exactly one trace file');
  const file = positional[0]!;
  const out = (flags['out'] as string | undefined) ?? defaultViewPath(file);
  if (out === '') throw new UsageError('-o: expected a file path, got an empty string');
  if (out === file) throw new UsageError(`-o ${out}: that is the trace itself; choose another file`);
  const trace = readTrace(file);
  const html = renderViewerHtml(trace, basename(file));
  try {
    writeFileSync(out, html);
  } catch (e) {
    throw new UsageError(`-o ${out}: cannot write the page (${(e as Error).message})`);
  }
  io.out(`view written: ${out} (${trace.steps.length} steps, ${Math.round(html.length / 1024)} KiB)\n`);
  return 0;
}
