import { ensureSystemPrograms, MissingSystemProgramError } from './system-binaries.ts';

/**
 * Runs once before `pnpm test`: the suites start real redis-server and etcd processes,
 * so a fresh machine gets them here (or one clear line saying how), not a failure in every file.
 */
export default function setup(): void {
  try {
    ensureSystemPrograms(['redis', 'etcd']);
  } catch (error) {
    if (error instanceof MissingSystemProgramError) {
      process.stderr.write(`\n${error.message}\n\n`);
      process.exit(1);
    }
    throw error;
  }
}
