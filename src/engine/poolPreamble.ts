// Imported first by the server's and the CLI's entry points: sizes libuv's thread pool before any
// file read starts it (workerPool.ts says why).
import { pinProcessWorkerPool } from './workerPool';

pinProcessWorkerPool();
