// `medlocal` as a program (dist/cli.js). First: sizes libuv's thread pool for the engine before
// anything uses it (server/engine/workerPool.ts); then the command line.
import '../server/poolPreamble';
import { main } from './main';

main();
