// Home: start a referral, continue one in progress, and see what is on this phone.

import { formatDay, h } from '../dom.js';
import { MAX_ENCOUNTER_AGE_DAYS, REFUSED_KEEP_DAYS } from '../outbox.js';
import { outboxList } from './outbox-list.js';

/** "A", "A and B", "A, B and C" */
function listOf(items) {
  if (items.length < 2) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Told once: referrals of this officer's that the retention rule took off the phone since they
 * last looked. Names nobody: the person's details are gone with the referral.
 */
function removalNotice(app) {
  if (!app.removals.length) return null;
  app.removalsShown();
  const tooOld = app.removals.filter((note) => note.reason === 'too-old');
  const refused = app.removals.filter((note) => note.reason === 'refused');
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
    h('button', { type: 'button', class: 'button button--secondary', onclick: () => app.dismissRemovals() },
      'Dismiss this message'));
}

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
    h('h2', { id: 'on-this-phone', tabindex: '-1' }, 'On this phone'),
    removalNotice(app),
    waiting
      ? h('p', { class: 'hint', role: 'status' }, `${waiting} waiting to send${app.online ? '' : ' when there is signal'}.`)
      : null,
    outboxList(app.entries, app),
  );
}
