// The coded values an officer chooses from, with the words they see.
//
// Codes are those of contracts/vocabulary.py (the API refuses anything else); labels are the
// full wording of the 2021 census 18+1 ethnicity question and the police IC codes, because an
// officer reading a choice aloud to the person must read the real category, not an abbreviation.

/** A code and the words the officer sees for it. @typedef {[string, string]} Choice */
/** Choices under a heading, as a select's optgroup. @typedef {{group: string, options: Choice[]}} ChoiceGroup */

/**
 * Self-defined ethnicity: the 2021 census 18+1 categories, grouped as the census asks them.
 * @type {ChoiceGroup[]}
 */
export const SELF_DEFINED_ETHNICITY = [
  {
    group: 'White',
    options: [
      ['W1', 'English, Welsh, Scottish, Northern Irish or British'],
      ['W2', 'Irish'],
      ['W3', 'Gypsy or Irish Traveller'],
      ['W9', 'Any other White background (including Roma)'],
    ],
  },
  {
    group: 'Mixed or Multiple ethnic groups',
    options: [
      ['M1', 'White and Black Caribbean'],
      ['M2', 'White and Black African'],
      ['M3', 'White and Asian'],
      ['M9', 'Any other Mixed or Multiple ethnic background'],
    ],
  },
  {
    group: 'Asian or Asian British',
    options: [
      ['A1', 'Indian'],
      ['A2', 'Pakistani'],
      ['A3', 'Bangladeshi'],
      ['A4', 'Chinese'],
      ['A9', 'Any other Asian background'],
    ],
  },
  {
    group: 'Black, Black British, Caribbean or African',
    options: [
      ['B1', 'Caribbean'],
      ['B2', 'African'],
      ['B9', 'Any other Black, Black British or Caribbean background'],
    ],
  },
  {
    group: 'Other ethnic group',
    options: [
      ['O2', 'Arab'],
      ['O9', 'Any other ethnic group'],
    ],
  },
  { group: 'Not stated', options: [['NS', 'Not stated (the person chose not to say)']] },
];

/**
 * The officer's observation, separate from how the person defines themself.
 * @type {Choice[]}
 */
export const OBSERVED_ETHNICITY = [
  ['IC1', 'IC1 White – North European'],
  ['IC2', 'IC2 White – South European'],
  ['IC3', 'IC3 Black'],
  ['IC4', 'IC4 Asian'],
  ['IC5', 'IC5 Chinese, Japanese or other South East Asian'],
  ['IC6', 'IC6 Arabic or North African'],
  ['IC9', 'IC9 Unknown'],
];

/** @type {Choice[]} */
export const GENDER = [
  ['female', 'Female'],
  ['male', 'Male'],
  ['non_binary', 'Non-binary'],
  ['self_described', 'They describe it another way'],
  ['not_stated', 'Not stated'],
];

/** @type {Choice[]} */
export const ORIGIN = [
  ['stop_and_search', 'Stop and search'],
  ['other', 'Other (for example, called to an incident)'],
];

/** @type {Choice[]} */
export const SUBSTANCES = [
  ['cannabis', 'Cannabis'],
  ['cocaine', 'Cocaine'],
  ['crack_cocaine', 'Crack cocaine'],
  ['nitrous_oxide', 'Nitrous oxide'],
  ['ketamine', 'Ketamine'],
  ['mdma', 'MDMA (ecstasy)'],
  ['amphetamine', 'Amphetamine'],
  ['heroin', 'Heroin'],
  ['other', 'Other'],
];

/** @type {Choice[]} */
export const UNITS = [
  ['g', 'grams'],
  ['mg', 'milligrams'],
  ['pills', 'pills'],
  ['wraps', 'wraps'],
  ['canisters', 'canisters'],
  ['ml', 'millilitres'],
  ['items', 'items'],
];

/**
 * A sensible first unit for each substance, so the common case needs no extra tap.
 * @type {Record<string, string>}
 */
export const USUAL_UNIT = {
  cannabis: 'g',
  cocaine: 'g',
  crack_cocaine: 'wraps',
  nitrous_oxide: 'canisters',
  ketamine: 'g',
  mdma: 'pills',
  amphetamine: 'g',
  heroin: 'wraps',
  other: 'items',
};

/**
 * Languages most often needed in England and Wales, as BCP 47 tags the API accepts.
 * @type {Choice[]}
 */
export const LANGUAGES = [
  ['en', 'English'],
  ['cy', 'Welsh'],
  ['bfi', 'British Sign Language'],
  ['ar', 'Arabic'],
  ['bn', 'Bengali'],
  ['zh', 'Chinese (Mandarin)'],
  ['yue', 'Chinese (Cantonese)'],
  ['fa', 'Persian (Farsi)'],
  ['fr', 'French'],
  ['gu', 'Gujarati'],
  ['it', 'Italian'],
  ['ku', 'Kurdish'],
  ['lt', 'Lithuanian'],
  ['pl', 'Polish'],
  ['pt', 'Portuguese'],
  ['pa', 'Punjabi'],
  ['ro', 'Romanian'],
  ['so', 'Somali'],
  ['es', 'Spanish'],
  ['ta', 'Tamil'],
  ['ti', 'Tigrinya'],
  ['tr', 'Turkish'],
  ['uk', 'Ukrainian'],
  ['ur', 'Urdu'],
  ['vi', 'Vietnamese'],
];

/** The statuses a list can be filtered by, in step order (the API's ReferralStatus). @type {Choice[]} */
export const REFERRAL_STATUSES = [
  ['submitted', 'Not yet contacted'],
  ['contacted', 'Contacted'],
  ['assessed', 'Assessed'],
  ['booked', 'Session booked'],
  ['completed', 'Completed'],
  ['not_engaged', 'Did not engage'],
  ['withdrawn', 'Withdrawn'],
];

/** What each step of a referral is called. */
const STEP_LABELS = new Map([
  ['submitted', 'Referred'],
  ['contacted', 'Contacted by the drug service'],
  ['assessed', 'Assessed by the drug service'],
  ['booked', 'Session booked'],
  ['completed', 'Completed'],
  ['not_engaged', 'Did not engage'],
  ['withdrawn', 'Withdrawn'],
]);

/**
 * The words for a step; a status the portal does not know yet is shown in words.
 * @param {string} status
 */
export function stepLabel(status) {
  const known = STEP_LABELS.get(status);
  if (known) return known;
  const words = status.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The outcome of a closed referral, in words (the API's ReferralOutcome). @type {Choice[]} */
export const OUTCOMES = [
  ['completed', 'Completed the intervention'],
  ['not_engaged', 'Did not engage'],
  ['withdrawn', 'Withdrawn'],
];

/**
 * Engagement as the police see it (from the API), and how prominent each should look.
 * @type {Record<string, string>}
 */
export const ENGAGEMENT_TONE = {
  'not yet contacted': 'neutral',
  contacted: 'progress',
  assessed: 'progress',
  booked: 'progress',
  completed: 'good',
  'did not engage': 'bad',
  withdrawn: 'neutral',
};

/**
 * The words for a code, or the code itself when it is not in the list.
 * @param {Choice[]} pairs
 * @param {string | null | undefined} code
 * @returns {string}
 */
export function labelOf(pairs, code) {
  const found = pairs.find(([value]) => value === code);
  return found ? found[1] : (code ?? '');
}

/**
 * @param {string | null | undefined} code
 * @returns {string}
 */
export function ethnicityLabel(code) {
  for (const { group, options } of SELF_DEFINED_ETHNICITY) {
    const found = options.find(([value]) => value === code);
    if (found) return code === 'NS' ? found[1] : `${group}: ${found[1]}`;
  }
  return code ?? '';
}
