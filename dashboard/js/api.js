// The collector's HTTP API as the dashboard uses it: bearer token from localStorage, errors
// turned into ApiError with the collector's own message, and one token prompt shared by every
// request that met a 401 or 403 (the request is retried once a token has been entered).

const TOKEN_KEY = 'hivewatch.token';

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // 0 when the collector could not be reached
    this.path = path;
  }
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || '';
  } catch {
    return '';
  }
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

// Set by the app: called with (status, message) when the collector refuses the token; returns
// a promise that resolves once a new token is saved (or rejects when the user cancels).
let authHandler = null;
let pendingAuth = null;
export function setAuthHandler(fn) {
  authHandler = fn;
}

function askForToken(status, message) {
  if (!authHandler) return Promise.reject(new ApiError(status, message));
  if (!pendingAuth) {
    pendingAuth = authHandler(status, message).finally(() => {
      pendingAuth = null;
    });
  }
  return pendingAuth;
}

function toQuery(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      for (const v of value) if (v !== '') q.append(key, v);
    } else {
      q.append(key, String(value));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// GET `path` with `params`; resolves to the parsed JSON body.
export async function api(path, params, { signal } = {}) {
  const url = path + toQuery(params);
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json' };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await fetch(url, { headers, signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, `cannot reach the collector at ${location.origin} (${e.message})`, path);
    }
    let body = null;
    const text = await response.text();
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (response.ok) {
      if (body === null) throw new ApiError(response.status, `${path}: the answer is not JSON`, path);
      return body;
    }
    const message = errorMessage(response, body, text);
    if ((response.status === 401 || response.status === 403) && attempt < 5) {
      await askForToken(response.status, message);
      continue;
    }
    throw new ApiError(response.status, message, path);
  }
}

function errorMessage(response, body, text) {
  if (body && typeof body.error === 'string') {
    // Prometheus-style errors carry a type too: {"status":"error","errorType":"bad_data",...}.
    return body.errorType ? `${body.errorType}: ${body.error}` : body.error;
  }
  const snippet = (text || '').trim().slice(0, 200);
  return `HTTP ${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}`;
}

// ---- Prometheus-compatible metric queries ---------------------------------------------------

// Range query: resolves to [{labels, points: [[ms, value], ...]}].
export async function queryRange(query, startMs, endMs, stepMs, opts) {
  const body = await api('/api/v1/query_range', {
    query,
    start: (startMs / 1000).toFixed(3),
    end: (endMs / 1000).toFixed(3),
    step: `${Math.max(1, Math.round(stepMs / 1000))}s`,
  }, opts);
  return toSeries(body);
}

// Instant query: resolves to [{labels, value}] (scalars come back as one unlabelled entry).
export async function queryInstant(query, atMs, opts) {
  const body = await api('/api/v1/query', {
    query,
    time: atMs ? (atMs / 1000).toFixed(3) : undefined,
  }, opts);
  const data = body.data || {};
  if (data.resultType === 'scalar') return [{ labels: {}, value: Number(data.result[1]) }];
  return (data.result || []).map((r) => ({ labels: r.metric || {}, value: Number(r.value[1]) }));
}

function toSeries(body) {
  const data = body.data || {};
  if (data.resultType === 'scalar') {
    return [{ labels: {}, points: [[data.result[0] * 1000, Number(data.result[1])]] }];
  }
  return (data.result || []).map((r) => ({
    labels: r.metric || {},
    points: (r.values || (r.value ? [r.value] : [])).map(([t, v]) => [Math.round(t * 1000), Number(v)]),
  }));
}
