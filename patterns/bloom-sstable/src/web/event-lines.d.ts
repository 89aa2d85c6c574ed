export function eventLine(event: string, payload: unknown): string;
