import request from 'supertest';
import type { Server } from 'node:http';
import { signatureHeader, signMessage } from '../../src/cluster/peer-auth.ts';
import { defaultConfig } from '../../src/config.ts';

/** The secret the in-process ring's nodes share (defaultConfig's, one per test process). */
export function testSecret(): string {
  const auth = defaultConfig().peerAuth;
  if (auth.mode !== 'hmac') throw new Error('the test config has no cluster secret');
  return auth.secret;
}

/** A POST to an internal route signed as a peer would sign it (`secret` defaults to the ring's own). */
export function signedPost(server: Server, path: string, body: unknown, secret = testSecret()): request.Test {
  const text = JSON.stringify(body);
  return request(server)
    .post(path)
    .set('content-type', 'application/json')
    .set(signatureHeader, signMessage(secret, 'POST', path, text, Date.now()))
    .send(text);
}
