// A page that shows every fan-out at 500 messages/s would melt: the live view gets at most this many per second.
const liveFanoutPerSecond = 20;

/** Admits at most `liveFanoutPerSecond` live-view events per wall-clock second. */
export function liveBudget(perSecond = liveFanoutPerSecond): { take(nowMs: number): boolean } {
  let second = 0;
  let used = 0;
  return {
    take: (nowMs) => {
      const current = Math.floor(nowMs / 1000);
      if (current !== second) {
        second = current;
        used = 0;
      }
      if (used >= perSecond) return false;
      used += 1;
      return true;
    },
  };
}
