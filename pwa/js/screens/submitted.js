// After submitting: the referral's state, live, until it is sent or refused.

import { h } from '../dom.js';
import { outboxEntry, outcomeText } from './outbox-list.js';

/**
 * @param {import('../outbox.js').Entry | undefined} entry the referral just submitted
 * @param {{online: boolean}} view
 * @param {import('./outbox-list.js').OutboxActions & {startReferral: () => void}} actions
 */
export function submittedScreen(entry, { online }, actions) {
  if (!entry) {
    return h('div', {}, h('h1', { tabindex: '-1' }, 'Referral not on this phone'),
      h('p', {}, 'It may have been removed. Check My referrals.'),
      h('a', { class: 'button button--secondary', href: '#/' }, 'Back to home'));
  }
  /** @type {Record<string, string>} */
  const headings = {
    queued: online ? 'Sending the referral' : 'Saved on this phone',
    sent: 'Referral sent',
    refused: 'Referral not accepted',
  };
  const heading = headings[entry.state];
  return h(
    'div',
    {},
    h('h1', { tabindex: '-1' }, heading),
    entry.state === 'sent'
      ? h('div', { class: 'panel', role: 'status' },
          h('p', { class: 'panel__label' }, 'Reference'),
          h('p', { class: 'panel__reference', id: 'reference' }, entry.reference),
          h('p', {}, 'Note this on the crime record. The drug service will contact the person.'),
          entry.suggested_outcome_code
            ? h('p', { class: 'panel__outcome' }, `Suggested crime outcome: ${outcomeText(entry.suggested_outcome_code)}.`)
            : null)
      : h('ul', { class: 'entries', 'aria-live': 'polite' }, outboxEntry(entry, online, actions, { headingLevel: 'h2' })),
    h('div', { class: 'actions' },
      h('a', {
        class: 'button button--primary',
        href: '#/new/person',
        onclick: (/** @type {Event} */ event) => {
          event.preventDefault();
          actions.startReferral();
        },
      }, 'Start another referral'),
      h('a', { class: 'button button--secondary', href: '#/' }, 'Back to home')),
  );
}
