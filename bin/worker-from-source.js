// Worker threads started while swsim runs from its TypeScript sources (bin/swsim.js fell back to
// tsx): load tsx's hooks in this thread, then the worker module named by the pool.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
