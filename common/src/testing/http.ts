// Small HTTP helpers for component tests.
export type JsonResponse = { status: number; headers: Headers; body: any };

export async function getJson(url: string, init?: RequestInit): Promise<JsonResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body };
}

/** The failure envelope with a message matching `message`. */
export function isFailure(body: any, message: RegExp): boolean {
  return (
    body?.result === 'failure' &&
    Object.keys(body).length === 2 &&
    typeof body.data?.message === 'string' &&
    message.test(body.data.message)
  );
}
