import { defineTopology } from '../topology/index.ts';

/**
 * The kit's own demo: one Redis and one service with a counter and a live view.
 * It is not one of the seven patterns; it exercises the service kit, the
 * live-view kit, the runner and compose end to end.
 */
export const topology = defineTopology({
  name: 'kit-demo',
  title: 'Kit demo',
  summary: 'a counter in Redis with a live view: the service kit, live-view kit and runner at work',
  cap: 'CP',
  implemented: true,
  dir: 'shared',
  entry: 'src/demo/main.ts',
  portBlock: 7000,
  redis: [{ name: 'demo-redis', port: 7010 }],
  services: [{ name: 'kit-demo', port: 7001, redis: ['demo-redis'] }],
});
