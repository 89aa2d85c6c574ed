import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, upAll } from 'docker-compose';
import type { IDockerComposeOptions, IDockerComposeResult } from 'docker-compose';
import { loadAllTopologies, repoRoot } from '@kvs-lab/shared/lab';
import { composeProfiles } from '../../shared/src/lab/compose.ts';
import { dockerEngineUnavailable, findComposeBinary } from '../compose/compose-binary.ts';

/**
 * Every profile docker-compose.yml declares: the implemented patterns, the kit demo, and each other engine
 * a pattern declares (`<pattern>-<engine>`, with its etcd members, Redis Cluster or sentinels).
 */
const profiles = composeProfiles(await loadAllTopologies(repoRoot, {}));
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

for (const { profile, topology } of profiles) {
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
      let started = false;

      beforeAll(async () => {
        started = true;
        // upAll adds -d; --build so the image matches the working tree.
        await compose('up', upAll({ ...options, commandOptions: ['--build'] }));
      });

      afterAll(async () => {
        if (!started) return;
        // This profile of this project only; no -v, --rmi or --remove-orphans, so no volume or image is lost.
        await compose('down', down({ ...options, commandOptions: [['--timeout', '10']] }));
      });

      for (const service of topology.services) {
        it(`when the profile is up, then ${service.name} is live and ready through its published 127.0.0.1 port`, async () => {
          await waitForOk(`http://127.0.0.1:${service.port}/healthz`, 60_000);
          const ready = (await waitForOk(`http://127.0.0.1:${service.port}/readyz`, 60_000)) as {
            status?: string;
          };
          expect(ready.status).toBe('ready');
        });
      }
    },
  );
}
