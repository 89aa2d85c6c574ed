export interface Point {
  readonly x: number;
  readonly y: number;
}
export function nodePositions(
  ids: readonly string[],
  circle: { cx: number; cy: number; radius: number },
): Map<string, Point>;
export function arrowBetween(
  a: Point,
  b: Point,
  nodeRadius: number,
  offset: number,
): { x1: number; y1: number; x2: number; y2: number };
