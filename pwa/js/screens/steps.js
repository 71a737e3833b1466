// The referral, one short step at a time, with the eligibility answer explained as it changes.

import { formatDate, formatDateTime, h } from '../dom.js';
import { FieldKit, errorSummary, idFor } from '../fields.js';
import {
  AGREEMENT_QUESTIONS,
  STEPS,
  capitalise,
  evaluateDraft,
  localDateTimeValue,
  localDateValue,
  validateStep,
} from '../referral.js';
import {
  GENDER,
  LANGUAGES,
  OBSERVED_ETHNICITY,
  ORIGIN,
  SELF_DEFINED_ETHNICITY,
  SUBSTANCES,
  UNITS,
  USUAL_UNIT,
  ethnicityLabel,
  labelOf,
} from '../vocabulary.js';

const YES_NO = [
  [true, 'Yes'],
  [false, 'No'],
];

function stepIndex(stepId) {
  return STEPS.findIndex((s) => s.id === stepId);
}

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

function backLink(app, stepId) {
  const index = stepIndex(stepId);
  const target = index === 0 ? '#/' : `#/new/${STEPS[index - 1].id}`;
  return h('a', { class: 'back-link', href: target }, index === 0 ? 'Back to home' : 'Back');
}

/** The live eligibility explanation: a polite live region, updated in place as answers change. */
function decisionPanel(decision, { pendingLabel = 'Answer each question to see the result.' } = {}) {
  if (!decision) {
    return h('div', { class: 'decision decision--pending' }, h('p', {}, pendingLabel));
  }
  if (decision.outcome === 'not_eligible') {
    return h(
      'div',
      { class: 'decision decision--fail' },
      h('p', { class: 'decision__title' }, 'Not eligible for diversion'),
      h('ul', {}, decision.reasons.map((reason) => h('li', {}, capitalise(reason)))),
      h('p', {}, 'Deal with the offence in the usual way. Nothing has been saved.'),
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
    h('p', {}, `Checked against rule set ${decision.rule_set_version}.`),
  );
}

function questionNote(ruleSet, decision, questionId, answer) {
  if (typeof answer !== 'boolean' || !decision) return null;
  const results = ruleSet.rules
    .map((rule, i) => [rule, decision.results[i]])
    .filter(([rule]) => rule.kind === 'answer' && rule.question === questionId);
  const failed = results.find(([, result]) => result.status === 'fail');
  if (failed) {
    return h('p', { class: 'note note--fail' }, capitalise(`not eligible: ${failed[1].explanation}`));
  }
  if (results.length) return h('p', { class: 'note note--pass' }, 'Meets the scheme’s rules');
  return null;
}

// ---- the steps ------------------------------------------------------------------------------

const RENDER = {
  person(kit) {
    const today = localDateValue(new Date());
    const earliest = `${Number(today.slice(0, 4)) - 120}${today.slice(4)}`;
    return [
      kit.text('person.given_name', 'First name', { autocomplete: 'off', spellcheck: false }),
      kit.text('person.family_name', 'Last name', { autocomplete: 'off', spellcheck: false }),
      kit.date('person.date_of_birth', 'Date of birth', { min: earliest, max: today }),
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

  encounter(kit, app) {
    const areas = app.force?.areas || [];
    const areaChoices = areas.map((a) => [a.code, a.name]);
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

  substances(kit, app, rerender) {
    const draft = app.draft;
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
                  draft.substances.splice(i, 1);
                  if (!draft.substances.some((s) => s.substance === draft.main_substance)) {
                    draft.main_substance = null;
                  }
                  rerender('add-substance');
                },
              },
              `Remove substance${number}`,
            )
          : null,
      );
    });
    const found = draft.substances.filter((s) => s.substance).map((s) => [s.substance, labelOf(SUBSTANCES, s.substance)]);
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
                draft.substances.push({ substance: null, estimated_quantity: '', unit: null, description: '' });
                rerender(idFor(`substances.${draft.substances.length - 1}.substance`));
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

  eligibility(kit, app) {
    const { ruleSet, draft } = app;
    if (!ruleSet) {
      return [h('div', { class: 'decision decision--fail' }, h('p', {}, 'The eligibility rules are not on this phone yet. Connect to the network once and reopen the app.'))];
    }
    const decision = evaluateDraft(ruleSet, draft);
    const ageRules = ruleSet.rules
      .map((rule, i) => [rule, decision?.results[i]])
      .filter(([rule]) => rule.kind === 'age');
    const ageNotes = ageRules.map(([rule, result]) =>
      result?.status === 'fail'
        ? h('p', { class: 'note note--fail' }, capitalise(`not eligible: ${result.explanation}`))
        : h('p', { class: 'note note--pass' }, `Age on the day: within the scheme’s limits (${rule.reason}).`),
    );
    const questions = ruleSet.questions.filter((q) => !AGREEMENT_QUESTIONS.includes(q.id));
    return [
      h('p', { class: 'lead' }, `Rule set ${ruleSet.version}. The result updates as you answer.`),
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

  agreement(kit, app) {
    const { ruleSet, draft, session } = app;
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
          ? `Recorded ${formatDateTime(draft.agreement.recorded_at)} by ${session?.name || 'you'}.`
          : 'The time and your name are recorded with the answers.'),
      h('div', { id: 'decision', class: 'decision-region', role: 'status', 'aria-live': 'polite' },
        decisionPanel(decision?.outcome === 'not_eligible' || decision?.outcome === 'eligible' ? decision : null)),
    ];
  },

  review(kit, app) {
    const { draft, force } = app;
    const p = draft.person;
    const e = draft.encounter;
    const areaName = force?.areas.find((a) => a.code === e.area)?.name || e.area;
    const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || h('span', { class: 'muted' }, 'Not given'))];
    const section = (title, stepId, rows) =>
      h(
        'section',
        { class: 'summary' },
        h('div', { class: 'summary__head' },
          h('h2', {}, title),
          h('a', { href: `#/new/${stepId}`, class: 'summary__change' }, 'Change', h('span', { class: 'visually-hidden' }, ` ${title.toLowerCase()}`))),
        h('dl', {}, rows),
      );
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
        (app.ruleSet?.questions || []).filter((q) => !AGREEMENT_QUESTIONS.includes(q.id)).map((q) => row(q.text, yesNo(draft.answers[q.id])))),
      section('Agreement and consent', 'agreement', [
        row('Agrees to engage', yesNo(draft.agreement.agrees_to_engage)),
        row('Agrees to share contact details', yesNo(draft.agreement.consents_to_share_contact)),
        row('Recorded', draft.agreement.recorded_at ? formatDateTime(draft.agreement.recorded_at) : ''),
      ]),
      h('div', { id: 'decision', class: 'decision-region', role: 'status', 'aria-live': 'polite' },
        decisionPanel(evaluateDraft(app.ruleSet, draft)),
        h('p', { id: 'server-check', class: 'hint' },
          app.online
            ? 'Checking with your force’s records…'
            : 'Checked on this phone. Whether the person is barred after an earlier referral is checked when the referral is sent.')),
    ];
  },
};


/**
 * The screen for one step. Field changes update the draft (saved to this tab at once) and the
 * live explanations in place; only structural changes (a substance added) re-render the step.
 */
export function stepScreen(app, stepId) {
  const step = STEPS[stepIndex(stepId)];
  const errors = app.stepErrors[stepId] || {};
  const container = h('div', { class: 'step' });

  const rerender = (focusId) => {
    app.navigate(`#/new/${stepId}`, { replace: true, focusId });
  };

  const onChange = (path) => {
    if (path.startsWith('agreement.')) {
      // the agreement is recorded at the moment both answers are given (or changed)
      const a = app.draft.agreement;
      a.recorded_at = typeof a.agrees_to_engage === 'boolean' && typeof a.consents_to_share_contact === 'boolean'
        ? new Date().toISOString()
        : null;
      const note = container.querySelector('#recorded');
      if (note && a.recorded_at) note.textContent = `Recorded ${formatDateTime(a.recorded_at)} by ${app.session?.name || 'you'}.`;
    }
    if (path.startsWith('substances.') && path.endsWith('.substance')) {
      const index = Number(path.split('.')[1]);
      const item = app.draft.substances[index];
      if (item.substance && !item.unit) item.unit = USUAL_UNIT[item.substance];
      app.saveDraft();
      rerender(idFor(path));
      return;
    }
    app.saveDraft();
    updateLive();
  };

  const kit = new FieldKit({ draft: app.draft, errors, onChange });

  function updateLive() {
    const region = container.querySelector('#decision');
    if (!region || !app.ruleSet) return;
    const decision = evaluateDraft(app.ruleSet, app.draft);
    if (stepId === 'eligibility') {
      region.replaceChildren(decisionPanel(decision, { pendingLabel: 'Answer each question; the person’s agreement comes next.' }));
      for (const slot of container.querySelectorAll('.live-note')) {
        const id = slot.dataset.question;
        slot.replaceChildren(questionNote(app.ruleSet, decision, id, app.draft.answers[id]) || '');
      }
    } else if (stepId === 'agreement') {
      const settled = decision && (decision.outcome === 'not_eligible' || decision.outcome === 'eligible');
      region.replaceChildren(decisionPanel(settled ? decision : null));
    }
  }

  const onSubmit = async (event) => {
    event.preventDefault();
    if (stepId === 'review') {
      await app.submitDraft();
      return;
    }
    const problems = validateStep(stepId, app.draft, {
      ruleSet: app.ruleSet,
      areas: app.force?.areas || [],
      now: new Date(),
    });
    if (Object.keys(problems).length) {
      app.stepErrors[stepId] = problems;
      app.navigate(`#/new/${stepId}`, { replace: true, focusId: 'error-summary' });
      return;
    }
    delete app.stepErrors[stepId];
    app.navigate(`#/new/${STEPS[stepIndex(stepId) + 1].id}`);
  };

  const summary = errorSummary(errors);
  if (summary) summary.id = 'error-summary';
  const isReview = stepId === 'review';
  const submitLabel = isReview
    ? app.online
      ? 'Submit referral'
      : 'Save on this phone and send when online'
    : 'Continue';

  container.replaceChildren(
  h('div', {},
    backLink(app, stepId),
    progress(stepId),
    h('h1', { tabindex: '-1' }, step.title),
    stepId === 'person' ? h('p', { class: 'hint' }, 'All questions are required unless marked optional.') : null,
    summary,
    h(
      'form',
      { novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'page-title' },
      RENDER[stepId](kit, app, rerender),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'button button--primary', id: 'continue' }, submitLabel)),
    ),
    isReview && !app.online
      ? h('p', { class: 'hint' }, 'You are offline. The referral is kept safely on this phone and sent automatically, once, when there is signal.')
      : null,
  ));
  container.querySelector('h1').id = 'page-title';
  if (isReview) app.checkWithServer(container);
  return container;
}
