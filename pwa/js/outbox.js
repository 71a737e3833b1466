// The outbox: referrals made on this phone, from "queued" to "sent" or "refused".
//
// Each entry is keyed by a UUID made on the phone when the officer submits. The same UUID is
// the Idempotency-Key of every attempt, so however many times an entry is sent (a lost
// response, a retry from the service worker and the page at once) the server keeps one
// referral. The bearer token is never stored here: entries hold the referral and who made it.
//
// Personal data stays on the phone only as long as it can be of use (applyRetention, run each
// time the app opens):
//   sent       the server has it: the entry keeps only the reference, the outcome code and
//              times, and is deleted SENT_KEEP_DAYS after it was sent
//   refused    kept whole for REFUSED_KEEP_DAYS after the refusal, for the officer to correct it
//              or note why; then removed
//   queued     kept until sent, however long the officer is away, unless its encounter is more
//              than MAX_ENCOUNTER_AGE_DAYS old: the server can then never accept it, so it is
//              removed
// A removed refused or queued entry leaves a note with no personal data in its place (state
// 'removed': who made it, when, why, the encounter time), so the officer who made it is told
// once, the next time they see the home screen. The note is deleted when shown, or
// REMOVAL_NOTE_KEEP_DAYS after the removal if that officer never signs in here again.

import { transaction } from './db.js';

/** @typedef {import('./api.js').Problem} Problem */
/**
 * The API's ReferralIn, as sent (optional fields left empty are not sent).
 * @typedef {object} ReferralBody
 * @property {Record<string, unknown> & {given_name: string, family_name: string, date_of_birth: string}} person
 * @property {{occurred_at: string, area: string, place?: string, origin: string, crime_reference?: string}} encounter
 * @property {{substance: string, estimated_quantity: number, unit: string, description?: string}[]} substances
 * @property {string} [main_substance]
 * @property {Record<string, boolean>} answers
 * @property {{agrees_to_engage: boolean, consents_to_share_contact: boolean, recorded_at: string}} agreement
 */

/**
 * An entry of the outbox. Which fields it has depends on its state (see above): a sent entry
 * and a removal note have no `body`.
 * @typedef {object} Entry
 * @property {string} id the client-made UUID, also the Idempotency-Key
 * @property {string} officer the subject of the officer who made it
 * @property {'queued' | 'sent' | 'refused' | 'removed'} state
 * @property {string} created_at
 * @property {string} [updated_at]
 * @property {number} [attempts]
 * @property {string | null} [last_error]
 * @property {string} [last_attempt_at]
 * @property {ReferralBody} [body] the referral as it is sent (queued and refused only)
 * @property {string} [sent_at]
 * @property {string} [referral_id]
 * @property {string} [reference]
 * @property {number} [suggested_outcome_code]
 * @property {string} [refused_at]
 * @property {StoredProblem} [problem] why it was refused
 * @property {'too-old' | 'refused'} [reason] why a removal note's entry was removed
 * @property {string} [removed_at]
 * @property {string} [encounter_at]
 * @property {boolean} [shown] a removal note the officer has been shown (in memory only)
 */

/**
 * A refusal as it is kept against its entry.
 * @typedef {object} StoredProblem
 * @property {string | null} type
 * @property {string} title
 * @property {string} detail
 * @property {string[]} reasons
 * @property {string | null} not_before
 * @property {{field: string, message: string}[]} errors
 */

/** What the server answers to a referral it accepts. @typedef {{id: string, reference: string, suggested_outcome_code: number}} Created */

const DAY_MS = 24 * 3600 * 1000;

export const SENT_KEEP_DAYS = 7;
export const REFUSED_KEEP_DAYS = 7;
/** The server refuses an encounter older than this: MAX_ENCOUNTER_AGE in referral-api. */
export const MAX_ENCOUNTER_AGE_DAYS = 30;
export const REMOVAL_NOTE_KEEP_DAYS = 30;

/** A UUID for the Idempotency-Key; randomUUID needs a secure context, which the app has. */
export function newId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Queue a referral for the officer (their token subject). Resolves once it is on disk.
 * @param {{body: ReferralBody, officer: string}} referral
 * @returns {Promise<Entry>}
 */
export async function enqueue({ body, officer }) {
  const now = new Date().toISOString();
  /** @type {Entry} */
  const entry = {
    id: newId(),
    officer,
    state: 'queued',
    created_at: now,
    updated_at: now,
    attempts: 0,
    last_error: null,
    body,
  };
  await transaction('outbox', 'readwrite', ({ outbox }, p) => p(outbox.add(entry)));
  return entry;
}

/**
 * Every entry on the phone, oldest first (the order they are sent in).
 * @returns {Promise<Entry[]>}
 */
export async function all() {
  const entries = await transaction('outbox', 'readonly', ({ outbox }, p) =>
    p(outbox.index('by_created').getAll()),
  );
  return entries;
}

/**
 * @param {string} id
 * @returns {Promise<Entry | undefined>}
 */
export async function get(id) {
  return transaction('outbox', 'readonly', ({ outbox }, p) => p(outbox.get(id)));
}

/**
 * Change one entry inside a transaction, so two writers cannot lose each other's update.
 * `change` returns null to leave the entry as it is.
 * @param {string} id
 * @param {(entry: Entry) => Entry | null} change
 * @returns {Promise<Entry | null>}
 */
async function update(id, change) {
  return transaction('outbox', 'readwrite', async ({ outbox }, p) => {
    /** @type {Entry | undefined} */
    const entry = await p(outbox.get(id));
    if (!entry) return null;
    const next = change(entry);
    if (!next) return null;
    await p(outbox.put(next));
    return next;
  });
}

/**
 * The server has it: keep the reference, drop the person's details.
 * @param {string} id
 * @param {Created} created
 */
export function markSent(id, created) {
  return update(id, (entry) => ({
    id: entry.id,
    officer: entry.officer,
    state: 'sent',
    created_at: entry.created_at,
    updated_at: new Date().toISOString(),
    sent_at: new Date().toISOString(),
    attempts: (entry.attempts || 0) + 1,
    referral_id: created.id,
    reference: created.reference,
    suggested_outcome_code: created.suggested_outcome_code,
  }));
}

/**
 * The server refused it for good: keep it (and the details) so the officer can act, for
 * REFUSED_KEEP_DAYS from now.
 * @param {string} id
 * @param {Problem} problem
 */
export function markRefused(id, problem) {
  const now = new Date().toISOString();
  // only a queued entry: one removed by the retention rule while it was being sent stays removed
  return update(id, (entry) => entry.state !== 'queued' ? null : ({
    ...entry,
    state: 'refused',
    updated_at: now,
    refused_at: now,
    attempts: (entry.attempts || 0) + 1,
    problem: {
      type: problem.type ?? null,
      title: problem.title ?? 'Not accepted',
      detail: problem.detail ?? '',
      reasons: Array.isArray(problem.reasons) ? problem.reasons : [],
      not_before: problem.not_before ?? null,
      errors: Array.isArray(problem.errors) ? problem.errors : [],
    },
  }));
}

/**
 * A try that did not reach a decision (no signal, server busy): it stays queued.
 * @param {string} id
 * @param {string} error
 */
export function noteAttempt(id, error) {
  return update(id, (entry) => entry.state !== 'queued' ? null : ({
    ...entry,
    attempts: (entry.attempts || 0) + 1,
    last_error: error,
    last_attempt_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  }));
}

/** @param {string} id */
export async function discard(id) {
  await transaction('outbox', 'readwrite', ({ outbox }, p) => p(outbox.delete(id)));
}

/**
 * When a refused entry's details leave the phone. Entries refused before `refused_at` was
 * recorded were last changed by their refusal, so `updated_at` stands in for it.
 * @param {Entry} entry
 */
export function refusedUntil(entry) {
  const refused = Date.parse(entry.refused_at || entry.updated_at || '');
  return Number.isNaN(refused) ? null : new Date(refused + REFUSED_KEEP_DAYS * DAY_MS).toISOString();
}

/**
 * When the encounter of a queued entry happened (when it was queued, if that is unreadable).
 * @param {Entry} entry
 */
function encounterTime(entry) {
  const occurred = Date.parse(entry.body?.encounter?.occurred_at ?? '');
  return Number.isNaN(occurred) ? Date.parse(entry.created_at) : occurred;
}

/**
 * What the retention rule does with an entry now: null (keep), 'delete', or a removal reason.
 * @param {Entry} entry
 * @param {number} now
 * @returns {'delete' | 'refused' | 'too-old' | null}
 */
function retentionOf(entry, now) {
  /** @type {(time: number, days: number) => boolean} */
  const olderThan = (time, days) => !Number.isNaN(time) && time < now - days * DAY_MS;
  switch (entry.state) {
    case 'sent':
      return olderThan(Date.parse(entry.sent_at ?? ''), SENT_KEEP_DAYS) ? 'delete' : null;
    case 'refused':
      return olderThan(Date.parse(entry.refused_at || entry.updated_at || ''), REFUSED_KEEP_DAYS)
        ? 'refused'
        : null;
    case 'queued':
      return olderThan(encounterTime(entry), MAX_ENCOUNTER_AGE_DAYS) ? 'too-old' : null;
    case 'removed':
      return olderThan(Date.parse(entry.removed_at ?? ''), REMOVAL_NOTE_KEEP_DAYS) ? 'delete' : null;
    default:
      return null;
  }
}

/**
 * Apply the retention rule to every entry on the phone, whoever made it (see the top of this
 * file). Resolves with the notes left for entries removed now.
 * @returns {Promise<Entry[]>}
 */
export async function applyRetention(now = Date.now()) {
  return transaction('outbox', 'readwrite', async ({ outbox }, p) => {
    /** @type {Entry[]} */
    const entries = await p(outbox.getAll());
    /** @type {Entry[]} */
    const notes = [];
    for (const entry of entries) {
      const reason = retentionOf(entry, now);
      if (!reason) continue;
      if (reason === 'delete') {
        await p(outbox.delete(entry.id));
        continue;
      }
      // put replaces the whole entry: the body (the person) and the problem are gone
      /** @type {Entry} */
      const note = {
        id: entry.id,
        officer: entry.officer,
        state: 'removed',
        reason,
        created_at: entry.created_at,
        removed_at: new Date(now).toISOString(),
        ...(reason === 'too-old' ? { encounter_at: new Date(encounterTime(entry)).toISOString() } : {}),
      };
      await p(outbox.put(note));
      notes.push(note);
    }
    return notes;
  });
}

/**
 * The officer has been told of these removals: forget the notes.
 * @param {string[]} ids
 */
export async function forgetRemovalNotes(ids) {
  await transaction('outbox', 'readwrite', async ({ outbox }, p) => {
    for (const id of ids) {
      const entry = await p(outbox.get(id));
      if (entry?.state === 'removed') await p(outbox.delete(id));
    }
  });
}
