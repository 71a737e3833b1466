// My referrals: what happened next, from the API. Never stored on the phone.

import { formatDateTime, h } from '../dom.js';
import { ENGAGEMENT_TONE, SUBSTANCES, labelOf } from '../vocabulary.js';

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
 * @property {TimelineStep[]} [timeline] each step with its time, where the API gives them
 */

/**
 * @param {{loadMyReferrals: () => Promise<{items: ReferralOut[]}>}} actions
 */
export function myReferralsScreen(actions) {
  const list = h('div', { id: 'my-referrals', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Loading…'));
  actions.loadMyReferrals().then(
    (page) => {
      if (!page.items.length) {
        list.replaceChildren(h('p', {}, 'You have not made any referrals yet.'));
        return;
      }
      list.replaceChildren(
        h('ul', { class: 'entries' },
          page.items.map((item) =>
            h('li', { class: 'entry', dataset: { reference: item.reference } },
              h('div', { class: 'entry__head' },
                h('h2', { class: 'entry__title' },
                  h('a', { class: 'entry__link', href: `#/referrals/${item.id}` },
                    `${item.person.given_name} ${item.person.family_name}`)),
                h('span', { class: `tag tag--${ENGAGEMENT_TONE[item.engagement] || 'neutral'}` }, item.engagement)),
              h('p', { class: 'mono' }, item.reference),
              h('p', { class: 'hint' }, `${labelOf(SUBSTANCES, item.main_substance)}. Referred ${formatDateTime(item.submitted_at)}.`)))),
      );
    },
    (error) => {
      list.replaceChildren(
        h('p', {}, error.name === 'NetworkError'
          ? 'You are offline. Your referrals’ progress shows here when there is signal.'
          : `Could not load your referrals: ${error.message}`),
      );
    },
  );
  return h(
    'div',
    {},
    h('a', { class: 'back-link', href: '#/' }, 'Back to home'),
    h('h1', { tabindex: '-1' }, 'My referrals'),
    h('p', { class: 'lead' }, 'Your recent referrals and whether the person has engaged with the drug service. Open one to see its progress or to withdraw it.'),
    list,
  );
}
