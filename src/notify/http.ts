/** POSTs `body` as JSON; resolves on a 2xx answer, rejects with the status (and the start of the answer) otherwise. */
export async function postJson(url: string, body: unknown, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'faildrill' },
    body: JSON.stringify(body),
    signal,
  });
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new Error(`HTTP ${response.status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`);
}

/** An error's message, with the cause fetch hides behind "fetch failed" (ECONNREFUSED, …). */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer in time (${err.message})`;
  const cause = err.cause instanceof Error ? (err.cause as NodeJS.ErrnoException) : undefined;
  return cause ? `${err.message}: ${cause.code ?? cause.message}` : err.message;
}
