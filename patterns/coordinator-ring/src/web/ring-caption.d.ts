export interface CaptionSnapshot {
  readonly engine?: string;
  readonly ring?: { readonly self?: string };
}
export const neutralTitle: string;
export function titleFor(snapshot: CaptionSnapshot | undefined): string;
export function captionFor(snapshot: CaptionSnapshot | undefined): string;
export function progressText(
  progress: { term: number; commitIndex: number; lastLogIndex: number } | null | undefined,
): string;
