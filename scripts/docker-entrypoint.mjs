#!/usr/bin/env node
// The image's `regsync` command (/usr/local/bin/regsync links here). The image starts as root so that the original
// tool's command works verbatim:
//   docker run --rm -v ~/.docker:/root/.docker:ro -v /var/run/docker.sock:/var/run/docker.sock:ro IMAGE ...
// The Docker socket belongs to root; whoever can reach it is root on the host anyway, so root is kept only when a
// socket is mounted (the docker executor needs it). Without one, regsync drops to the unprivileged `node` user
// (uid 1000) before any of its code loads: the registry executor needs nothing more. No gosu, su-exec or setpriv
// in the bases, hence Node's own setuid. A container started with --user keeps that user.
import { existsSync, statSync } from 'node:fs';
import process from 'node:process';

const NODE_UID = 1000;
const NODE_GID = 1000;
const NODE_HOME = '/home/node';

/**
 * The socket docker would use: DOCKER_HOST's unix:// path, else the default /var/run/docker.sock; null when there
 * is no socket there (or DOCKER_HOST is not a unix socket).
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | null}
 */
function dockerSocket(env) {
  const host = env.DOCKER_HOST ?? '';
  if (host !== '' && !host.startsWith('unix://')) return null;
  const path = host === '' ? '/var/run/docker.sock' : host.slice('unix://'.length);
  try {
    return statSync(path).isSocket() ? path : null;
  } catch {
    return null;
  }
}

if (process.getuid?.() === 0) {
  if (dockerSocket(process.env) !== null) {
    // Root's home, where `-v ~/.docker:/root/.docker:ro` puts the user's Docker config.
    process.env.HOME = '/root';
  } else {
    // The same command without the socket still finds ~/.docker mounted at /root/.docker (the image makes /root
    // traversable); a config at node's own home, or DOCKER_CONFIG, comes first.
    if (process.env.DOCKER_CONFIG === undefined && !existsSync(`${NODE_HOME}/.docker`) && existsSync('/root/.docker')) {
      process.env.DOCKER_CONFIG = '/root/.docker';
    }
    process.setgroups([NODE_GID]);
    process.setgid(NODE_GID);
    process.setuid(NODE_UID);
    process.env.HOME = NODE_HOME;
    process.env.USER = 'node';
  }
}

await import('/app/dist/cli.js');
