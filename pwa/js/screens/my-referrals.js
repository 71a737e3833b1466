// The officer's referrals (a supervisor: the force's), with how far each person got: the status,
// the outcome and each step with its time. From the API, and with no signal, as last fetched
// (js/progress.js).

import { formatDateTime, h } from '../dom.js';
import { ENGAGEMENT_TONE, REFERRAL_STATUSES, SUBSTANCES, labelOf, stepLabel } from '../vocabulary.js';
import { timelineOf } from './referral-detail.js';

/** A step of a referral and when it happened. @typedef {{status: string, at: string}} TimelineStep */
/**
 * A referral as GET /v1/referrals/{id} gives it to an officer (only what the portal reads).
 * @typedef {object} ReferralOut
 * @property {string} id
 * @property {string} reference
 * @property {string} status
 * @property {string} engagement
 * @property {string | null} outcome
 * @property {string} submitted_at
 * @property {string | null} closed_at
 * @property {{given_name: string, family_name: string, date_of_birth: string}} person
 * @property {string} main_substance
 * @property {TimelineStep[]} timeline each step reached with its time, in step order
 */
/**
 * What the API answered, and when; `offline`: it could not be reached, so this is what it
 * answered when last asked.
 * @template T
 * @typedef {{data: T, fetched_at: string, offline: boolean}} Fetched
 */
/**
 * @typedef {object} ListActions
 * @property {(status: string) => Promise<Fetched<{items: ReferralOut[]}>>} loadReferrals
 */

/** The filter chosen last, kept while the app is open so "back" returns to the same list. */
let chosenStatus = '';

/**
 * A notice that what is shown is as last fetched, and when.
 * @param {string} fetchedAt
 * @param {string} what
 */
export function offlineNotice(fetchedAt, what) {
  return h('div', { class: 'notice', role: 'status', id: 'offline-notice' },
    h('p', {}, `You are offline. This is ${what} as it was at ${formatDateTime(fetchedAt)}.`));
}

/** @param {ReferralOut} item */
function entryOf(item) {
  return h('li', { class: 'entry', dataset: { reference: item.reference } },
    h('div', { class: 'entry__head' },
      h('h2', { class: 'entry__title' },
        h('a', { class: 'entry__link', href: `#/referrals/${item.id}` },
          `${item.person.given_name} ${item.person.family_name}`)),
      h('span', { class: `tag tag--${ENGAGEMENT_TONE[item.engagement] || 'neutral'}` }, item.engagement)),
    h('p', { class: 'mono' }, item.reference),
    h('p', { class: 'hint' }, `${labelOf(SUBSTANCES, item.main_substance)}.`),
    h('ol', { class: 'steps', 'aria-label': 'Progress' },
      timelineOf(item).map((step) =>
        h('li', { class: 'steps__step' },
          h('span', { class: 'steps__label' }, stepLabel(step.status)),
          ' ',
          h('span', { class: 'steps__time' }, formatDateTime(step.at))))));
}

/**
 * @param {{supervisor: boolean}} view a supervisor sees the force's referrals
 * @param {ListActions} actions
 */
export function myReferralsScreen({ supervisor }, actions) {
  const list = h('div', { id: 'my-referrals', 'aria-live': 'polite' });
  const title = supervisor ? 'The force’s referrals' : 'My referrals';

  /** @param {string} status */
  const load = (status) => {
    list.replaceChildren(h('p', { class: 'hint' }, 'Loading…'));
    actions.loadReferrals(status).then(
      ({ data, fetched_at: fetchedAt, offline }) => {
        if (status !== chosenStatus) return; // another filter was chosen meanwhile
        const notice = offline ? offlineNotice(fetchedAt, 'the list') : null;
        if (!data.items.length) {
          list.replaceChildren(...[notice, h('p', {}, status
            ? 'No referrals with this status.'
            : supervisor ? 'Your force has no referrals yet.' : 'You have not made any referrals yet.')]
            .filter((child) => child !== null));
          return;
        }
        list.replaceChildren(...[notice, h('ul', { class: 'entries' }, data.items.map(entryOf))]
          .filter((child) => child !== null));
      },
      (error) => {
        list.replaceChildren(
          h('p', {}, error.name === 'NetworkError'
            ? 'You are offline. The referrals show here when there is signal.'
            : `Could not load the referrals: ${error.message}`),
        );
      },
    );
  };

  const filter = h('select', {
    id: 'status-filter',
    class: 'select',
    onchange: (/** @type {Event} */ event) => {
      chosenStatus = /** @type {HTMLSelectElement} */ (event.target).value;
      load(chosenStatus);
    },
  },
  h('option', { value: '' }, 'Every status'),
  REFERRAL_STATUSES.map(([value, label]) =>
    h('option', { value, selected: value === chosenStatus }, label)));
  load(chosenStatus);

  return h(
    'div',
    {},
    h('a', { class: 'back-link', href: '#/' }, 'Back to home'),
    h('h1', { tabindex: '-1' }, title),
    h('p', { class: 'lead' }, supervisor
      ? 'Your force’s referrals and how far each person has got with the drug service, newest first.'
      : 'Your recent referrals and how far each person has got with the drug service. Open one to see its progress or to withdraw it.'),
    h('div', { class: 'field' },
      h('label', { class: 'label', for: 'status-filter' }, 'Show'),
      filter),
    list,
  );
}
