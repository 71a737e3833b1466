// One of the officer's referrals, from the API (with no signal, as last fetched: js/progress.js):
// who, its reference, its status and outcome, each step with its time as it becomes known, and
// withdrawing it when it was made in error.

import { formatDate, formatDateTime, h, mount } from '../dom.js';
import { FieldKit, errorSummary } from '../fields.js';
import { capitalise } from '../referral.js';
import { ENGAGEMENT_TONE, OUTCOMES, SUBSTANCES, labelOf, stepLabel } from '../vocabulary.js';
import { offlineNotice } from './my-referrals.js';

/** @typedef {import('./my-referrals.js').ReferralOut} ReferralOut */
/** @typedef {import('./my-referrals.js').TimelineStep} TimelineStep */
/** @template T @typedef {import('./my-referrals.js').Fetched<T>} Fetched */

/**
 * @typedef {object} DetailActions
 * @property {(id: string) => Promise<Fetched<ReferralOut>>} loadReferral
 */
/**
 * What the withdrawal form may ask for: the withdrawal itself, sent with `key` as its
 * Idempotency-Key (the same key for every try of one form, so a retry withdraws nothing twice).
 * @typedef {object} WithdrawActions
 * @property {(id: string, body: {reason: string, note?: string}, key: string) => Promise<void>} withdraw
 */

/** Why an officer withdraws a referral: the API's WithdrawalReason. @type {[string, string][]} */
const WITHDRAWAL_REASONS = [
  ['made_in_error', 'Made in error'],
  ['wrong_person', 'The wrong person'],
  ['not_eligible_on_review', 'Not eligible on review'],
  ['duplicate', 'A duplicate of another referral'],
  ['other', 'Another reason'],
];
const NOTE_MAX = 500;

/**
 * The referral's steps, oldest first, as the API gives them (`timeline`), leaving out any the
 * portal cannot read.
 * @param {ReferralOut} referral
 * @returns {TimelineStep[]}
 */
export function timelineOf(referral) {
  const steps = (referral.timeline || []).filter(
    (step) => step && typeof step.status === 'string' && step.at,
  );
  return [...steps].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** @param {ReferralOut} referral */
function isOpen(referral) {
  return !referral.closed_at && !['completed', 'not_engaged', 'withdrawn'].includes(referral.status);
}

/** @param {unknown} error */
function loadFailure(error) {
  if (error instanceof Error && error.name === 'NetworkError') {
    return 'You are offline. The referral shows here when there is signal.';
  }
  if (error instanceof Error && 'status' in error && error.status === 404) {
    return 'There is no referral of yours at this address. It may have been made by another officer.';
  }
  return `Could not load the referral: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * @param {string} id
 * @param {{notice: 'withdrawn' | null}} view
 * @param {DetailActions} actions
 */
export function referralScreen(id, { notice }, actions) {
  const title = h('h1', { tabindex: '-1' }, 'Referral');
  const body = h('div', { id: 'referral', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Loading…'));
  actions.loadReferral(id).then(
    ({ data: referral, fetched_at: fetchedAt, offline }) => {
      title.textContent = `${referral.person.given_name} ${referral.person.family_name}`;
      /** @type {(label: string, value: import('../dom.js').Child) => import('../dom.js').Child[]} */
      const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
      mount(
        body,
        offline ? offlineNotice(fetchedAt, 'the referral') : null,
        notice === 'withdrawn'
          ? h('div', { class: 'notice', role: 'status', id: 'withdrawn-notice' },
              h('p', {}, 'The referral was withdrawn. The drug service closes its case; the person is not barred by it.'))
          : null,
        h('dl', { class: 'facts' },
          row('Reference', h('span', { class: 'mono' }, referral.reference)),
          row('Date of birth', formatDate(referral.person.date_of_birth)),
          row('Status', h('span', { class: `tag tag--${ENGAGEMENT_TONE[referral.engagement] || 'neutral'}` },
            capitalise(referral.engagement))),
          referral.outcome
            ? row('Outcome', `${labelOf(OUTCOMES, referral.outcome)}, ${formatDateTime(referral.closed_at)}`)
            : [],
          row('Substance', labelOf(SUBSTANCES, referral.main_substance))),
        h('h2', {}, 'Progress'),
        h('ol', { class: 'timeline', id: 'timeline' },
          timelineOf(referral).map((step) =>
            h('li', { class: 'timeline__step' },
              h('p', { class: 'timeline__label' }, stepLabel(step.status)),
              h('p', { class: 'timeline__time' }, formatDateTime(step.at))))),
        isOpen(referral) && !offline
          ? h('a', { class: 'button button--secondary', href: `#/referrals/${id}/withdraw` }, 'Withdraw this referral')
          : null,
      );
    },
    (error) => body.replaceChildren(h('p', {}, loadFailure(error))),
  );
  return h(
    'div',
    {},
    h('a', { class: 'back-link', href: '#/referrals' }, 'Back to my referrals'),
    title,
    body,
  );
}

/**
 * Withdraw a referral made in error, saying why. The form's answers are its own until sent.
 * @param {string} id
 * @param {{key: string}} view `key`: the Idempotency-Key for this form's tries
 * @param {WithdrawActions} actions
 */
export function withdrawScreen(id, { key }, actions) {
  /** @type {{reason: string | null, note: string}} */
  const form = { reason: null, note: '' };
  /** @type {Record<string, string>} */
  let errors = {};
  let sending = false;
  const container = h('div', {});

  /** @param {SubmitEvent} event */
  const onSubmit = async (event) => {
    event.preventDefault();
    if (sending) return;
    errors = {};
    if (!form.reason) errors.reason = 'Choose why you are withdrawing it';
    if (form.note.trim().length > NOTE_MAX) errors.note = `Use ${NOTE_MAX} characters or fewer`;
    if (!Object.keys(errors).length && form.reason) {
      sending = true;
      draw();
      const note = form.note.trim();
      try {
        await actions.withdraw(id, { reason: form.reason, ...(note ? { note } : {}) }, key);
        return;
      } catch (error) {
        errors = { withdrawal: withdrawalFailure(error) };
      } finally {
        sending = false;
      }
    }
    draw();
    /** @type {HTMLElement | null} */ (container.querySelector('#error-summary'))?.focus();
  };

  function draw() {
    const kit = new FieldKit({
      draft: form,
      errors,
      onChange: (path, value) => {
        if (path === 'reason') form.reason = typeof value === 'string' ? value : null;
        if (path === 'note') form.note = typeof value === 'string' ? value : '';
      },
    });
    const summary = errorSummary(errors);
    if (summary) summary.id = 'error-summary';
    mount(
      container,
      h('a', { class: 'back-link', href: `#/referrals/${id}` }, 'Back to the referral'),
      h('h1', { tabindex: '-1' }, 'Withdraw the referral'),
      h('p', { class: 'lead' },
        'Withdraw a referral made in error. The drug service closes its case, and the person is not barred by it.'),
      summary,
      h('form', { novalidate: true, onsubmit: onSubmit },
        kit.radios('reason', 'Why are you withdrawing it?', WITHDRAWAL_REASONS),
        kit.text('note', 'Details', {
          optional: true,
          hint: 'For example, which referral this one repeats.',
        }),
        h('div', { class: 'actions' },
          h('button', { type: 'submit', class: 'button button--warning', id: 'withdraw', disabled: sending },
            sending ? 'Withdrawing…' : 'Withdraw the referral'))),
    );
  }

  draw();
  return container;
}

/** @param {unknown} error */
function withdrawalFailure(error) {
  if (error instanceof Error && error.name === 'NetworkError') {
    return 'No connection. The referral was not withdrawn; try again when there is signal.';
  }
  return `The referral was not withdrawn. ${error instanceof Error ? error.message : String(error)}`;
}
