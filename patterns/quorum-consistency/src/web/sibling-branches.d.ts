export interface ClockEntry {
  readonly counter: number;
  readonly timestamp?: number;
}
export type ClockJson = Readonly<Record<string, ClockEntry>>;
export interface HeldVersion {
  readonly value: string | null;
  readonly isTombstone: boolean;
  readonly clock: ClockJson;
  readonly writtenAt: number;
  readonly writer: string;
}
export interface Branch extends HeldVersion {
  readonly id: string;
  readonly holders: readonly string[];
  readonly state: 'only' | 'sibling' | 'lost';
  readonly older: readonly (HeldVersion & { id: string; holders: readonly string[] })[];
}
export function clockText(clock: ClockJson | undefined): string;
export function descends(a: ClockJson, b: ClockJson): boolean;
export function siblingBranches(
  replicas: readonly { node: string; isUp: boolean; versions: readonly HeldVersion[] }[],
  policy?: 'vector-clock' | 'lww',
): { base: ClockJson; branches: Branch[]; downReplicas: string[] };
