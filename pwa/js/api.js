// Calls to referral-api from the page or the service worker: JSON in, problem details out.

/**
 * RFC 9457 problem details, with the extensions this API uses.
 * @typedef {object} Problem
 * @property {string} [type]
 * @property {string} [title]
 * @property {string} [detail]
 * @property {number} [status]
 * @property {string[]} [reasons] why a referral was refused (eligibility)
 * @property {string | null} [not_before] when the person can be referred again
 * @property {{field: string, message: string}[]} [errors] one per field at fault
 */

/** A refusal or failure the server explained (RFC 9457 problem details). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {Problem} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

/** No answer at all: no signal, the server down, or the request cut off. */
export class NetworkError extends Error {
  /** @param {unknown} cause */
  constructor(cause) {
    super('No connection');
    this.name = 'NetworkError';
    this.cause = cause;
  }
}

/**
 * The problem body of a failed response, or a stand-in when the body is not one.
 * @param {Response} response
 * @returns {Promise<Problem>}
 */
export async function readProblem(response) {
  /** @type {Problem | null} */
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
 * @param {string} path
 * @param {{method?: string, token?: string, body?: unknown, headers?: Record<string, string>,
 *          signal?: AbortSignal}} [options]
 * @returns {Promise<any>} the response's JSON, shaped as the API documents for `path`
 */
export async function callApi(path, { method = 'GET', token, body, headers = {}, signal } = {}) {
  /** @type {Record<string, string>} */
  const sent = { Accept: 'application/json', ...headers };
  /** @type {RequestInit} */
  const init = { method, headers: sent, signal };
  if (token) sent.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    sent['Content-Type'] = 'application/json';
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
