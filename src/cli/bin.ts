// `medlocal` as a program (dist/cli.js). First: sizes libuv's thread pool for the engine before
// anything uses it (engine/workerPool.ts); then the command line.
import '../engine/poolPreamble';
import { main } from './main';

main();
