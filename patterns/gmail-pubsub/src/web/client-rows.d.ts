export interface CatchUp {
  readonly kind: 'sync' | 'full-sync';
  readonly fromHistoryId: number;
  readonly toHistoryId: number;
  readonly count: number;
}
export interface Position {
  readonly cursor: number | null;
  readonly latest: number | null;
  readonly lastCatchUp: CatchUp | null;
}
export interface DrawnClient {
  readonly node: string;
  readonly queueDepth: number;
  readonly dropped: number | null;
}
export function clientRows<C extends DrawnClient>(
  clients: readonly C[],
  limit: number,
): { rows: C[]; caption: string };
export function cursorState(position: Position): {
  state: 'unknown' | 'behind' | 'caught-up';
  behind: number;
  text: string;
};
export function catchUpText(catchUp: CatchUp | null): string;
