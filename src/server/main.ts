// The language server's entry point: create the connection (transport chosen by the command line:
// --node-ipc from the extension, --stdio from tests and the CLI) and start the server.
// First: sizes libuv's thread pool for the engine before anything uses it (engine/workerPool.ts).
import '../engine/poolPreamble';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
