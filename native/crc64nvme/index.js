'use strict';
// Loads the addon that `node-gyp rebuild` (this package's install script) builds into build/Release.
const addon = require('./build/Release/crc64nvme.node');

const MAX_U64 = (1n << 64n) - 1n;

/** The 8 big-endian bytes of a CRC-64 value: what S3 base64-encodes as x-amz-checksum-crc64nvme. */
function crc64nvmeToBytes(value) {
  if (typeof value !== 'bigint') throw new TypeError('value must be a bigint');
  if (value < 0n || value > MAX_U64) throw new RangeError('value must be in [0n, 2n ** 64n)');
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigUInt64BE(value, 0);
  return bytes;
}

exports.crc64nvme = addon.crc64nvme;
exports.crc32c = addon.crc32c;
exports.crc64nvmeCombine = addon.crc64nvmeCombine;
exports.crc32Combine = addon.crc32Combine;
exports.crc32cCombine = addon.crc32cCombine;
exports.crc64nvmeToBytes = crc64nvmeToBytes;
exports.implementation = addon.implementation;
exports.crc32cImplementation = addon.crc32cImplementation;
