// Builds the TCP MD5/GTSM addon (native/tcp-security) with node-gyp, without a download: the
// running node's own headers (<prefix>/include/node) are used when they are there.
// `--optional` (the install script): a failed build only warns, so `npm install` never fails on
// it; peers without TCP MD5 or GTSM work without the addon, the others are refused with the way
// to build it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const optional = process.argv.includes('--optional');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native', 'tcp-security');

function give(up) {
  const text = `openpeering: the TCP MD5/GTSM addon was not built (${up}); peers with a password/md5Key or ttlSecurity will be refused until \`npm run build:addon\` succeeds`;
  if (!optional) {
    console.error(text);
    process.exit(1);
  }
  console.warn(`WARNING: ${text}`);
  process.exit(0);
}

if (process.platform !== 'linux') give(`it is for Linux only, this is ${process.platform}`);

// npm tells its lifecycle scripts where its bundled node-gyp is; otherwise look beside npm.
const candidates = [
  process.env.npm_config_node_gyp,
  process.env.npm_execpath && path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
];
const gyp = candidates.find((c) => c && fs.existsSync(c));
if (!gyp) give('node-gyp not found (it comes with npm)');

const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
const args = [gyp, 'rebuild', `--directory=${dir}`, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(process.execPath, args, { stdio: optional ? 'pipe' : 'inherit', encoding: 'utf8' });
if (r.status !== 0) {
  if (optional) process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-20).join('\n') + '\n');
  give(r.error ? r.error.message : `node-gyp exited with ${r.status}`);
}
console.log(`openpeering: TCP MD5/GTSM addon built (${path.relative(root, path.join(dir, 'build', 'Release', 'tcp_security.node'))})`);
