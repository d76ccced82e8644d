/** Why a fetch failed, in words an operator can act on: timeout, ECONNREFUSED, ENOTFOUND, HTTP status… */
export function fetchFailure(e: unknown, timeoutS: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutS} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message;
}
