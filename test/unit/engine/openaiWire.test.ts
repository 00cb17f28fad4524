// The OpenAI wire format without a server: SSE framing, both log-probability shapes, and how
// continuation tokens are picked out of an echo.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codePoints, parseLogprobs, sseData, SseParser, sumAfterBoundary, topByText, type WireToken } from '../../../src/engine/models/openaiWire';
import { isLoopbackHost, isOpenAiError, OpenAiEngine } from '../../../src/engine/openaiEngine';
import { format } from '../../../src/shared/messages/index';

test('SseParser: LF, CRLF and CR line ends, split chunks, comments and multi-line data', () => {
  const parser = new SseParser();
  const events = [
    ...parser.push(': keep-alive\n\ndata: {"a":1}\r', false),
    ...parser.push('\n\r\ndata: line one\ndata:line two\n', false),
    ...parser.push('event: ignored\nid: 7\n\ndata: [DO', false),
    ...parser.push('NE]\r\rdata: tail-without-blank-line', false),
    ...parser.push('', true),
  ];
  assert.deepEqual(events, ['{"a":1}', 'line one\nline two', '[DONE]', 'tail-without-blank-line']);
});

test('sseData: events from a byte stream cut inside a multi-byte character', async () => {
  const bytes = Buffer.from('data: 心筋梗塞\n\ndata: [DONE]\n\n', 'utf8');
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes.subarray(0, 8)); // ends inside 心
      controller.enqueue(bytes.subarray(8));
      controller.close();
    },
  });
  const seen: string[] = [];
  for await (const data of sseData(stream)) seen.push(data);
  assert.deepEqual(seen, ['心筋梗塞', '[DONE]']);
});

test('parseLogprobs: the chat shape (chat/completions, llama-server) and the legacy shape', () => {
  const chat = parseLogprobs({
    content: [{ token: ' A', logprob: -0.1, top_logprobs: [{ token: ' B', logprob: -2 }, { token: ' A', logprob: -0.1 }] }],
  });
  assert.deepEqual(chat, [{ text: ' A', logprob: -0.1, top: [{ text: ' A', logprob: -0.1 }, { text: ' B', logprob: -2 }] }]);

  const legacy = parseLogprobs({
    tokens: ['The', ' cat'], token_logprobs: [null, -1.5], top_logprobs: [null, { ' cat': -1.5, ' dog': -0.5 }], text_offset: [0, 3],
  });
  assert.deepEqual(legacy, [
    { text: 'The', logprob: null, top: [], offset: 0 },
    { text: ' cat', logprob: -1.5, top: [{ text: ' dog', logprob: -0.5 }, { text: ' cat', logprob: -1.5 }], offset: 3 },
  ]);
  assert.equal(parseLogprobs(null), undefined);
  assert.equal(parseLogprobs({ something: 'else' }), undefined);
});

test('topByText: two tokens with the same text keep the better log-probability', () => {
  const token: WireToken = { text: 'a', logprob: -1, top: [{ text: 'a', logprob: -1 }, { text: 'b', logprob: -2 }, { text: 'a', logprob: -3 }] };
  assert.deepEqual([...topByText(token)], [['a', -1], ['b', -2]]);
  assert.equal(topByText(undefined).size, 0);
});

test('sumAfterBoundary: continuation tokens by offset, straddling tokens counted, generated ones ignored', () => {
  const tokens: WireToken[] = [
    { text: 'Q:', logprob: null, top: [], offset: 0 },
    { text: ' chest', logprob: -1, top: [], offset: 2 },
    { text: ' pa', logprob: -2, top: [], offset: 8 }, // prompt is "Q: chest p" (10): straddles
    { text: 'in', logprob: -3, top: [], offset: 11 },
    { text: '!', logprob: -9, top: [], offset: 13 }, // generated after the text
  ];
  assert.deepEqual(sumAfterBoundary(tokens, 10, 13), { logProb: -5, tokens: 2 });
  // Without offsets they are rebuilt from the token texts.
  const bare = tokens.map(({ offset: _offset, ...rest }) => rest);
  assert.deepEqual(sumAfterBoundary(bare, 10, 13), { logProb: -5, tokens: 2 });
  // A null inside the continuation means the server did not score it.
  assert.equal(sumAfterBoundary(tokens, 0, 13), undefined);
  assert.equal(codePoints('𠮷a'), 2);
});

test('transport warnings: plain http beyond this machine is flagged; bad URLs are refused', () => {
  assert.deepEqual(new OpenAiEngine({ baseUrl: 'http://127.0.0.1:8080/v1' }).warnings, []);
  assert.deepEqual(new OpenAiEngine({ baseUrl: 'http://localhost:8080/v1' }).warnings, []);
  assert.deepEqual(new OpenAiEngine({ baseUrl: 'http://[::1]:8080/v1' }).warnings, []);
  assert.deepEqual(new OpenAiEngine({ baseUrl: 'https://llm.hospital.example/v1' }).warnings, []);
  const [warning, ...rest] = new OpenAiEngine({ baseUrl: 'http://192.168.1.10:8000/v1', apiKey: 'k' }).warnings;
  assert.equal(rest.length, 0);
  assert.match(warning ? format('en', warning) : '', /http:\/\/192\.168\.1\.10:8000 .*patient text.*unencrypted/);
  assert.ok(isLoopbackHost('127.3.2.1') && !isLoopbackHost('10.0.0.1') && !isLoopbackHost('localhost.example.com'));
  for (const bad of ['not a url', 'ftp://x/v1', 'http://user:secret@host/v1']) {
    assert.throws(() => new OpenAiEngine({ baseUrl: bad }), (error: unknown) => isOpenAiError(error, 'badUrl'));
  }
});
