// A `node --require` preload that forbids network egress: any connection to (or name lookup of) a
// non-loopback address THROWS an Error with code EGRESS_BLOCKED, and is recorded as one JSON line
// in the file named by MEDLOCAL_EGRESS_LOG (when set). Loopback (127.0.0.0/8, ::1, localhost),
// Unix sockets / named pipes and file descriptors stay allowed.
//
// Patched: net.Socket.prototype.connect (under net.connect, net.createConnection, http(s), fetch),
// net.connect / net.createConnection, tls.connect, dgram.Socket.prototype.connect / send,
// dns.lookup / lookupService / resolve* and their promise and Resolver forms.
//
//   MEDLOCAL_EGRESS_LOG=/tmp/egress.jsonl node --require ./scripts/faults/no-egress.cjs dist/server.js --stdio
'use strict';
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload */

const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const dgram = require('node:dgram');
const dns = require('node:dns');
const process = require('node:process');

const LOG = process.env.MEDLOCAL_EGRESS_LOG;

function isLoopbackHost(host) {
  if (host === undefined || host === null || host === '') return true; // Node's default is localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  return false;
}

function record(api, target) {
  const entry = { api, target: String(target), pid: process.pid, at: new Date().toISOString(), stack: new Error('egress').stack };
  if (LOG) {
    try {
      fs.appendFileSync(LOG, JSON.stringify(entry) + '\n');
    } catch {
      // recording must never be the thing that fails
    }
  }
  const error = new Error(`no-egress: ${api} to ${target} is blocked (only loopback is allowed)`);
  error.code = 'EGRESS_BLOCKED';
  return error;
}

/** The destination of a net/tls connect call: a port+host, a path (Unix socket) or an fd. */
function connectTarget(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // internal normalized form [options, cb]
  if (first !== null && typeof first === 'object') {
    // As net does: a truthy `path` is a Unix socket / named pipe (http passes `path: null`).
    if (first.path) return undefined;
    const host = first.host ?? first.hostname ?? first.servername;
    return { host, port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined; // a pipe path
  if (typeof first === 'number' || typeof first === 'string') {
    return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
  }
  return undefined;
}

function guardConnect(api, args) {
  const target = connectTarget(args);
  if (target && !isLoopbackHost(target.host)) throw record(api, `${target.host}:${target.port}`);
}

const socketConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  guardConnect('net.Socket.connect', args);
  return socketConnect.apply(this, args);
};
for (const name of ['connect', 'createConnection']) {
  const original = net[name];
  net[name] = function patched(...args) {
    guardConnect(`net.${name}`, args);
    return original.apply(this, args);
  };
}
const tlsConnect = tls.connect;
tls.connect = function connect(...args) {
  guardConnect('tls.connect', args);
  return tlsConnect.apply(this, args);
};

const udpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function connect(port, address, ...rest) {
  if (!isLoopbackHost(typeof address === 'string' ? address : undefined)) throw record('dgram.connect', `${address}:${port}`);
  return udpConnect.call(this, port, address, ...rest);
};
const udpSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function send(...args) {
  // send(msg, [offset, length,] port, [address,] [callback]); a connected socket has no port.
  const rest = args.slice(1).filter((a) => typeof a !== 'function');
  let port;
  let address;
  if (rest.length >= 3) [, , port, address] = rest;
  else if (rest.length >= 1) [port, address] = rest;
  if (port !== undefined && !isLoopbackHost(typeof address === 'string' ? address : undefined)) throw record('dgram.send', `${address}:${port}`);
  return udpSend.apply(this, args);
};

function guardName(api, original) {
  return function patched(hostname, ...rest) {
    if (!isLoopbackHost(hostname)) throw record(api, hostname);
    return original.call(this, hostname, ...rest);
  };
}
const RESOLVE = ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolveNaptr', 'resolveSoa', 'resolvePtr', 'resolveCaa', 'reverse'];
for (const target of [dns, dns.promises, dns.Resolver && dns.Resolver.prototype, dns.promises.Resolver && dns.promises.Resolver.prototype]) {
  if (!target) continue;
  for (const name of ['lookup', ...RESOLVE]) {
    if (typeof target[name] === 'function') target[name] = guardName(`dns.${name}`, target[name]);
  }
}
const lookupService = dns.lookupService;
dns.lookupService = function patched(address, ...rest) {
  if (!isLoopbackHost(address)) throw record('dns.lookupService', address);
  return lookupService.call(this, address, ...rest);
};

module.exports = { isLoopbackHost };
