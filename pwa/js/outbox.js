// The outbox: referrals made on this phone, from "queued" to "sent" or "refused".
//
// Each entry is keyed by a UUID made on the phone when the officer submits. The same UUID is
// the Idempotency-Key of every attempt, so however many times an entry is sent (a lost
// response, a retry from the service worker and the page at once) the server keeps one
// referral. The bearer token is never stored here: entries hold the referral and who made it.
//
// Once the server has it, the personal data leaves the phone: a sent entry keeps only the
// reference, the outcome code and times, and is deleted after SENT_KEEP_DAYS.

import { transaction } from './db.js';

export const SENT_KEEP_DAYS = 7;

/** A UUID for the Idempotency-Key; randomUUID needs a secure context, which the app has. */
export function newId() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Queue a referral for the officer (their token subject). Resolves once it is on disk. */
export async function enqueue({ body, officer }) {
  const now = new Date().toISOString();
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

/** Every entry on the phone, oldest first (the order they are sent in). */
export async function all() {
  const entries = await transaction('outbox', 'readonly', ({ outbox }, p) =>
    p(outbox.index('by_created').getAll()),
  );
  return entries;
}

export async function get(id) {
  return transaction('outbox', 'readonly', ({ outbox }, p) => p(outbox.get(id)));
}

/** Change one entry inside a transaction, so two writers cannot lose each other's update. */
async function update(id, change) {
  return transaction('outbox', 'readwrite', async ({ outbox }, p) => {
    const entry = await p(outbox.get(id));
    if (!entry) return null;
    const next = change(entry);
    await p(outbox.put(next));
    return next;
  });
}

/** The server has it: keep the reference, drop the person's details. */
export function markSent(id, created) {
  return update(id, (entry) => ({
    id: entry.id,
    officer: entry.officer,
    state: 'sent',
    created_at: entry.created_at,
    updated_at: new Date().toISOString(),
    sent_at: new Date().toISOString(),
    attempts: entry.attempts + 1,
    referral_id: created.id,
    reference: created.reference,
    suggested_outcome_code: created.suggested_outcome_code,
  }));
}

/** The server refused it for good: keep it (and the details) so the officer can act. */
export function markRefused(id, problem) {
  return update(id, (entry) => ({
    ...entry,
    state: 'refused',
    updated_at: new Date().toISOString(),
    attempts: entry.attempts + 1,
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

/** A try that did not reach a decision (no signal, server busy): it stays queued. */
export function noteAttempt(id, error) {
  return update(id, (entry) => ({
    ...entry,
    attempts: entry.attempts + 1,
    last_error: error,
    last_attempt_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
  }));
}

export async function discard(id) {
  await transaction('outbox', 'readwrite', ({ outbox }, p) => p(outbox.delete(id)));
}

/** Forget sent summaries after a few days: the officer has the reference on the crime record. */
export async function purgeSent(now = Date.now()) {
  const cutoff = now - SENT_KEEP_DAYS * 24 * 3600 * 1000;
  await transaction('outbox', 'readwrite', async ({ outbox }, p) => {
    const entries = await p(outbox.getAll());
    for (const entry of entries) {
      if (entry.state === 'sent' && Date.parse(entry.sent_at) < cutoff) {
        await p(outbox.delete(entry.id));
      }
    }
  });
}
