// Coverage marks: the catalogue, the counters and the test API, from one import.
export * from './catalogue.ts';
export * from './counter.ts';
export * from './check.ts';
export * from './report.ts';
