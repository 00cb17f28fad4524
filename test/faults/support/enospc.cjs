// Test preload (node --require): the disk fills up after N appends to answers.jsonl. Every write
// to that file after the Nth fails as a full disk does (ENOSPC). Only the fault tests load this;
// nothing in MedLocal's settings can reach it.
const fs = require('node:fs');
const limit = Number(process.env.MEDLOCAL_FAULT_ENOSPC_AFTER ?? '0');
const answerFds = new Set();
let writes = 0;
const openSync = fs.openSync;
fs.openSync = function (path, ...rest) {
  const fd = openSync.call(this, path, ...rest);
  if (String(path).endsWith('answers.jsonl')) answerFds.add(fd);
  return fd;
};
const writeSync = fs.writeSync;
fs.writeSync = function (fd, ...rest) {
  if (answerFds.has(fd) && ++writes > limit) {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  }
  return writeSync.call(this, fd, ...rest);
};
