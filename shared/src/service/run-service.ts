import { isPidAlive } from '../process/pid-control.ts';
import type { Service } from './create-service.ts';

/**
 * What every main.ts does after building its service: listen (on HOST, default
 * loopback only, so a laptop's lab is not reachable from its network; compose sets
 * HOST=0.0.0.0 inside containers, whose ports are published on 127.0.0.1), then shut down
 * gracefully on SIGTERM/SIGINT, and also when the lab runner that started it
 * disappears (LAB_PARENT_PID), so a dead runner leaves no orphan behind.
 */
export async function runService(
  service: Service,
  port: number,
  host = process.env.HOST ?? '127.0.0.1',
): Promise<void> {
  let closing = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (closing) return;
    closing = true;
    service.logger.info({ reason }, 'shutting down');
    // A stuck close must not keep the process alive forever.
    setTimeout(() => process.exit(1), 5_000).unref();
    try {
      await service.close();
      process.exit(0);
    } catch (error) {
      service.logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  const parentPid = Number(process.env.LAB_PARENT_PID);
  if (Number.isInteger(parentPid) && parentPid > 0) {
    // A killed runner can linger as a zombie that kill(pid, 0) still finds: isPidAlive reads its state.
    setInterval(() => {
      if (!isPidAlive(parentPid)) void shutdown(`lab runner ${parentPid} is gone`);
    }, 1_000).unref();
  }

  const address = await service.listen(port, host);
  service.logger.info(
    { port: address.port },
    `${service.instance} listening: http://127.0.0.1:${address.port}/docs (Swagger UI), http://127.0.0.1:${address.port}/ (live view)`,
  );
}
