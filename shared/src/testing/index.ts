export {
  startRedis,
  startRedisCluster,
  stopAllRedis,
  type RedisHandle,
  type StartRedisOptions,
} from './redis-harness.ts';
export {
  startEtcdCluster,
  stopAllEtcd,
  EtcdNoLeaderError,
  type EtcdClusterHandle,
  type EtcdMemberHandle,
  type StartEtcdClusterOptions,
} from './etcd-harness.ts';
export { EtcdNotFoundError } from '../process/etcd-binary.ts';
export { etcdMemberStatus, type EtcdMemberStatus } from '../process/etcd-server.ts';
export {
  startRedisClusterMode,
  type ClusterNodeHandle,
  type ClusterNodeRole,
  type RedisClusterModeHandle,
  type StartRedisClusterModeOptions,
} from './redis-cluster-harness.ts';
export { clusterSlotCount, infoFields, slotRanges } from '../process/redis-cluster-form.ts';
export { startSentinels, type SentinelsHandle, type StartSentinelsOptions } from './sentinel-harness.ts';
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
export { patternBlockPorts, randomBelowEphemeralOffset, reservePortOffset } from './port-reservation.ts';
export type { PortReservation } from './port-reservation.ts';
export { isPidAlive } from '../process/pid-control.ts';
export { RedisServerNotFoundError } from '../process/redis-binary.ts';
export { chromiumChoice, findChromium, launchBrowser, type ChromiumChoice } from './browser.ts';
export { accessibilityViolations, sidewaysOverflowPx, type AccessibilityViolation } from './page-checks.ts';
export { seededRandom } from './seeded-random.ts';
export { readmeRunner, type ReadmeRunner, type ReadmeRunnerOptions, type ShellRun } from './readme-runner.ts';
export { jsonValues } from './json-values.ts';
