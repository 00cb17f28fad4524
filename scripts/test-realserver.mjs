// npm run test:realserver: builds llama.cpp's llama-server from node-llama-cpp's bundled source
// when it is missing (perf/llama-cpp.mjs, cached in $MEDLOCAL_CACHE or ~/.cache/medlocal, so a
// warm machine or CI cache pays nothing), then runs test/realserver against it.
//   MEDLOCAL_REALSERVER_BUILD=0   do not build: without the binary every test is skipped by name
import { spawnSync } from 'node:child_process';
import { buildLlamaCppTools } from '../perf/llama-cpp.mjs';

if (process.env.MEDLOCAL_REALSERVER_BUILD !== '0') {
  try {
    const paths = buildLlamaCppTools(undefined, ['llama-server']);
    console.log(`llama-server: ${paths['llama-server']}`);
  } catch (error) {
    // The tests then report themselves as skipped, with the reason, never as passed.
    console.log(`SKIPPED realserver: llama-server could not be built (${error instanceof Error ? error.message : String(error)})`);
  }
}
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'test/realserver', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
