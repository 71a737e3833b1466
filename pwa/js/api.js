// Calls to referral-api from the page or the service worker: JSON in, problem details out.

/** A refusal or failure the server explained (RFC 9457 problem details). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

/** No answer at all: no signal, the server down, or the request cut off. */
export class NetworkError extends Error {
  constructor(cause) {
    super('No connection');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/** The problem body of a failed response, or a stand-in when the body is not one. */
export async function readProblem(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  if (!problem || typeof problem !== 'object') {
    problem = { title: `HTTP ${response.status}`, detail: response.statusText || '' };
  }
  problem.status = problem.status ?? response.status;
  return problem;
}

/**
 * Call the API. Resolves with the parsed JSON body; rejects with ApiError (the server said no)
 * or NetworkError (it could not be reached), which callers treat differently: a refusal is
 * final, a network error is "try again later".
 */
export async function callApi(path, { method = 'GET', token, body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { ...init, cache: 'no-store' });
  } catch (error) {
    throw new NetworkError(error);
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (response.status === 204) return null;
  return response.json();
}
