// Sending the outbox: first in, first out, each entry exactly once.
//
// Run from the page (on submit, when the network returns, when the app opens, every so often
// while entries wait) and from the service worker (Background Sync, its start, a token handed
// over). Only one run at a time across all of them, through the Web Locks API; where a browser
// has no locks the Idempotency-Key still makes a second send harmless.
//
// Each answer decides the entry's fate:
//   201/200            sent: keep the reference, drop the personal data
//   401                stop: the officer must sign in again; the entry waits
//   408/409/425/429/5xx, no answer   stop: try again later; the entry waits (first in stays first)
//   any other 4xx      refused: the server will never accept this body; show why

import { NetworkError, readProblem } from './api.js';
import * as outbox from './outbox.js';

export const CHANNEL = 'diversion-outbox';
const LOCK = 'diversion-outbox-send';
const RETRY_STATUSES = new Set([408, 409, 425, 429]);

/** Tell every page of the app (and other tabs) that entries changed. */
export function announce(detail = {}) {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage({ type: 'outbox-changed', ...detail });
    channel.close();
  } catch {
    // no BroadcastChannel: pages also re-read the outbox when they come back into view
  }
}

/** @typedef {import('./outbox.js').Entry} Entry */
/** @typedef {import('./api.js').Problem} Problem */
/**
 * How one attempt ended.
 * @typedef {{kind: 'sent', created: import('./outbox.js').Created}
 *   | {kind: 'offline', error: NetworkError}
 *   | {kind: 'signed-out' | 'later' | 'refused', problem: Problem}} Attempt
 */
/**
 * What a run did, and why it stopped early if it did.
 * @typedef {{sent: number, refused: number, waiting: number,
 *   stopped: 'offline' | 'signed-out' | 'later' | null}} Summary
 */
/** Whose queue to send, with whose token. @typedef {{token: string | null | undefined, officer: string | null | undefined}} Sender */

/**
 * @param {Entry} entry
 * @param {string} token
 * @returns {Promise<Attempt>}
 */
async function sendOne(entry, token) {
  let response;
  try {
    response = await fetch('/v1/referrals', {
      method: 'POST',
      cache: 'no-store',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        Authorization: `Bearer ${token}`,
        'Idempotency-Key': entry.id,
      },
      body: JSON.stringify(entry.body),
    });
  } catch (error) {
    return { kind: 'offline', error: new NetworkError(error) };
  }
  if (response.ok) return { kind: 'sent', created: await response.json() };
  const problem = await readProblem(response);
  if (response.status === 401) return { kind: 'signed-out', problem };
  if (response.status >= 500 || RETRY_STATUSES.has(response.status)) {
    return { kind: 'later', problem };
  }
  return { kind: 'refused', problem };
}

/**
 * @param {{token: string, officer: string}} sender
 * @returns {Promise<Summary>}
 */
async function run({ token, officer }) {
  /** @type {Summary} */
  const summary = { sent: 0, refused: 0, waiting: 0, stopped: null };
  const waiting = (await outbox.all()).filter(
    (entry) => entry.state === 'queued' && entry.officer === officer,
  );
  for (const [index, entry] of waiting.entries()) {
    const result = await sendOne(entry, token);
    if (result.kind === 'sent') {
      await outbox.markSent(entry.id, result.created);
      summary.sent += 1;
    } else if (result.kind === 'refused') {
      await outbox.markRefused(entry.id, result.problem);
      summary.refused += 1;
    } else {
      const reason =
        result.kind === 'offline'
          ? 'No connection'
          : result.kind === 'signed-out'
            ? 'Sign in again to send'
            : result.problem.detail || 'The server is busy';
      await outbox.noteAttempt(entry.id, reason);
      summary.stopped = result.kind;
      summary.waiting = waiting.length - index;
      break;
    }
    announce({ id: entry.id });
  }
  announce();
  return summary;
}

/**
 * Send the officer's queued referrals. Only entries made by this officer are sent with their
 * token: a colleague signing in on the same phone must not submit someone else's referral.
 * @param {Sender} sender
 * @returns {Promise<Summary>}
 */
export async function flush({ token, officer }) {
  if (!token || !officer) return { sent: 0, refused: 0, waiting: 0, stopped: 'signed-out' };
  const locks = globalThis.navigator && navigator.locks;
  if (locks && typeof locks.request === 'function') {
    return locks.request(LOCK, () => run({ token, officer }));
  }
  return run({ token, officer });
}
