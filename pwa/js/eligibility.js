// Eligibility, evaluated on the phone exactly as the server does.
//
// A line-by-line port of `evaluate` in services/referral-api/src/referral_api/eligibility/rules.py.
// The rule set is the force's versioned JSON from GET /v1/eligibility-rule-sets/current, so the
// officer sees the same answer, with the same words, as the server will give when the referral
// arrives. Both implementations run the shared vectors in
// services/referral-api/tests/eligibility_vectors.json: change one, change the other.
//
// Dates are ISO 'YYYY-MM-DD' strings compared as numbers or text, never Date objects: a Date
// built from a date-only string is midnight UTC, which is the previous day in some time zones.

/**
 * A rule of a force's rule set (referral_api/eligibility/rules.py `Rule`).
 * @typedef {object} Rule
 * @property {string} id
 * @property {'answer' | 'age' | 'bar'} kind
 * @property {string} [question] the question an answer rule reads
 * @property {boolean} [expected] the answer that passes
 * @property {number | null} [min_years]
 * @property {number | null} [max_years]
 * @property {string} [reason] the words of a failure, after "not eligible: "
 */
/**
 * @typedef {object} Question
 * @property {string} id
 * @property {string} text
 * @property {string} [help]
 */
/**
 * The force's versioned rule set, as GET /v1/eligibility-rule-sets/current gives it.
 * @typedef {object} RuleSet
 * @property {string} version
 * @property {Question[]} questions
 * @property {Rule[]} rules
 */
/**
 * @typedef {object} RuleResult
 * @property {string} rule
 * @property {'pass' | 'fail' | 'unanswered'} status
 * @property {string | null | undefined} explanation
 */
/**
 * The decision, shaped exactly like the server's JSON.
 * @typedef {object} Decision
 * @property {'eligible' | 'not_eligible' | 'incomplete'} outcome
 * @property {boolean} eligible
 * @property {string[]} reasons
 * @property {RuleResult[]} results
 * @property {string | null} not_before
 * @property {string} rule_set_version
 */
/** Answers by question id; absent or null is unanswered. @typedef {Record<string, boolean | null | undefined>} Answers */

/**
 * Split an ISO date into [year, month, day] numbers.
 * @param {string} isoDate
 * @returns {[number, number, number]}
 */
function parts(isoDate) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (!match) throw new TypeError(`not an ISO date: ${isoDate}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/**
 * Whole years on `day`; a 29 February birthday counts from 1 March in other years.
 * @param {string} dateOfBirth
 * @param {string} day
 */
export function ageOn(dateOfBirth, day) {
  const [by, bm, bd] = parts(dateOfBirth);
  const [y, m, d] = parts(day);
  let years = y - by;
  if (m < bm || (m === bm && d < bd)) years -= 1;
  return years;
}

/**
 * @param {RuleSet} ruleSet
 * @param {string | undefined} questionId
 */
function questionText(ruleSet, questionId) {
  const question = ruleSet.questions.find((q) => q.id === questionId);
  return question ? question.text : questionId;
}

/**
 * A failed bar says only until when, or nothing for a bar for ever: never the person's history.
 * A `reason` on a bar rule (a rule set stored before the bar stopped giving one) is ignored.
 * @param {RuleResult} result
 */
function barReason(result) {
  return result.explanation ? `not eligible ${result.explanation}` : 'not eligible';
}

/**
 * An answer is "unanswered" when absent or null, as Python's dict.get gives None.
 * @param {Answers} answers
 * @param {string | undefined} questionId
 */
function answerTo(answers, questionId) {
  if (questionId === undefined || !Object.prototype.hasOwnProperty.call(answers, questionId)) return null;
  const answer = answers[questionId];
  return answer === undefined ? null : answer;
}

/**
 * Apply every rule; the person is eligible only when every rule passes.
 *
 * @param {RuleSet} ruleSet the force's RuleSet JSON
 * @param {{dateOfBirth: string, encounterDate: string, answers: Answers,
 *          barredUntil: string|null, barredIndefinitely?: boolean}} facts
 * @returns {Decision} the Decision, shaped exactly like the server's JSON
 */
export function evaluate(ruleSet, facts) {
  const { dateOfBirth, encounterDate, answers, barredUntil = null } = facts;
  const barredIndefinitely = Boolean(facts.barredIndefinitely);
  /** @type {RuleResult[]} */
  const results = [];
  for (const rule of ruleSet.rules) {
    if (rule.kind === 'answer') {
      const answer = answerTo(answers, rule.question);
      if (answer === null) {
        results.push({
          rule: rule.id,
          status: 'unanswered',
          explanation: questionText(ruleSet, rule.question),
        });
      } else if (answer === rule.expected) {
        results.push({ rule: rule.id, status: 'pass', explanation: null });
      } else {
        results.push({ rule: rule.id, status: 'fail', explanation: rule.reason });
      }
    } else if (rule.kind === 'age') {
      const age = ageOn(dateOfBirth, encounterDate);
      const minYears = rule.min_years ?? null;
      const maxYears = rule.max_years ?? null;
      const tooYoung = minYears !== null && age < minYears;
      const tooOld = maxYears !== null && age > maxYears;
      if (tooYoung || tooOld) {
        results.push({ rule: rule.id, status: 'fail', explanation: rule.reason });
      } else {
        results.push({ rule: rule.id, status: 'pass', explanation: null });
      }
    } else if (rule.kind === 'bar') {
      if (barredIndefinitely) {
        results.push({ rule: rule.id, status: 'fail', explanation: null });
      } else if (barredUntil !== null && barredUntil > encounterDate) {
        results.push({ rule: rule.id, status: 'fail', explanation: `until ${barredUntil}` });
      } else {
        results.push({ rule: rule.id, status: 'pass', explanation: null });
      }
    } else {
      // The server refuses a rule set with an unknown kind; so must we, rather than pass it.
      throw new TypeError(`unknown rule kind: ${rule.kind}`);
    }
  }
  const failed = results
    .map((r, i) => /** @type {[RuleResult, boolean]} */ ([r, ruleSet.rules[i].kind === 'bar']))
    .filter(([r]) => r.status === 'fail');
  const unanswered = results.filter((r) => r.status === 'unanswered');
  /** @type {Decision['outcome']} */
  let outcome;
  /** @type {string[]} */
  let reasons = [];
  if (failed.length) {
    outcome = 'not_eligible';
    reasons = failed.map(([r, bar]) => (bar ? barReason(r) : `not eligible: ${r.explanation}`));
  } else if (unanswered.length) {
    outcome = 'incomplete';
    reasons = unanswered.map((r) => `still to answer: ${r.explanation}`);
  } else {
    outcome = 'eligible';
  }
  const barred = failed.some(([, bar]) => bar);
  return {
    outcome,
    eligible: outcome === 'eligible',
    reasons,
    results,
    not_before: barred && !barredIndefinitely ? barredUntil : null,
    rule_set_version: ruleSet.version,
  };
}
