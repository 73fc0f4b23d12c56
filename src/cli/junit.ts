// JUnit XML for CI systems (the format Jenkins, GitLab and GitHub's test reporters render): one
// test suite per fuzz run, one test case per failing seed (its invariant, message and replay
// command in the failure), one per incomplete seed (marked as an error: it proves nothing), and a
// summary case for the passing seeds. Written with xmlbuilder2, atomically.
import { create } from 'xmlbuilder2';
import { writeFileAtomic } from '../trace/writer.ts';

export interface JUnitFailure {
  readonly seed: number;
  readonly invariant: string;
  readonly step: number;
  readonly message: string;
  readonly replay: string;
}

export interface JUnitRun {
  readonly suite: string;
  readonly passed: number;
  readonly failures: readonly JUnitFailure[];
  readonly incomplete: readonly { readonly seed: number; readonly steps: number }[];
  readonly wallMs: number;
  readonly properties: Readonly<Record<string, string>>;
}

export function junitXML(r: JUnitRun): string {
  const tests = r.failures.length + r.incomplete.length + (r.passed > 0 ? 1 : 0);
  const secs = (r.wallMs / 1000).toFixed(3);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: r.suite, tests, failures: r.failures.length, errors: r.incomplete.length, time: secs });
  const suite = root.ele('testsuite', { name: r.suite, tests, failures: r.failures.length, errors: r.incomplete.length, skipped: 0, time: secs });
  const props = suite.ele('properties');
  for (const k of Object.keys(r.properties).sort()) props.ele('property', { name: k, value: r.properties[k]! });
  for (const f of r.failures) {
    suite.ele('testcase', { classname: r.suite, name: `seed ${f.seed}` })
      .ele('failure', { message: `${f.invariant} at step ${f.step}`, type: f.invariant })
      .txt(`${f.message}\n\nreplay: ${f.replay}\n`);
  }
  for (const s of r.incomplete) {
    suite.ele('testcase', { classname: r.suite, name: `seed ${s.seed}` })
      .ele('error', { message: `incomplete after ${s.steps} steps`, type: 'incomplete' })
      .txt('the run reached --max-steps before its planned end; the end-of-run checks did not run\n');
  }
  if (r.passed > 0) suite.ele('testcase', { classname: r.suite, name: `${r.passed} passing seeds` });
  return root.end({ prettyPrint: true }) + '\n';
}

export function writeJUnit(file: string, r: JUnitRun): void {
  writeFileAtomic(file, junitXML(r));
}
