export {
  startRedis,
  startRedisCluster,
  stopAllRedis,
  type RedisHandle,
  type StartRedisOptions,
} from './redis-harness.ts';
export { startTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.ts';
export {
  sendRedisCommand,
  pingRedis,
  RedisReplyError,
  RedisTimeoutError,
  type RespValue,
  type RedisCommandOptions,
} from '../process/resp-client.ts';
export { findFreePort, isPortFree } from '../process/free-port.ts';
export { isPidAlive } from '../process/pid-control.ts';
export { RedisServerNotFoundError } from '../process/redis-binary.ts';
export { chromiumPath, launchBrowser } from './browser.ts';
export { seededRandom } from './seeded-random.ts';
