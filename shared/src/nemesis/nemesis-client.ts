import type { HttpAnswer, NemesisClient } from './workload.ts';

/** A NemesisClient over fetch: every call times out, so a paused service cannot hang a run. */
export function httpClient(
  urls: Readonly<Record<string, string>>,
  options: { adminToken?: string; timeoutMs?: number } = {},
): NemesisClient {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.adminToken) headers.authorization = `Bearer ${options.adminToken}`;
  return {
    services: Object.keys(urls),
    async request(service, method, path, body): Promise<HttpAnswer> {
      const base = urls[service];
      if (base === undefined)
        throw new Error(`no service ${service}; known: ${Object.keys(urls).join(', ')}`);
      const response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON (metrics, plain text): keep the text.
      }
      return { status: response.status, body: parsed };
    },
  };
}
