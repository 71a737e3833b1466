// Home: start a referral, continue one in progress, and see what is on this phone.

import { formatDay, h } from '../dom.js';
import { MAX_ENCOUNTER_AGE_DAYS, REFUSED_KEEP_DAYS } from '../outbox.js';
import { outboxList } from './outbox-list.js';

/** @typedef {import('../outbox.js').Entry} Entry */
/**
 * What home shows.
 * @typedef {object} HomeView
 * @property {Readonly<import('../referral.js').Draft> | null} draft a referral in progress
 * @property {Entry[]} entries this officer's referrals on this phone
 * @property {Entry[]} removals notes of referrals the retention rule removed
 * @property {boolean} online
 * @property {'referral-ended' | null} notice what just happened, said once
 * @property {boolean} supervisor a supervisor sees the force's referrals, not only their own
 */
/**
 * What home may ask for.
 * @typedef {import('./outbox-list.js').OutboxActions & {
 *   startReferral: () => void,
 *   discardDraft: () => void,
 *   removalsShown: () => void,
 *   dismissRemovals: () => void,
 * }} HomeActions
 */

/**
 * "A", "A and B", "A, B and C"
 * @param {string[]} items
 */
function listOf(items) {
  if (items.length < 2) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Told once: referrals of this officer's that the retention rule took off the phone since they
 * last looked. Names nobody: the person's details are gone with the referral.
 * @param {Entry[]} removals
 * @param {HomeActions} actions
 */
function removalNotice(removals, actions) {
  if (!removals.length) return null;
  actions.removalsShown();
  const tooOld = removals.filter((note) => note.reason === 'too-old');
  const refused = removals.filter((note) => note.reason === 'refused');
  const when = listOf([...new Set(tooOld.map((note) => formatDay(note.encounter_at)).filter(Boolean))]);
  const paragraphs = [];
  if (tooOld.length === 1) {
    paragraphs.push(
      `A referral waiting to be sent was removed from this phone. Its encounter${when ? ` on ${when}` : ''} was more than ${MAX_ENCOUNTER_AGE_DAYS} days ago, so it can no longer be accepted.`,
    );
  } else if (tooOld.length > 1) {
    paragraphs.push(
      `${tooOld.length} referrals waiting to be sent were removed from this phone. Their encounters${when ? ` on ${when}` : ''} were more than ${MAX_ENCOUNTER_AGE_DAYS} days ago, so they can no longer be accepted.`,
    );
  }
  if (refused.length === 1) {
    paragraphs.push(
      `A referral that was not accepted was removed from this phone, with the person’s details, ${REFUSED_KEEP_DAYS} days after it was refused.`,
    );
  } else if (refused.length > 1) {
    paragraphs.push(
      `${refused.length} referrals that were not accepted were removed from this phone, with the people’s details, ${REFUSED_KEEP_DAYS} days after they were refused.`,
    );
  }
  return h('div', { class: 'notice', id: 'removed-notice', role: 'status' },
    paragraphs.map((text) => h('p', {}, text)),
    h('button', { type: 'button', class: 'button button--secondary', onclick: () => actions.dismissRemovals() },
      'Dismiss this message'));
}

/**
 * @param {HomeView} view
 * @param {HomeActions} actions
 */
export function homeScreen({ draft, entries, removals, online, notice, supervisor }, actions) {
  const inProgress = draft && (draft.person.given_name || draft.person.family_name);
  const waiting = entries.filter((e) => e.state === 'queued').length;
  return h(
    'div',
    {},
    h('h1', { tabindex: '-1' }, 'Referrals'),
    notice === 'referral-ended'
      ? h('div', { class: 'notice', role: 'status', id: 'ended-notice' },
          h('p', {}, 'The referral was ended and what you entered was deleted from this phone. Nothing was sent.'),
          h('p', {}, 'Deal with the offence in the usual way.'))
      : null,
    // a supervisor follows the force's referrals; referring is an officer's
    supervisor ? null : draft && inProgress
      ? h('div', { class: 'card' },
          h('h2', {}, 'Referral in progress'),
          h('p', {}, `${draft.person.given_name} ${draft.person.family_name}`.trim()),
          h('div', { class: 'entry__actions' },
            h('a', { class: 'button button--primary', href: '#/new/person' }, 'Continue the referral'),
            h('button', { type: 'button', class: 'button button--secondary', onclick: () => actions.discardDraft() }, 'Discard it')))
      : h('a', {
          class: 'button button--primary button--start',
          href: '#/new/person',
          id: 'start',
          onclick: (/** @type {Event} */ event) => {
            event.preventDefault();
            actions.startReferral();
          },
        }, 'Start a new referral'),
    h('a', { class: 'button button--secondary', href: '#/referrals' },
      supervisor ? 'The force’s referrals' : 'My referrals'),
    h('h2', { id: 'on-this-phone', tabindex: '-1' }, 'On this phone'),
    removalNotice(removals, actions),
    waiting
      ? h('p', { class: 'hint', role: 'status' }, `${waiting} waiting to send${online ? '' : ' when there is signal'}.`)
      : null,
    outboxList(entries, online, actions),
  );
}
