// The dashboard's only door to the services: the three proxies of the
// nginx configuration (/api/ -> query-api, /registry/ -> symbol-registry,
// /risk/ -> risk-engine). Errors come back as ApiError with the status
// and the service's {"error": {"code", "message"}} when there is one.
// The bearer token is whatever the user typed; it lives in
// sessionStorage and goes with every request once set.

const TOKEN_KEY = 'stonks.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  // True when the route or the feature is not there (yet): a missing
  // route (or a proxy with no service behind it), a missing table, or a
  // service that does not answer. A missing row is an ordinary error.
  get unavailable(): boolean {
    return (
      (this.status === 404 && /^no (such )?route/.test(this.message)) ||
      this.status === 502 ||
      this.status === 504 ||
      this.code === 'not_available' ||
      this.code === 'upstream_unavailable' ||
      this.code === 'upstream_timeout' ||
      this.code === 'timeout'
    );
  }
}

export function getToken(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

// Keeps (or, given '', forgets) the token, then tells the page: what
// says whether there is one listens for 'stonks:token-changed'.
export function setToken(token: string): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  window.dispatchEvent(new Event('stonks:token-changed'));
}

// Why a token cannot be sent, or null. It goes in an HTTP header, which
// carries printable ASCII only: a fetch with any other character fails
// before it leaves, and every panel would say it cannot reach its service.
export function tokenProblem(token: string): string | null {
  let i = 0;
  for (const ch of token) {
    i++;
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c > 0x7e) {
      const u = c.toString(16).toUpperCase().padStart(4, '0');
      return `Not used: a token is printable ASCII, and this one has U+${u} at character ${i}.`;
    }
  }
  // The services take 16 to 256 characters (API_TOKENS): any other is
  // refused by every change, whatever it is. None at all forgets it.
  if (i > 0 && (i < 16 || i > 256)) return `Not used: a token has 16 to 256 characters, and this one has ${i}.`;
  return null;
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText || 'error'}`;
  try {
    const body = await res.json();
    if (body && body.error) {
      code = String(body.error.code ?? code);
      message = String(body.error.message ?? message);
    }
  } catch {
    // Not JSON: nginx's own page when a service is down.
    if (res.status === 502 || res.status === 504)
      message = 'the service behind the proxy does not answer';
  }
  return new ApiError(res.status, code, message);
}

// How long a call may take. A service that hangs (stopped, or stuck)
// still has its connections accepted, and nginx waits 60 s for it: the
// panel would say Loading… all that time, longer for calls queued behind
// the browser's six connections per host.
export const TIMEOUT_MS = 15000;

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const late = () =>
    new ApiError(0, 'timeout', `${method} ${path} had no answer in ${TIMEOUT_MS / 1000} s`);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-cache',
      signal: timeout,
    });
  } catch (e) {
    if (timeout.aborted) throw late();
    throw new ApiError(0, 'network', `cannot reach ${path}: ${String(e)}`);
  }
  try {
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  } catch (e) {
    if (timeout.aborted && !(e instanceof ApiError)) throw late();
    throw e;
  }
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

// The items of a keyset-paginated list, following next_cursor until the
// list ends or maxItems are read (the page's limit is 500, the API's
// largest); complete is false when items were left unread.
export async function getList<T>(
  path: string,
  maxItems = 5000,
): Promise<{ items: T[]; complete: boolean }> {
  const out: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const url: string =
      `${path}${sep}limit=500` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
    const page: Page<T> = await get<Page<T>>(url);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && out.length < maxItems);
  return { items: out, complete: !cursor };
}

// Every item of a keyset-paginated list, up to maxItems.
export async function getAll<T>(path: string, maxItems = 5000): Promise<T[]> {
  return (await getList<T>(path, maxItems)).items;
}

// Query string from the defined values of params.
export function qs(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
