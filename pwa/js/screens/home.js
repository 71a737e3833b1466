// Home: start a referral, continue one in progress, and see what is on this phone.

import { h } from '../dom.js';
import { outboxList } from './outbox-list.js';

export function homeScreen(app) {
  const draft = app.draft;
  const inProgress = draft && (draft.person.given_name || draft.person.family_name);
  const waiting = app.entries.filter((e) => e.state === 'queued').length;
  return h(
    'div',
    {},
    h('h1', { tabindex: '-1' }, 'Referrals'),
    inProgress
      ? h('div', { class: 'card' },
          h('h2', {}, 'Referral in progress'),
          h('p', {}, `${draft.person.given_name} ${draft.person.family_name}`.trim()),
          h('div', { class: 'entry__actions' },
            h('a', { class: 'button button--primary', href: '#/new/person' }, 'Continue the referral'),
            h('button', { type: 'button', class: 'button button--secondary', onclick: () => app.discardDraft() }, 'Discard it')))
      : h('a', {
          class: 'button button--primary button--start',
          href: '#/new/person',
          id: 'start',
          onclick: (event) => {
            event.preventDefault();
            app.startReferral();
          },
        }, 'Start a new referral'),
    h('a', { class: 'button button--secondary', href: '#/referrals' }, 'My referrals'),
    h('h2', {}, 'On this phone'),
    waiting
      ? h('p', { class: 'hint', role: 'status' }, `${waiting} waiting to send${app.online ? '' : ' when there is signal'}.`)
      : null,
    outboxList(app.entries, app),
  );
}
