import { History, recorded } from '@kvs-lab/shared/history';
import type { KvOperationInput, KvOperationOutput } from '../check/history-check.ts';
import type { QuorumService, ReadOutcome, WriteOutcome } from '../coordinator/quorum-service.ts';

/**
 * Records each served read and write for GET /check: only the clocks, so a
 * long run keeps a light history. A 404 read is recorded as ok with no
 * versions (the checker needs to see it), a failure by its outcome.
 */
export class KvRecorder {
  readonly history = new History<KvOperationInput, KvOperationOutput>({ capacity: 20_000 });

  private readonly quorum: QuorumService;
  constructor(quorum: QuorumService) {
    this.quorum = quorum;
  }

  write(
    process: string,
    request: { key: string; isDelete: boolean; w?: number | undefined },
    run: () => Promise<WriteOutcome>,
  ): Promise<WriteOutcome> {
    return this.track(process, 'write', request, run, (outcome) => ({ clocks: [outcome.clock] }));
  }

  read(
    process: string,
    request: { key: string; r?: number | undefined },
    run: () => Promise<ReadOutcome>,
  ): Promise<ReadOutcome> {
    return this.track(process, 'read', request, run, (outcome) => ({
      clocks: outcome.survivors.map((version) => version.clock),
    }));
  }

  private track<T>(
    process: string,
    kind: string,
    request: { key: string; isDelete?: boolean; w?: number | undefined; r?: number | undefined },
    run: () => Promise<T>,
    output: (result: T) => KvOperationOutput,
  ): Promise<T> {
    const settings = this.quorum.settings;
    const input = {
      key: request.key,
      ...(request.isDelete === undefined ? {} : { isDelete: request.isDelete }),
      n: this.quorum.n,
      w: request.w ?? settings.w,
      r: request.r ?? settings.r,
      policy: settings.conflictPolicy,
    };
    return recorded(this.history, process, kind, input, run, output);
  }
}
