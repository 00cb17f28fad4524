// The language server's entry point: create the connection (transport chosen by the command line:
// --node-ipc from the extension, --stdio from tests and the CLI) and start the server.
// libuv's thread pool keeps its default size here: the model runs in the engine process
// (engine/process/main.ts), which pins its own pool, so file reads never wait behind a decode.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
startServer(connection);
connection.listen();
