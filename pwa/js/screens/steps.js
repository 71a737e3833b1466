// The referral, one short step at a time, with the eligibility answer explained as it changes.

import { formatDate, formatDateTime, h } from '../dom.js';
import { FieldKit, errorSummary, idFor } from '../fields.js';
import {
  AGREEMENT_QUESTIONS,
  STEPS,
  capitalise,
  evaluateDraft,
  localDateTimeValue,
} from '../referral.js';
import {
  GENDER,
  LANGUAGES,
  OBSERVED_ETHNICITY,
  ORIGIN,
  SELF_DEFINED_ETHNICITY,
  SUBSTANCES,
  UNITS,
  ethnicityLabel,
  labelOf,
} from '../vocabulary.js';

/** @typedef {import('../dom.js').Child} Child */
/** @typedef {import('../eligibility.js').Decision} Decision */
/** @typedef {import('../eligibility.js').RuleSet} RuleSet */
/** @typedef {import('../fields.js').FieldValue} FieldValue */
/** @typedef {import('../referral.js').Draft} Draft */
/** @typedef {import('../referral.js').Errors} Errors */
/** @typedef {import('../referral.js').StepId} StepId */

/**
 * What a step shows.
 * @typedef {object} StepView
 * @property {Readonly<Draft>} draft the draft as it is now; changes go through `changeField`
 * @property {Readonly<Errors>} errors this step's problems, by field path
 * @property {RuleSet | null} ruleSet
 * @property {{code: string, name: string}[]} areas the force's areas
 * @property {boolean} online
 * @property {string} officerName
 */
/**
 * What a step may ask for.
 * @typedef {object} StepActions
 * @property {(path: string, value: FieldValue) => void} changeField record an answer
 * @property {() => void} addSubstance
 * @property {(index: number) => void} removeSubstance
 * @property {(focusId: string | null) => void} redraw draw the step again, focusing an element
 * @property {(stepId: StepId) => void} continueFrom check the step, then go on or show why not
 * @property {() => Promise<void>} submit queue the referral and send it
 * @property {() => void} endReferral the person cannot be referred: delete what was entered
 * @property {() => Promise<{eligible: boolean, reasons: string[]} | null>} checkWithServer
 */
/** @typedef {(kit: FieldKit, view: StepView, actions: StepActions) => Child} StepRenderer */

/** @type {[boolean, string][]} */
const YES_NO = [
  [true, 'Yes'],
  [false, 'No'],
];

/** @param {StepId} stepId */
function stepIndex(stepId) {
  return STEPS.findIndex((s) => s.id === stepId);
}

/** @param {StepId} stepId */
function progress(stepId) {
  const index = stepIndex(stepId);
  return h(
    'div',
    { class: 'progress' },
    h('p', { class: 'progress__text' }, `Step ${index + 1} of ${STEPS.length}`),
    h('div', { class: 'progress__bar', 'aria-hidden': 'true' },
      h('span', { style: `width: ${((index + 1) / STEPS.length) * 100}%` })),
  );
}

/** @param {StepId} stepId */
function backLink(stepId) {
  const index = stepIndex(stepId);
  const target = index === 0 ? '#/' : `#/new/${STEPS[index - 1].id}`;
  return h('a', { class: 'back-link', href: target }, index === 0 ? 'Back to home' : 'Back');
}

/**
 * The live eligibility explanation: a polite live region, updated in place as answers change.
 * The rule set's version is named only where the referral is checked before it is sent.
 * @param {Decision | null} decision
 * @param {{pendingLabel?: string, showVersion?: boolean}} [options]
 */
function decisionPanel(decision, { pendingLabel = 'Answer each question to see the result.', showVersion = false } = {}) {
  if (!decision) {
    return h('div', { class: 'decision decision--pending' }, h('p', {}, pendingLabel));
  }
  if (decision.outcome === 'not_eligible') {
    return h(
      'div',
      { class: 'decision decision--fail' },
      h('p', { class: 'decision__title' }, 'Not eligible for diversion'),
      h('ul', {}, decision.reasons.map((reason) => h('li', {}, capitalise(reason)))),
      h('p', {}, 'Deal with the offence in the usual way. Nothing has been sent.'),
    );
  }
  if (decision.outcome === 'incomplete') {
    return h(
      'div',
      { class: 'decision decision--pending' },
      h('p', { class: 'decision__title' }, 'Eligible so far'),
      h('p', {}, pendingLabel),
    );
  }
  return h(
    'div',
    { class: 'decision decision--pass' },
    h('p', { class: 'decision__title' }, 'Eligible for diversion'),
    h('p', {}, showVersion
      ? `Checked against your force’s eligibility rules, version ${decision.rule_set_version}.`
      : 'The person meets the scheme’s rules so far.'),
  );
}

/**
 * @param {RuleSet} ruleSet
 * @param {Decision | null} decision
 * @param {string} questionId
 * @param {boolean | null | undefined} answer
 */
function questionNote(ruleSet, decision, questionId, answer) {
  if (typeof answer !== 'boolean' || !decision) return null;
  const results = ruleSet.rules
    .map((rule, i) => /** @type {const} */ ([rule, decision.results[i]]))
    .filter(([rule]) => rule.kind === 'answer' && rule.question === questionId);
  const failed = results.find(([, result]) => result.status === 'fail');
  if (failed) {
    return h('p', { class: 'note note--fail' }, capitalise(`not eligible: ${failed[1].explanation}`));
  }
  if (results.length) return h('p', { class: 'note note--pass' }, 'Meets the scheme’s rules');
  return null;
}

// ---- the steps ------------------------------------------------------------------------------

/** @type {Record<StepId, StepRenderer>} */
const RENDER = {
  person(kit) {
    return [
      kit.text('person.given_name', 'First name', { autocomplete: 'off', spellcheck: false }),
      kit.text('person.family_name', 'Last name', { autocomplete: 'off', spellcheck: false }),
      kit.dateParts('person.date_of_birth', 'Date of birth'),
      kit.radios('person.gender', 'Gender', GENDER),
      kit.select(
        'person.self_defined_ethnicity',
        'Ethnic group, as the person describes it',
        SELF_DEFINED_ETHNICITY,
        { hint: 'Ask the person and read the options aloud. Choose "Not stated" if they prefer not to say.' },
      ),
      kit.radios('person.observed_ethnicity', 'Ethnicity you observed (IC code)', OBSERVED_ETHNICITY, {
        hint: 'Your own observation, recorded separately from how the person describes themself.',
      }),
    ];
  },

  contact(kit) {
    return [
      h('p', { class: 'lead' }, 'The drug service will contact the person. Give a phone number or an email, or both.'),
      kit.text('person.phone', 'Phone number', {
        optional: true,
        type: 'tel',
        inputmode: 'tel',
        hint: 'For example 07700 900123',
        width: 'medium',
      }),
      kit.text('person.email', 'Email address', {
        optional: true,
        type: 'email',
        inputmode: 'email',
        spellcheck: false,
      }),
      kit.text('person.postcode', 'Postcode', { optional: true, width: 'short', hint: 'For example B1 1AA' }),
      kit.select('person.preferred_language', 'Preferred language', LANGUAGES),
      h(
        'fieldset',
        { class: 'field fieldset' },
        h('legend', { class: 'legend' }, 'Needs', h('span', { class: 'optional' }, ' (optional)')),
        kit.checkbox('person.interpreter_needed', 'Needs an interpreter'),
        kit.checkbox('person.easy_read', 'Needs easy-read information'),
      ),
    ];
  },

  encounter(kit, { areas }) {
    const areaChoices = areas.map((a) => /** @type {[string, string]} */ ([a.code, a.name]));
    const now = new Date();
    return [
      kit.date('encounter.occurred_at', 'Date and time of the encounter', {
        type: 'datetime-local',
        max: localDateTimeValue(now),
        min: localDateTimeValue(new Date(now.getTime() - 30 * 24 * 3600 * 1000)),
        hint: 'Set to now. Change it if the encounter was earlier.',
      }),
      areaChoices.length <= 6
        ? kit.radios('encounter.area', 'Area', areaChoices)
        : kit.select('encounter.area', 'Area', areaChoices),
      kit.text('encounter.place', 'Place', { optional: true, hint: 'Street or landmark' }),
      kit.radios('encounter.origin', 'How the encounter arose', ORIGIN),
      kit.text('encounter.crime_reference', 'Crime or search reference', {
        optional: true,
        width: 'medium',
        hint: 'Your force’s reference, if you have one',
        spellcheck: false,
      }),
    ];
  },

  substances(kit, { draft }, actions) {
    const rows = draft.substances.map((item, i) => {
      const number = draft.substances.length > 1 ? ` ${i + 1}` : '';
      return h(
        'fieldset',
        { class: 'field fieldset substance', dataset: { field: `substances.${i}` } },
        h('legend', { class: 'legend' }, `Substance${number}`),
        kit.select(`substances.${i}.substance`, 'What was found', SUBSTANCES),
        h(
          'div',
          { class: 'quantity' },
          kit.number(`substances.${i}.estimated_quantity`, 'Estimated quantity', { min: 0, max: 10000 }),
          kit.select(`substances.${i}.unit`, 'Unit', UNITS),
        ),
        item.substance === 'other'
          ? kit.text(`substances.${i}.description`, 'What it appeared to be', { optional: true })
          : null,
        draft.substances.length > 1
          ? h(
              'button',
              {
                type: 'button',
                class: 'button button--secondary',
                onclick: () => {
                  actions.removeSubstance(i);
                  actions.redraw('add-substance');
                },
              },
              `Remove substance${number}`,
            )
          : null,
      );
    });
    const found = draft.substances
      .filter((s) => s.substance)
      .map((s) => /** @type {[string, string]} */ ([s.substance, labelOf(SUBSTANCES, s.substance)]));
    return [
      h('p', { class: 'lead' }, 'Add each substance found, with your estimate of the amount.'),
      rows,
      draft.substances.length < SUBSTANCES.length
        ? h(
            'button',
            {
              type: 'button',
              id: 'add-substance',
              class: 'button button--secondary',
              onclick: () => {
                actions.addSubstance();
                actions.redraw(idFor(`substances.${draft.substances.length - 1}.substance`));
              },
            },
            'Add another substance',
          )
        : null,
      found.length > 1
        ? kit.radios('main_substance', 'Main substance', found, {
            hint: 'The one the intervention should focus on.',
          })
        : null,
    ];
  },

  eligibility(kit, { ruleSet, draft }) {
    if (!ruleSet) {
      return [h('div', { class: 'decision decision--fail' }, h('p', {}, 'The eligibility rules are not on this phone yet. Connect to the network once and reopen the app.'))];
    }
    const decision = evaluateDraft(ruleSet, draft);
    const ageRules = ruleSet.rules
      .map((rule, i) => /** @type {const} */ ([rule, decision?.results[i]]))
      .filter(([rule]) => rule.kind === 'age');
    // said only of an age worked out from a date of birth and an encounter day
    const ageNotes = ageRules.map(([rule, result]) =>
      !result
        ? null
        : result.status === 'fail'
          ? h('p', { class: 'note note--fail' }, capitalise(`not eligible: ${result.explanation}`))
          : h('p', { class: 'note note--pass' }, `Age on the day: within the scheme’s limits (${rule.reason}).`),
    );
    const questions = ruleSet.questions.filter((q) => !AGREEMENT_QUESTIONS.includes(q.id));
    return [
      h('p', { class: 'lead' }, 'The result updates as you answer.'),
      h('div', { class: 'age-notes' }, ageNotes),
      questions.map((question) =>
        kit.radios(`answers.${question.id}`, question.text, YES_NO, {
          inline: true,
          hint: question.help,
          note: h('div', { class: 'live-note', dataset: { question: question.id } },
            questionNote(ruleSet, decision, question.id, draft.answers[question.id])),
        }),
      ),
      h('div', { id: 'decision', class: 'decision-region', role: 'status', 'aria-live': 'polite' },
        decisionPanel(decision, { pendingLabel: 'Answer each question; the person’s agreement comes next.' })),
    ];
  },

  agreement(kit, { ruleSet, draft, officerName }) {
    /** @type {(id: string, fallback: string) => string} */
    const text = (id, fallback) => ruleSet?.questions.find((q) => q.id === id)?.text || fallback;
    const decision = evaluateDraft(ruleSet, draft);
    return [
      h(
        'div',
        { class: 'inset' },
        h('p', { class: 'inset__title' }, 'Read this to the person'),
        h('p', {}, 'Instead of being arrested, you can take part in a drug education and support programme. A drug service worker will phone you in the next few days for a confidential conversation, then offer you a session.'),
        h('p', {}, 'Taking part is your choice. If you agree and then do not take part, you may not be offered this again for a period.'),
        h('p', {}, 'To arrange it, we share your name and contact details with the drug service.'),
      ),
      kit.radios('agreement.agrees_to_engage', text('agrees_to_engage', 'Does the person agree to engage?'), YES_NO, { inline: true }),
      kit.radios('agreement.consents_to_share_contact', text('consents_to_share_contact', 'Does the person agree to share their contact details?'), YES_NO, { inline: true }),
      h('p', { class: 'hint', id: 'recorded' },
        draft.agreement.recorded_at
          ? `Recorded ${formatDateTime(draft.agreement.recorded_at)} by ${officerName || 'you'}.`
          : 'The time and your name are recorded with the answers.'),
      h('div', { id: 'decision', class: 'decision-region', role: 'status', 'aria-live': 'polite' },
        decisionPanel(decision?.outcome === 'not_eligible' || decision?.outcome === 'eligible' ? decision : null)),
    ];
  },

  review(kit, { draft, areas, ruleSet, online }) {
    const p = draft.person;
    const e = draft.encounter;
    const areaName = areas.find((a) => a.code === e.area)?.name || e.area;
    /** @type {(label: string, value: Child) => Child[]} */
    const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || h('span', { class: 'muted' }, 'Not given'))];
    /** @type {(title: string, stepId: StepId, rows: Child[]) => HTMLElement} */
    const section = (title, stepId, rows) =>
      h(
        'section',
        { class: 'summary' },
        h('div', { class: 'summary__head' },
          h('h2', {}, title),
          h('a', { href: `#/new/${stepId}`, class: 'summary__change' }, 'Change', h('span', { class: 'visually-hidden' }, ` ${title.toLowerCase()}`))),
        h('dl', {}, rows),
      );
    /** @param {boolean | null | undefined} value */
    const yesNo = (value) => (value === true ? 'Yes' : value === false ? 'No' : 'Not answered');
    const needs = [p.interpreter_needed && 'Interpreter', p.easy_read && 'Easy read'].filter(Boolean).join(', ') || 'None';
    return [
      section('The person', 'person', [
        row('Name', `${p.given_name} ${p.family_name}`),
        row('Date of birth', formatDate(p.date_of_birth)),
        row('Gender', labelOf(GENDER, p.gender)),
        row('Ethnic group (self-defined)', `${p.self_defined_ethnicity} – ${ethnicityLabel(p.self_defined_ethnicity)}`),
        row('Observed', labelOf(OBSERVED_ETHNICITY, p.observed_ethnicity)),
      ]),
      section('Contact and needs', 'contact', [
        row('Phone', p.phone),
        row('Email', p.email),
        row('Postcode', p.postcode?.toUpperCase()),
        row('Language', labelOf(LANGUAGES, p.preferred_language)),
        row('Needs', needs),
      ]),
      section('The encounter', 'encounter', [
        row('When', formatDateTime(new Date(e.occurred_at).toISOString())),
        row('Area', areaName),
        row('Place', e.place),
        row('How it arose', labelOf(ORIGIN, e.origin)),
        row('Reference', e.crime_reference),
      ]),
      section('Substances found', 'substances', [
        draft.substances.map((s) =>
          row(labelOf(SUBSTANCES, s.substance), `${s.estimated_quantity} ${labelOf(UNITS, s.unit)}${s.description ? ` (${s.description})` : ''}`),
        ),
        draft.substances.length > 1 ? row('Main substance', labelOf(SUBSTANCES, draft.main_substance || draft.substances[0].substance)) : null,
      ]),
      section('Eligibility', 'eligibility',
        (ruleSet?.questions || []).filter((q) => !AGREEMENT_QUESTIONS.includes(q.id)).map((q) => row(q.text, yesNo(draft.answers[q.id])))),
      section('Agreement and consent', 'agreement', [
        row('Agrees to engage', yesNo(draft.agreement.agrees_to_engage)),
        row('Agrees to share contact details', yesNo(draft.agreement.consents_to_share_contact)),
        row('Recorded', draft.agreement.recorded_at ? formatDateTime(draft.agreement.recorded_at) : ''),
      ]),
      h('div', { id: 'decision', class: 'decision-region', role: 'status', 'aria-live': 'polite' },
        decisionPanel(evaluateDraft(ruleSet, draft), { showVersion: true }),
        h('p', { id: 'server-check', class: 'hint' },
          online
            ? 'Checking with your force’s records…'
            : 'Checked on this phone. Whether the person is barred after an earlier referral is checked when the referral is sent.')),
    ];
  },
};


/**
 * The screen for one step. Field changes are recorded (and the draft saved to this tab) at once
 * and the live explanations updated in place; only structural changes (a substance added or
 * chosen) draw the step again.
 * @param {StepId} stepId
 * @param {StepView} view
 * @param {StepActions} actions
 */
export function stepScreen(stepId, view, actions) {
  const step = STEPS[stepIndex(stepId)];
  const { draft, errors, ruleSet } = view;
  const container = h('div', { class: 'step' });

  /** @type {import('../fields.js').ChangeHandler} */
  const onChange = (path, value) => {
    actions.changeField(path, value);
    if (path.startsWith('agreement.')) {
      // the agreement is recorded at the moment both answers are given (or changed)
      const note = container.querySelector('#recorded');
      const recorded = draft.agreement.recorded_at;
      if (note && recorded) note.textContent = `Recorded ${formatDateTime(recorded)} by ${view.officerName || 'you'}.`;
    }
    if (path.startsWith('substances.') && path.endsWith('.substance')) {
      actions.redraw(idFor(path));
      return;
    }
    updateLive();
  };

  const kit = new FieldKit({ draft, errors, onChange });

  function updateLive() {
    const region = container.querySelector('#decision');
    if (!region || !ruleSet) return;
    const decision = evaluateDraft(ruleSet, draft);
    container.querySelector('#step-actions')?.replaceChildren(...stepButtons());
    if (stepId === 'eligibility') {
      region.replaceChildren(decisionPanel(decision, { pendingLabel: 'Answer each question; the person’s agreement comes next.' }));
      for (const slot of container.querySelectorAll('.live-note')) {
        const id = /** @type {HTMLElement} */ (slot).dataset.question || '';
        slot.replaceChildren(questionNote(ruleSet, decision, id, draft.answers[id]) || '');
      }
    } else if (stepId === 'agreement') {
      const settled = decision && (decision.outcome === 'not_eligible' || decision.outcome === 'eligible');
      region.replaceChildren(decisionPanel(settled ? decision : null));
    }
  }

  /** @param {SubmitEvent} event */
  const onSubmit = async (event) => {
    event.preventDefault();
    if (stepId === 'review') await actions.submit();
    else actions.continueFrom(stepId);
  };

  const summary = errorSummary(errors);
  if (summary) summary.id = 'error-summary';
  const isReview = stepId === 'review';
  const submitLabel = isReview
    ? view.online
      ? 'Submit referral'
      : 'Save on this phone and send when online'
    : 'Continue';

  /**
   * Continue, or, once the answers say the person is not eligible, the end of the referral:
   * pressing Continue would only show the same reason again.
   */
  function stepButtons() {
    const decision = ruleSet && ENDS_HERE.includes(stepId) ? evaluateDraft(ruleSet, draft) : null;
    if (decision?.outcome === 'not_eligible') return endButtons(actions);
    return [h('button', { type: 'submit', class: 'button button--primary', id: 'continue' }, submitLabel)];
  }

  container.replaceChildren(
  h('div', {},
    backLink(stepId),
    progress(stepId),
    h('h1', { tabindex: '-1', id: 'page-title' }, step.title),
    stepId === 'person' ? h('p', { class: 'hint' }, 'All questions are required unless marked optional.') : null,
    summary,
    h(
      'form',
      { novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'page-title' },
      RENDER[stepId](kit, view, actions),
      h('div', { class: 'actions', id: 'step-actions' }, stepButtons()),
    ),
    isReview && !view.online
      ? h('p', { class: 'hint' }, 'You are offline. The referral is kept safely on this phone and sent automatically, once, when there is signal.')
      : null,
  ));
  if (isReview) showServerCheck(container, actions);
  return container;
}

/** The steps whose answers can show the person is not eligible. */
const ENDS_HERE = ['eligibility', 'agreement'];

/**
 * What a step offers when the person is not eligible: to end the referral, deleting what was
 * entered (and, above it, the answers stay open to correct a mistake).
 * @param {StepActions} actions
 */
function endButtons(actions) {
  return [
    h('p', { class: 'hint', id: 'end-hint' },
      'Ending the referral deletes what you entered from this phone. If an answer was recorded wrongly, change it above.'),
    h('button', {
      type: 'button',
      class: 'button button--primary',
      id: 'end-referral',
      'aria-describedby': 'end-hint',
      onclick: () => actions.endReferral(),
    }, 'End the referral'),
  ];
}

/**
 * Ask the server's decision and show it in place of "Checking…".
 * @param {HTMLElement} container
 * @param {StepActions} actions
 */
async function showServerCheck(container, actions) {
  const decision = await actions.checkWithServer();
  const note = container.querySelector('#server-check');
  if (!note || !container.isConnected) return;
  if (!decision) {
    note.textContent = 'Checked on this phone. Whether the person is barred after an earlier referral is checked when the referral is sent.';
  } else if (decision.eligible) {
    note.textContent = 'Checked with your force’s records: eligible.';
  } else {
    note.replaceWith(
      h('div', { id: 'server-check', class: 'decision decision--fail' },
        h('p', { class: 'decision__title' }, 'Not eligible for diversion'),
        h('ul', {}, decision.reasons.map((r) => h('li', {}, capitalise(r)))),
        h('p', {}, 'Deal with the offence in the usual way. Nothing has been sent.')),
    );
    container.querySelector('#step-actions')?.replaceChildren(...endButtons(actions));
  }
}
