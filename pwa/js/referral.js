// The referral being made: the draft the form edits, its checks, and the JSON the API takes.
//
// The draft mirrors the API's ReferralIn (services/referral-api/.../referrals/schemas.py) so a
// field's path is the same in both, and the checks here mirror the server's so the officer
// meets a problem at the scene, beside the field, rather than later in the outbox. The server
// checks everything again; these checks only save a round trip.

import { evaluate } from './eligibility.js';
import { setPath } from './fields.js';
import { USUAL_UNIT } from './vocabulary.js';

/** @typedef {import('./eligibility.js').RuleSet} RuleSet */
/** @typedef {import('./eligibility.js').Decision} Decision */
/** @typedef {import('./eligibility.js').Answers} Answers */

/**
 * The person as the form holds them: text as typed, codes null until chosen.
 * @typedef {object} DraftPerson
 * @property {string} given_name
 * @property {string} family_name
 * @property {string} date_of_birth YYYY-MM-DD, or '' until the parts make a real date
 * @property {DateParts} date_of_birth_parts the date as typed, day, month and year
 * @property {string | null} gender
 * @property {string | null} self_defined_ethnicity
 * @property {string | null} observed_ethnicity
 * @property {string} phone
 * @property {string} email
 * @property {string} postcode
 * @property {string} preferred_language
 * @property {boolean} interpreter_needed
 * @property {boolean} easy_read
 */
/** A date as a person says it, typed in three fields. @typedef {{day: string, month: string, year: string}} DateParts */
/**
 * @typedef {object} DraftEncounter
 * @property {string} occurred_at the value of a datetime-local input, on the phone's clock
 * @property {string | null} area
 * @property {string} place
 * @property {string | null} origin
 * @property {string} crime_reference
 */
/**
 * @typedef {object} DraftSubstance
 * @property {string | null} substance
 * @property {string} estimated_quantity as typed
 * @property {string | null} unit
 * @property {string} description
 */
/**
 * @typedef {object} DraftAgreement
 * @property {boolean | null} agrees_to_engage
 * @property {boolean | null} consents_to_share_contact
 * @property {string | null} recorded_at
 */
/**
 * The referral being made, shaped like the API's ReferralIn so that field paths match.
 * @typedef {object} Draft
 * @property {DraftPerson} person
 * @property {DraftEncounter} encounter
 * @property {DraftSubstance[]} substances
 * @property {string | null} main_substance
 * @property {Answers} answers
 * @property {DraftAgreement} agreement
 * @property {string | null} replaces a refused outbox entry this draft corrects
 */
/** @typedef {import('./outbox.js').ReferralBody} ReferralBody */
/** Messages by field path ('eligibility' for the decision itself). @typedef {Record<string, string>} Errors */
/** A step's id: person, contact, encounter, substances, eligibility, agreement or review. @typedef {string} StepId */
/**
 * What the checks need besides the draft.
 * @typedef {object} CheckContext
 * @property {RuleSet | null} [ruleSet]
 * @property {{code: string, name: string}[]} [areas]
 * @property {Date} [now]
 */

/** Questions of the rule set that the person answers in the agreement step. */
export const AGREEMENT_QUESTIONS = ['agrees_to_engage', 'consents_to_share_contact'];

export const STEPS = [
  { id: 'person', title: 'The person' },
  { id: 'contact', title: 'Contact and needs' },
  { id: 'encounter', title: 'The encounter' },
  { id: 'substances', title: 'Substances found' },
  { id: 'eligibility', title: 'Eligibility' },
  { id: 'agreement', title: 'Agreement and consent' },
  { id: 'review', title: 'Check and submit' },
];

/**
 * How fields are named in messages, e.g. the server's "encounter.area: is not one of …".
 * @type {Record<string, string>}
 */
export const FIELD_LABELS = {
  'person.given_name': 'First name',
  'person.family_name': 'Last name',
  'person.date_of_birth': 'Date of birth',
  'person.gender': 'Gender',
  'person.self_defined_ethnicity': 'Ethnic group',
  'person.observed_ethnicity': 'Observed ethnicity',
  'person.phone': 'Phone number',
  'person.email': 'Email address',
  'person.postcode': 'Postcode',
  'person.preferred_language': 'Preferred language',
  'encounter.occurred_at': 'Date and time',
  'encounter.area': 'Area',
  'encounter.place': 'Place',
  'encounter.origin': 'How the encounter arose',
  'encounter.crime_reference': 'Crime reference',
  main_substance: 'Main substance',
  substances: 'Substances',
  'agreement.recorded_at': 'Time of the agreement',
};

/**
 * A server error as the officer reads it: "Area: is not one of your force's areas".
 * @param {string} field
 * @param {string} message
 */
export function fieldMessage(field, message) {
  const substance = /^substances\.(\d+)\.(\w+)$/.exec(field);
  const label = substance
    ? `Substance ${Number(substance[1]) + 1} ${substance[2].replace(/_/g, ' ')}`
    : FIELD_LABELS[field] || field;
  return `${label}: ${message}`;
}

const CONTACT_FIELDS = ['phone', 'email', 'postcode', 'preferred_language', 'interpreter_needed', 'easy_read'];
const MAX_AGE_YEARS = 120;
const MAX_ENCOUNTER_AGE_MS = 30 * 24 * 3600 * 1000;
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const POSTCODE = /^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$/;
const PHONE = /^\+?[0-9][0-9 ()-]{6,19}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * A Date as the value of <input type="datetime-local"> in the phone's time zone.
 * @param {Date} date
 */
export function localDateTimeValue(date) {
  /** @param {number} n */
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * A Date as YYYY-MM-DD in the phone's time zone (for date inputs' limits).
 * @param {Date} date
 */
export function localDateValue(date) {
  return localDateTimeValue(date).slice(0, 10);
}

/** @returns {Draft} */
export function newDraft(now = new Date()) {
  return {
    person: {
      given_name: '',
      family_name: '',
      date_of_birth: '',
      date_of_birth_parts: { day: '', month: '', year: '' },
      gender: null,
      self_defined_ethnicity: null,
      observed_ethnicity: null,
      phone: '',
      email: '',
      postcode: '',
      preferred_language: 'en',
      interpreter_needed: false,
      easy_read: false,
    },
    encounter: {
      // the encounter is happening now, in the common case: one less thing to enter
      occurred_at: localDateTimeValue(now),
      area: null,
      place: '',
      origin: null,
      crime_reference: '',
    },
    substances: [{ substance: null, estimated_quantity: '', unit: null, description: '' }],
    main_substance: null,
    answers: {},
    agreement: { agrees_to_engage: null, consents_to_share_contact: null, recorded_at: null },
    // a refused outbox entry this draft corrects; removed once the correction is queued
    replaces: null,
  };
}

/**
 * Record one answer in the draft, with what follows from it: the agreement is timed when both
 * of its answers are given (or changed), and a substance chosen brings its usual unit.
 * @param {Draft} draft
 * @param {string} path the field's path, as in the API (`substances.0.unit`)
 * @param {unknown} value
 * @param {Date} [now]
 */
export function changeDraft(draft, path, value, now = new Date()) {
  setPath(draft, path, value);
  if (path.startsWith('person.date_of_birth_parts.')) {
    draft.person.date_of_birth = dateFromParts(draft.person.date_of_birth_parts) || '';
  }
  if (path.startsWith('agreement.')) {
    const a = draft.agreement;
    a.recorded_at =
      typeof a.agrees_to_engage === 'boolean' && typeof a.consents_to_share_contact === 'boolean'
        ? now.toISOString()
        : null;
  }
  const substance = /^substances\.(\d+)\.substance$/.exec(path);
  if (substance) {
    const item = draft.substances[Number(substance[1])];
    if (item.substance && !item.unit) item.unit = USUAL_UNIT[item.substance] ?? null;
  }
}

const DAY_OR_MONTH = /^\d{1,2}$/;
const YEAR = /^\d{4}$/;

/**
 * The ISO date (YYYY-MM-DD) the parts make, or null when they make no real date.
 * @param {DateParts} parts
 * @returns {string | null}
 */
export function dateFromParts({ day, month, year }) {
  const [d, m, y] = [day.trim(), month.trim(), year.trim()];
  if (!DAY_OR_MONTH.test(d) || !DAY_OR_MONTH.test(m) || !YEAR.test(y)) return null;
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  // 31 2 2001 rolls over to March: not a real date
  if (date.getUTCDate() !== Number(d) || date.getUTCMonth() !== Number(m) - 1) return null;
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
}

/**
 * The parts of an ISO date, as a person would type them ("27", "3", "2007").
 * @param {string | null | undefined} isoDate
 * @returns {DateParts}
 */
export function partsOfDate(isoDate) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate || '');
  if (!match) return { day: '', month: '', year: '' };
  return { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1] };
}

/**
 * What is wrong with a date of birth as typed, in the GOV.UK Design System's words; null when
 * it is a real date (whether it is in the past is checked with the others).
 * @param {DateParts} parts
 */
function datePartsProblem(parts) {
  const names = /** @type {const} */ (['day', 'month', 'year']);
  const missing = names.filter((name) => !parts[name].trim());
  if (missing.length === 3) return 'Enter their date of birth';
  if (missing.length) {
    return `Date of birth must include a ${missing.join(' and ')}`;
  }
  const year = parts.year.trim();
  if (/^\d+$/.test(year) && !YEAR.test(year)) return 'Year must include 4 numbers';
  return dateFromParts(parts) ? null : 'Date of birth must be a real date';
}

/**
 * A draft kept in this tab by an earlier version of the app, completed with what it lacks.
 * @param {Partial<Draft> | null} stored
 * @returns {Draft | null}
 */
export function restoreDraft(stored) {
  if (!stored || typeof stored !== 'object' || !stored.person) return null;
  const draft = /** @type {Draft} */ (stored);
  if (!draft.person.date_of_birth_parts) {
    draft.person.date_of_birth_parts = partsOfDate(draft.person.date_of_birth);
  }
  return draft;
}

/** @param {Draft} draft */
export function addSubstance(draft) {
  draft.substances.push({ substance: null, estimated_quantity: '', unit: null, description: '' });
}

/**
 * @param {Draft} draft
 * @param {number} index
 */
export function removeSubstance(draft, index) {
  draft.substances.splice(index, 1);
  if (!draft.substances.some((s) => s.substance === draft.main_substance)) {
    draft.main_substance = null;
  }
}

/**
 * The step a field belongs to, so a server error can send the officer to the right screen.
 * @param {string} path
 * @returns {StepId}
 */
export function stepOfField(path) {
  const [head, second] = path.split('.');
  if (head === 'person') return CONTACT_FIELDS.includes(second) ? 'contact' : 'person';
  if (head === 'encounter') return 'encounter';
  if (head === 'substances' || head === 'main_substance') return 'substances';
  if (head === 'answers') return 'eligibility';
  if (head === 'agreement') return 'agreement';
  return 'review';
}

/**
 * All answers as the server merges them: the agreement answers the agreement questions.
 * @param {Draft} draft
 * @returns {Record<string, boolean>}
 */
export function allAnswers(draft) {
  /** @type {Record<string, boolean>} */
  const answers = {};
  for (const [key, value] of Object.entries(draft.answers)) {
    if (typeof value === 'boolean' && !AGREEMENT_QUESTIONS.includes(key)) answers[key] = value;
  }
  for (const key of AGREEMENT_QUESTIONS) {
    const value = draft.agreement[/** @type {'agrees_to_engage' | 'consents_to_share_contact'} */ (key)];
    if (typeof value === 'boolean') answers[key] = value;
  }
  return answers;
}

const SCHEME_CALENDAR = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/**
 * A Date's day as the scheme counts it (YYYY-MM-DD): on the clock in England and Wales, as the
 * server does (services/referral-api/src/referral_api/days.py), whatever the phone's own zone.
 * @param {Date} date
 */
export function schemeDay(date) {
  const part = Object.fromEntries(
    SCHEME_CALENDAR.formatToParts(date).map(({ type, value }) => [type, value]),
  );
  return `${part.year}-${part.month}-${part.day}`;
}

/**
 * The encounter's day as the server counts it.
 * @param {Draft} draft
 */
export function encounterDay(draft) {
  const when = new Date(draft.encounter.occurred_at);
  return Number.isNaN(when.getTime()) ? null : schemeDay(when);
}

/**
 * The eligibility decision for the draft so far, on this phone. The bar is not known here (the
 * officer never sees a person's history): the server checks it when the referral arrives.
 * @param {RuleSet | null | undefined} ruleSet
 * @param {Draft} draft
 * @returns {Decision | null}
 */
export function evaluateDraft(ruleSet, draft) {
  const day = encounterDay(draft);
  if (!ruleSet || !draft.person.date_of_birth || !day) return null;
  return evaluate(ruleSet, {
    dateOfBirth: draft.person.date_of_birth,
    encounterDate: day,
    answers: allAnswers(draft),
    barredUntil: null,
    barredIndefinitely: false,
  });
}

/**
 * @template T
 * @param {T} value
 */
function trimmed(value) {
  return typeof value === 'string' ? value.trim() : value;
}

/** @param {string} value */
function optional(value) {
  const text = trimmed(value);
  return text ? text : undefined;
}

/**
 * The API request body (ReferralIn) for the draft.
 * @param {Draft} draft
 * @returns {ReferralBody}
 */
export function toBody(draft) {
  const p = draft.person;
  const person = {
    given_name: trimmed(p.given_name),
    family_name: trimmed(p.family_name),
    date_of_birth: p.date_of_birth,
    gender: p.gender,
    self_defined_ethnicity: p.self_defined_ethnicity,
    observed_ethnicity: p.observed_ethnicity,
    phone: optional(p.phone),
    email: optional(p.email),
    postcode: optional(p.postcode)?.toUpperCase(),
    preferred_language: p.preferred_language || 'en',
    interpreter_needed: Boolean(p.interpreter_needed),
    easy_read: Boolean(p.easy_read),
  };
  const e = draft.encounter;
  const encounter = {
    occurred_at: new Date(e.occurred_at).toISOString(),
    area: e.area,
    place: optional(e.place),
    origin: e.origin,
    crime_reference: optional(e.crime_reference),
  };
  const substances = draft.substances.map((s) => ({
    substance: s.substance,
    estimated_quantity: Number(s.estimated_quantity),
    unit: s.unit,
    description: s.substance === 'other' ? optional(s.description) : undefined,
  }));
  /** @type {Record<string, boolean>} */
  const answers = {};
  for (const [key, value] of Object.entries(allAnswers(draft))) {
    if (!AGREEMENT_QUESTIONS.includes(key)) answers[key] = value;
  }
  const body = {
    person,
    encounter,
    substances,
    main_substance: draft.main_substance || substances[0]?.substance,
    answers,
    agreement: {
      agrees_to_engage: draft.agreement.agrees_to_engage,
      consents_to_share_contact: draft.agreement.consents_to_share_contact,
      recorded_at: draft.agreement.recorded_at,
    },
  };
  // JSON.stringify drops undefined: optional fields left empty are simply not sent
  return JSON.parse(JSON.stringify(body));
}

/**
 * A draft from a stored request body, to correct a refused referral.
 * @param {ReferralBody} body
 * @returns {Draft}
 */
export function fromBody(body) {
  const draft = newDraft();
  Object.assign(draft.person, body.person);
  draft.person.date_of_birth_parts = partsOfDate(body.person.date_of_birth);
  for (const key of /** @type {const} */ (['phone', 'email', 'postcode'])) {
    draft.person[key] = /** @type {string | undefined} */ (body.person[key]) ?? '';
  }
  Object.assign(draft.encounter, body.encounter, {
    occurred_at: localDateTimeValue(new Date(body.encounter.occurred_at)),
    place: body.encounter.place ?? '',
    crime_reference: body.encounter.crime_reference ?? '',
  });
  draft.substances = body.substances.map((s) => ({
    substance: s.substance,
    estimated_quantity: String(s.estimated_quantity),
    unit: s.unit,
    description: s.description ?? '',
  }));
  draft.main_substance = body.main_substance ?? null;
  draft.answers = { ...body.answers };
  draft.agreement = { ...body.agreement };
  return draft;
}

/**
 * @param {string} dateOfBirth
 * @param {string} day
 */
function ageOnDay(dateOfBirth, day) {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number);
  const [y, m, d] = day.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** @type {Record<StepId, (draft: Draft, context: CheckContext) => Errors>} */
const CHECKS = {
  person(draft) {
    const p = draft.person;
    /** @type {Errors} */
    const errors = {};
    if (!trimmed(p.given_name)) errors['person.given_name'] = 'Enter their first name';
    else if (trimmed(p.given_name).length > 100) errors['person.given_name'] = 'Use 100 characters or fewer';
    if (!trimmed(p.family_name)) errors['person.family_name'] = 'Enter their last name';
    else if (trimmed(p.family_name).length > 100) errors['person.family_name'] = 'Use 100 characters or fewer';
    const dateProblem = datePartsProblem(p.date_of_birth_parts);
    if (dateProblem) {
      errors['person.date_of_birth'] = dateProblem;
    } else {
      const day = encounterDay(draft) || schemeDay(new Date());
      if (p.date_of_birth > localDateValue(new Date())) {
        errors['person.date_of_birth'] = 'Date of birth must be in the past';
      } else if (ageOnDay(p.date_of_birth, day) > MAX_AGE_YEARS) {
        errors['person.date_of_birth'] = `That gives an age over ${MAX_AGE_YEARS}; check the year`;
      }
    }
    if (!p.gender) errors['person.gender'] = 'Choose their gender';
    if (!p.self_defined_ethnicity) {
      errors['person.self_defined_ethnicity'] =
        'Choose how they describe their ethnic group, or "Not stated"';
    }
    if (!p.observed_ethnicity) errors['person.observed_ethnicity'] = 'Choose the IC code you observed';
    return errors;
  },

  contact(draft) {
    const p = draft.person;
    /** @type {Errors} */
    const errors = {};
    const phone = trimmed(p.phone);
    const email = trimmed(p.email);
    if (phone && !PHONE.test(phone)) {
      errors['person.phone'] = 'Enter a phone number of digits, like 07700 900123 or +44 7700 900123';
    }
    if (email && !EMAIL.test(email)) errors['person.email'] = 'Enter an email address like name@example.com';
    if (!phone && !email) {
      errors['person.email'] = 'Give a phone number or an email so the drug service can reach them';
    }
    const postcode = trimmed(p.postcode);
    if (postcode && !POSTCODE.test(postcode.toUpperCase().replace(/\s+/g, ''))) {
      errors['person.postcode'] = 'Enter a full UK postcode, like B1 1AA';
    }
    return errors;
  },

  encounter(draft, { areas = [], now = new Date() } = {}) {
    const e = draft.encounter;
    /** @type {Errors} */
    const errors = {};
    const when = new Date(e.occurred_at);
    if (!e.occurred_at || Number.isNaN(when.getTime())) {
      errors['encounter.occurred_at'] = 'Choose the date and time of the encounter';
    } else if (when.getTime() > now.getTime() + CLOCK_SKEW_MS) {
      errors['encounter.occurred_at'] = 'The encounter cannot be in the future';
    } else if (when.getTime() < now.getTime() - MAX_ENCOUNTER_AGE_MS) {
      errors['encounter.occurred_at'] =
        'The encounter is more than 30 days ago; refer at the time of the encounter';
    }
    if (!e.area) errors['encounter.area'] = 'Choose the area';
    else if (areas.length && !areas.some((a) => a.code === e.area)) {
      errors['encounter.area'] = 'Choose one of your force’s areas';
    }
    if (!e.origin) errors['encounter.origin'] = 'Choose how the encounter arose';
    if (trimmed(e.place)?.length > 200) errors['encounter.place'] = 'Use 200 characters or fewer';
    if (trimmed(e.crime_reference)?.length > 40) {
      errors['encounter.crime_reference'] = 'Use 40 characters or fewer';
    }
    return errors;
  },

  substances(draft) {
    /** @type {Errors} */
    const errors = {};
    const seen = new Set();
    draft.substances.forEach((s, i) => {
      if (!s.substance) errors[`substances.${i}.substance`] = 'Choose the substance';
      else if (seen.has(s.substance)) errors[`substances.${i}.substance`] = 'List each substance once';
      seen.add(s.substance);
      const quantity = Number(s.estimated_quantity);
      if (s.estimated_quantity === '' || s.estimated_quantity == null) {
        errors[`substances.${i}.estimated_quantity`] = 'Enter an estimated quantity';
      } else if (!Number.isFinite(quantity) || quantity <= 0) {
        errors[`substances.${i}.estimated_quantity`] = 'Enter a quantity greater than 0';
      } else if (quantity > 10000) {
        errors[`substances.${i}.estimated_quantity`] = 'Enter a quantity of 10,000 or less';
      }
      if (!s.unit) errors[`substances.${i}.unit`] = 'Choose the unit';
      if (trimmed(s.description)?.length > 100) {
        errors[`substances.${i}.description`] = 'Use 100 characters or fewer';
      }
    });
    return errors;
  },

  eligibility(draft, { ruleSet } = {}) {
    /** @type {Errors} */
    const errors = {};
    if (!ruleSet) return { eligibility: 'The eligibility rules are not on this phone yet' };
    for (const question of ruleSet.questions) {
      if (AGREEMENT_QUESTIONS.includes(question.id)) continue;
      if (typeof draft.answers[question.id] !== 'boolean') {
        errors[`answers.${question.id}`] = 'Answer yes or no';
      }
    }
    const decision = evaluateDraft(ruleSet, draft);
    const failed = decision ? decision.reasons.filter((r) => r.startsWith('not eligible')) : [];
    const onThisStep = failed.filter((reason) => !agreementReason(ruleSet, reason));
    if (onThisStep.length) errors.eligibility = capitalise(onThisStep.join('; '));
    return errors;
  },

  agreement(draft, { ruleSet } = {}) {
    /** @type {Errors} */
    const errors = {};
    for (const key of /** @type {const} */ (['agrees_to_engage', 'consents_to_share_contact'])) {
      if (typeof draft.agreement[key] !== 'boolean') errors[`agreement.${key}`] = 'Answer yes or no';
    }
    const decision = evaluateDraft(ruleSet, draft);
    if (!Object.keys(errors).length && decision && !decision.eligible) {
      errors.eligibility = capitalise(decision.reasons.join('; '));
    }
    return errors;
  },

  review() {
    return {};
  },
};

/**
 * @param {RuleSet} ruleSet
 * @param {string} reason
 */
function agreementReason(ruleSet, reason) {
  return ruleSet.rules.some(
    (rule) =>
      rule.kind === 'answer' &&
      AGREEMENT_QUESTIONS.includes(rule.question ?? '') &&
      reason === `not eligible: ${rule.reason}`,
  );
}

/**
 * @template {string | null | undefined} T
 * @param {T} text
 * @returns {T}
 */
export function capitalise(text) {
  return text ? /** @type {T} */ (text[0].toUpperCase() + text.slice(1)) : text;
}

/**
 * Errors for one step, keyed by field path ('eligibility' for the decision itself).
 * @param {StepId} stepId
 * @param {Draft} draft
 * @param {CheckContext} [context]
 * @returns {Errors}
 */
export function validateStep(stepId, draft, context = {}) {
  return CHECKS[stepId](draft, context);
}

/**
 * The first step with a problem, and its errors; null when the whole referral is ready.
 * @param {Draft} draft
 * @param {CheckContext} [context]
 * @returns {{step: StepId, errors: Errors} | null}
 */
export function firstProblem(draft, context = {}) {
  for (const step of STEPS) {
    const errors = validateStep(step.id, draft, context);
    if (Object.keys(errors).length) return { step: step.id, errors };
  }
  return null;
}
