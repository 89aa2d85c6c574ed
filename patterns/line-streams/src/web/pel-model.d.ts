export interface PendingRow {
  readonly room: string;
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}
export interface ConsumerRow {
  readonly name: string;
  readonly pending: number;
  readonly idleMs: number;
}
export interface ClaimRow {
  readonly consumer: string;
  readonly from: string;
  readonly room: string;
  readonly ids: readonly string[];
  readonly deliveries: number;
}
export type ConsumerStatus = 'active' | 'silent' | 'quiet';
export interface PelColumn {
  readonly consumer: string;
  readonly status: ConsumerStatus;
  readonly pending: number;
  readonly idleMs: number;
  readonly entries: readonly {
    key: string;
    room: string;
    id: string;
    deliveries: number;
    idleMs: number;
    isClaimable: boolean;
  }[];
  readonly hidden: number;
}
export function compareIds(a: string, b: string): number;
export function consumerStatus(
  consumer: { readonly pending: number; readonly idleMs: number },
  claimMinIdleMs: number,
): ConsumerStatus;
export function pelColumns(
  state: {
    readonly claimMinIdleMs: number;
    readonly consumers: readonly ConsumerRow[];
    readonly pending: readonly PendingRow[];
  },
  elapsedMs: number,
  perColumn: number,
): PelColumn[];
export function recentClaims<C extends ClaimRow>(claims: readonly C[], count: number): C[];
export function claimLabel(claim: ClaimRow): string;
