// `medlocal bench --backend openai --parallel N` keeps N requests in flight: the CLI's engine
// (createRunEngine with a remote target) against a loopback server that counts the completions
// requests it holds open at once.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createRunEngine } from '../../../src/engine/factory';

/** Answers /v1/models at once; holds each /v1/completions until `release()` or until `hold` are open. */
async function countingServer(hold: number) {
  let open = 0;
  let maxOpen = 0;
  const held: ServerResponse[] = [];
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      id: 'cmpl-1', object: 'text_completion', created: 0, model: 'm',
      choices: [{ index: 0, text: ' A', logprobs: { content: [{ token: ' A', logprob: -0.1, top_logprobs: [{ token: ' A', logprob: -0.1 }, { token: ' B', logprob: -2.5 }] }] }, finish_reason: 'length' }],
    }));
    open--;
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
        return;
      }
      open++;
      maxOpen = Math.max(maxOpen, open);
      held.push(res);
      // Once `hold` are open at once, or when nothing else can come (the client's limit), answer all.
      if (open >= hold) for (const r of held.splice(0)) answer(r);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    maxOpen: () => maxOpen,
    /** Answers what is held (the client keeps fewer in flight than `hold`). */
    flush: () => { for (const r of held.splice(0)) answer(r); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

for (const parallel of [1, 2, 4]) {
  test(`--parallel ${parallel} with the openai backend keeps ${parallel} benchmark requests in flight`, async () => {
    const server = await countingServer(parallel);
    const handle = await createRunEngine({ modelPath: server.baseUrl, parallel, remote: { baseUrl: server.baseUrl } });
    // Whatever the client holds back never reaches the server: flush what arrived every so often,
    // so a client with fewer slots than `parallel` still finishes (and shows its lower maximum).
    const flusher = setInterval(() => server.flush(), 500);
    try {
      const work = Array.from({ length: parallel * 3 }, () => handle.engine.scoreNextTokens('Q: pick.\nAnswer:', [' A', ' B'], { priority: 'background' }));
      const results = await Promise.all(work);
      assert.equal(results.length, parallel * 3);
      assert.equal(server.maxOpen(), parallel, `at most ${server.maxOpen()} requests were in flight at once`);
    } finally {
      clearInterval(flusher);
      await handle.dispose();
      await server.close();
    }
  });
}
