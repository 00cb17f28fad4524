// A loopback HTTP file server for download tests: byte ranges, HEAD, a request log, and faults
// (throttling, a connection cut after N bytes, a hang, a lying Content-Length) switched on per test.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestRecord {
  method: string;
  path: string;
  /** Start of the requested range; undefined for a request without Range. */
  rangeStart: number | undefined;
  /** Body bytes written for this request (counted as they are handed to the socket). */
  bytesSent: number;
}

export interface Faults {
  /** Per-response pacing, applied to responses whose range start passes `throttleIf`. */
  bytesPerSecond?: number;
  throttleIf?: (rangeStart: number) => boolean;
  /** Destroy the connection of the next ranged response after this many bytes (once). */
  cutAfterBytes?: number;
  /** Stop sending (without closing) after this many bytes of ranged responses passing `hangIf`. */
  hangAfterBytes?: number;
  hangIf?: (rangeStart: number) => boolean;
}

export interface RangeServer {
  url(name: string): string;
  requests: RequestRecord[];
  faults: Faults;
  close(): Promise<void>;
}

const SLICE = 64 * 1024;

export async function startRangeServer(files: Record<string, Buffer>): Promise<RangeServer> {
  const requests: RequestRecord[] = [];
  const faults: Faults = {};
  const server: Server = createServer((req, res) => {
    void handle(req, res, files, requests, faults).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, files: Record<string, Buffer>, requests: RequestRecord[], faults: Faults): Promise<void> {
  const name = decodeURIComponent((req.url ?? '/').split('?')[0]?.slice(1) ?? '');
  const body = files[name];
  const range = parseRange(req.headers.range, body?.length ?? 0);
  const record: RequestRecord = { method: req.method ?? 'GET', path: name, rangeStart: range?.start, bytesSent: 0 };
  requests.push(record);
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? body.length - 1;
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': end - start + 1,
  };
  if (range) headers['content-range'] = `bytes ${start}-${end}/${body.length}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await sendSlices(res, body.subarray(start, end + 1), range !== undefined, start, record, faults);
}

async function sendSlices(res: ServerResponse, data: Buffer, ranged: boolean, rangeStart: number, record: RequestRecord, faults: Faults): Promise<void> {
  // Fixed at the start: a test that lifts the throttle later must not change responses in flight.
  const rate = faults.bytesPerSecond !== undefined && (faults.throttleIf?.(rangeStart) ?? true) ? faults.bytesPerSecond : undefined;
  const cutAt = ranged && faults.cutAfterBytes !== undefined ? faults.cutAfterBytes : undefined;
  if (cutAt !== undefined) faults.cutAfterBytes = undefined; // once
  for (let offset = 0; offset < data.length; offset += SLICE) {
    if (res.destroyed) return;
    if (cutAt !== undefined && offset >= cutAt) {
      res.destroy(); // the client sees the connection end before Content-Length bytes
      return;
    }
    if (ranged && faults.hangAfterBytes !== undefined && offset >= faults.hangAfterBytes && (faults.hangIf?.(rangeStart) ?? true)) return; // never ends
    const slice = data.subarray(offset, Math.min(data.length, offset + SLICE));
    record.bytesSent += slice.length;
    if (!res.write(slice)) await drained(res);
    if (rate !== undefined) await sleep((slice.length / rate) * 1000);
  }
  res.end();
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header?.match(/^bytes=(\d+)-(\d*)$/);
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : undefined;
}

/** Waits for 'drain' or 'close', whichever comes first, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
