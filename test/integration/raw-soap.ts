/**
 * A bare JSON SOAP client for emulator tests, building requests as third-party JSON clients do
 * (`Header.context._jsns`, `Body.<Request>._jsns`), over real HTTP; no project code involved.
 */

/** A JSON SOAP answer: HTTP status and the parsed body. */
export interface RawAnswer {
  status: number;
  body: Record<string, any>;
  /** The one element of `Body` (a response or a Fault). */
  el: Record<string, any>;
  /** The fault code, when the answer is a fault. */
  code: string | undefined;
}

/** Posts one JSON SOAP request. */
export async function rawJson(
  url: string,
  name: string,
  ns: string,
  request: Record<string, unknown> = {},
  token?: string,
): Promise<RawAnswer> {
  const context: Record<string, unknown> = { _jsns: 'urn:zimbra', format: { type: 'js' } };
  if (token) context['authToken'] = { _content: token };
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ Header: { context }, Body: { [name]: { _jsns: ns, ...request } } }),
  });
  const body = JSON.parse(await res.text()) as Record<string, any>;
  const el = Object.values(body['Body'] as Record<string, any>)[0] as Record<string, any>;
  return { status: res.status, body, el, code: el?.['Detail']?.['Error']?.['Code'] as string | undefined };
}

/** Logs in (user or admin) and returns the token. */
export async function rawLogin(url: string, admin: boolean, name: string, password: string): Promise<string> {
  const r = admin
    ? await rawJson(url, 'AuthRequest', 'urn:zimbraAdmin', { name, password })
    : await rawJson(url, 'AuthRequest', 'urn:zimbraAccount', { account: { by: 'name', _content: name }, password });
  if (r.code) throw new Error(`login failed: ${r.code}`);
  return (r.el['authToken'] as Array<{ _content: string }>)[0]!._content;
}
