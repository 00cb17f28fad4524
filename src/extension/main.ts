// Extension entry point: create the client context, register commands, start the server.
import type * as vscode from 'vscode';
import { MedLocalClient, type MedLocalApi } from './client';
import { registerCommands } from './commands';

let client: MedLocalClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<MedLocalApi> {
  client = new MedLocalClient(context);
  context.subscriptions.push(client, ...registerCommands(client));
  await client.start();
  return client.api;
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
