import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, upAll } from 'docker-compose';
import type { IDockerComposeOptions, IDockerComposeResult } from 'docker-compose';
import { findTopology, repoRoot } from '@kvs-lab/shared/lab';
import { dockerEngineUnavailable, findComposeBinary } from '../compose/compose-binary.ts';

const profile = 'kit-demo';
/** Its own project, so `down` can only touch what this suite started, never a learner's lab. */
const projectName = 'kvs-lab-e2e';

const engineProblem = dockerEngineUnavailable();
const binary = engineProblem === undefined ? findComposeBinary() : undefined;
const skipReason =
  engineProblem ??
  (binary === undefined ? 'neither `docker compose` nor `docker-compose` runs here' : undefined);
if (skipReason !== undefined) console.warn(`[test:docker] skipping the Docker e2e suite: ${skipReason}`);

/** docker-compose rejects with its result object, not an Error: keep its exit code and stderr. */
async function compose(step: string, run: Promise<IDockerComposeResult>): Promise<IDockerComposeResult> {
  try {
    return await run;
  } catch (failure) {
    const result = failure as Partial<IDockerComposeResult>;
    throw new Error(
      `docker compose ${step} failed (exit ${result.exitCode ?? '?'}):\n${result.err ?? String(failure)}`,
    );
  }
}

/** Polls until the URL answers 200, so a slow first start (tsx compiling) is not a failure. */
async function waitForOk(url: string, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return await res.json();
      last = `HTTP ${res.status}: ${await res.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

describe.skipIf(skipReason !== undefined)(
  `the ${profile} profile under docker compose${skipReason === undefined ? '' : ` (skipped: ${skipReason})`}`,
  () => {
    const options: IDockerComposeOptions = {
      cwd: repoRoot,
      config: 'docker-compose.yml',
      // --profile and --project-name are options of compose itself, so they go before the command.
      composeOptions: [
        ['--project-name', projectName],
        ['--profile', profile],
      ],
      ...(binary?.kind === 'standalone' ? { executable: { standalone: true } } : {}),
    };
    let port = 0;
    let started = false;

    beforeAll(async () => {
      const topology = await findTopology(profile);
      const service = topology.services[0];
      if (!service) throw new Error(`${profile} declares no service`);
      port = service.port;
      started = true;
      // upAll adds -d; --build so the image matches the working tree.
      await compose('up', upAll({ ...options, commandOptions: ['--build'] }));
    });

    afterAll(async () => {
      if (!started) return;
      // This profile of this project only; no -v, --rmi or --remove-orphans, so no volume or image is lost.
      await compose('down', down({ ...options, commandOptions: [['--timeout', '10']] }));
    });

    it('when the profile is up, then the service is live and ready through its published 127.0.0.1 port', async () => {
      await waitForOk(`http://127.0.0.1:${port}/healthz`, 60_000);
      const ready = (await waitForOk(`http://127.0.0.1:${port}/readyz`, 60_000)) as { status?: string };
      expect(ready.status).toBe('ready');
    });
  },
);
