export interface RingPoint {
  readonly shard: string;
  readonly position: number;
}
export interface RingArc {
  shard: string;
  start: number;
  end: number;
}
export function ringArcs(points: readonly RingPoint[]): RingArc[];
export function pointsPerShard(points: readonly RingPoint[]): Record<string, number>;
