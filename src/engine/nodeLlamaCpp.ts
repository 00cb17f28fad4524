// node-llama-cpp is ESM-only and native: it stays external to the bundle and is loaded here, once,
// with import() (a require() fails on Node 20).
import type * as NodeLlamaCppModule from 'node-llama-cpp';
import { msg } from '../shared/messages/index';
import { errorText, UserError } from '../shared/userError';

export type NodeLlamaCpp = typeof NodeLlamaCppModule;

let loading: Promise<NodeLlamaCpp> | undefined;

export function loadNodeLlamaCpp(): Promise<NodeLlamaCpp> {
  loading ??= import('node-llama-cpp').catch((error: unknown) => {
    loading = undefined;
    throw new UserError(msg('engineModuleMissing', errorText(error)), msg('nextReinstallOrNpmCi'), 'engineLoad');
  });
  return loading;
}
