// The referrals on this phone and where each one is: queued, sent (with its reference) or
// refused (with the reason, against that entry).

import { formatDate, formatDateTime, h } from '../dom.js';
import { refusedUntil } from '../outbox.js';
import { capitalise, fieldMessage } from '../referral.js';
import { SUBSTANCES, labelOf } from '../vocabulary.js';

/** @typedef {import('../outbox.js').Entry} Entry */
/**
 * What a list of outbox entries may ask for.
 * @typedef {object} OutboxActions
 * @property {(id: string) => void} correctEntry reopen a refused referral in the form
 * @property {(id: string) => void} discardEntry remove an entry from the phone
 */

/** @type {Record<string, [string, string]>} */
const STATE = {
  queued: ['Waiting to send', 'tag--queued'],
  sent: ['Sent', 'tag--sent'],
  refused: ['Not accepted', 'tag--refused'],
};

/**
 * Home Office crime outcome codes a force may suggest for a diversion.
 * @param {number} code
 */
export function outcomeText(code) {
  if (code === 8) return 'community resolution (outcome 8)';
  if (code === 22) return 'diversionary, educational or intervention activity (outcome 22)';
  return `outcome ${code}`;
}

/** @param {Entry} entry */
function title(entry) {
  if (entry.state === 'sent' || !entry.body) return `Referral ${entry.reference}`;
  const { person } = entry.body;
  return `${person.given_name} ${person.family_name}`;
}

/**
 * @param {Entry} entry
 * @param {boolean} online
 * @param {OutboxActions} actions
 */
function details(entry, online, actions) {
  if (entry.state === 'sent') {
    return [
      h('p', {}, `Sent ${formatDateTime(entry.sent_at)}. Note the reference on the crime record.`),
      entry.suggested_outcome_code
        ? h('p', { class: 'hint' }, `Suggested crime outcome: ${outcomeText(entry.suggested_outcome_code)}.`)
        : null,
    ];
  }
  const substance = labelOf(SUBSTANCES, entry.body?.main_substance || entry.body?.substances[0]?.substance);
  const made = h('p', { class: 'hint' }, `${substance}. Made ${formatDateTime(entry.created_at)}.`);
  if (entry.state === 'queued') {
    return [
      made,
      h('p', {}, online
        ? (entry.last_error ? `Not sent yet: ${entry.last_error}. Trying again.` : 'Sending…')
        : 'Saved on this phone. It will be sent automatically when there is signal.'),
    ];
  }
  const problem = entry.problem;
  if (!problem) return [made];
  const reasons = problem.reasons?.length ? problem.reasons.map(capitalise) : [];
  const fieldErrors = problem.errors;
  const until = refusedUntil(entry);
  return [
    made,
    h('div', { class: 'refusal' },
      h('p', { class: 'refusal__title' }, problem.title || 'Not accepted'),
      reasons.length ? h('ul', {}, reasons.map((r) => h('li', {}, r))) : null,
      fieldErrors.length ? h('ul', {}, fieldErrors.map((e) => h('li', {}, fieldMessage(e.field, e.message)))) : null,
      !reasons.length && !fieldErrors.length && problem.detail ? h('p', {}, problem.detail) : null,
      problem.not_before ? h('p', {}, `They can be referred again from ${formatDate(problem.not_before)}.`) : null),
    until ? h('p', { class: 'hint' }, `The person’s details will be removed from this phone on ${formatDateTime(until)}.`) : null,
    h('div', { class: 'entry__actions' },
      fieldErrors.length
        ? h('button', { type: 'button', class: 'button button--primary', onclick: () => actions.correctEntry(entry.id) }, 'Correct and send again')
        : null,
      h('button', { type: 'button', class: 'button button--secondary', onclick: () => actions.discardEntry(entry.id) },
        'Remove from this phone')),
  ];
}

/**
 * One entry, as a list item.
 * @param {Entry} entry
 * @param {boolean} online
 * @param {OutboxActions} actions
 * @param {{headingLevel?: 'h2' | 'h3'}} [options]
 */
export function outboxEntry(entry, online, actions, { headingLevel = 'h3' } = {}) {
  const [label, tone] = STATE[entry.state] || [entry.state, ''];
  return h(
    'li',
    { class: `entry entry--${entry.state}`, dataset: { entry: entry.id, state: entry.state } },
    h('div', { class: 'entry__head' },
      h(headingLevel, { class: 'entry__title' }, title(entry)),
      h('span', { class: `tag ${tone}` }, label)),
    details(entry, online, actions),
  );
}

/**
 * @param {Entry[]} entries
 * @param {boolean} online
 * @param {OutboxActions} actions
 */
export function outboxList(entries, online, actions) {
  if (!entries.length) return h('p', { class: 'muted' }, 'No referrals on this phone.');
  // newest first: the one just made is the one the officer is looking for
  const ordered = [...entries].sort((a, b) => b.created_at.localeCompare(a.created_at));
  return h('ul', { class: 'entries', id: 'outbox' }, ordered.map((entry) => outboxEntry(entry, online, actions)));
}
