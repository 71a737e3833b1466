// The referrals' progress as last fetched, so "My referrals" and each referral's steps show with
// no signal. Used by the page only.
//
// What is kept: the last answer of each list (by status filter) and of each referral opened,
// for the officer who fetched it, with when it was fetched. It holds names and dates of birth,
// so it is kept no longer than it is useful: only the officer who fetched it is shown it, it is
// deleted at sign-out, and the retention rule deletes anything fetched more than
// PROGRESS_KEEP_DAYS ago when the app opens, whoever fetched it.

import { transaction } from './db.js';

export const PROGRESS_KEEP_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * @template T
 * @typedef {{data: T, fetched_at: string}} Remembered
 */

/**
 * @param {string} officer
 * @param {string} what
 */
function keyOf(officer, what) {
  return `${officer}|${what}`;
}

/**
 * Keep `data`, fetched now by `officer`, as the latest answer for `what`.
 * @param {string} officer
 * @param {string} what e.g. `list:` or `list:booked` or `referral:<id>`
 * @param {unknown} data
 * @param {number} [now]
 */
export async function remember(officer, what, data, now = Date.now()) {
  await transaction('progress', 'readwrite', async ({ progress }, p) => {
    await p(progress.put({ key: keyOf(officer, what), officer, data, fetched_at: new Date(now).toISOString() }));
  });
}

/**
 * The latest answer `officer` fetched for `what`, with when; null if there is none.
 * @template T
 * @param {string} officer
 * @param {string} what
 * @returns {Promise<Remembered<T> | null>}
 */
export async function recall(officer, what) {
  return transaction('progress', 'readonly', async ({ progress }, p) => {
    const found = await p(progress.get(keyOf(officer, what)));
    return found && found.officer === officer ? { data: found.data, fetched_at: found.fetched_at } : null;
  });
}

/**
 * The referral `id` as `officer` last fetched it, on its own or in a list, whichever is latest;
 * null if they never did.
 * @param {string} officer
 * @param {string} id
 * @returns {Promise<Remembered<{id: string}> | null>}
 */
export async function recallReferral(officer, id) {
  return transaction('progress', 'readonly', async ({ progress }, p) => {
    /** @type {{key: string, data: any, fetched_at: string}[]} */
    const all = await p(progress.index('by_officer').getAll(IDBKeyRange.only(officer)));
    /** @type {Remembered<{id: string}> | null} */
    let latest = null;
    for (const item of all) {
      const found = item.key === keyOf(officer, `referral:${id}`)
        ? item.data
        : (Array.isArray(item.data?.items) ? item.data.items : []).find(
            (/** @type {{id: string}} */ referral) => referral.id === id,
          );
      if (found && (!latest || item.fetched_at > latest.fetched_at)) {
        latest = { data: found, fetched_at: item.fetched_at };
      }
    }
    return latest;
  });
}

/**
 * Forget everything `officer` fetched (at sign-out).
 * @param {string} officer
 */
export async function forgetOfficer(officer) {
  await transaction('progress', 'readwrite', async ({ progress }, p) => {
    const keys = await p(progress.index('by_officer').getAllKeys(IDBKeyRange.only(officer)));
    for (const key of keys) await p(progress.delete(key));
  });
}

/**
 * The retention rule for what was fetched: gone PROGRESS_KEEP_DAYS after it was fetched.
 * @param {number} [now]
 */
export async function applyRetention(now = Date.now()) {
  await transaction('progress', 'readwrite', async ({ progress }, p) => {
    /** @type {{key: string, fetched_at: string}[]} */
    const all = await p(progress.getAll());
    for (const item of all) {
      const fetched = Date.parse(item.fetched_at);
      if (Number.isNaN(fetched) || fetched < now - PROGRESS_KEEP_DAYS * DAY_MS) {
        await p(progress.delete(item.key));
      }
    }
  });
}
