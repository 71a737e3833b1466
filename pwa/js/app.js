// The officers' referral portal: start-up, routing between screens, and the glue between the
// form, the outbox, the service worker and the API.
//
// Screens are addressed by the hash (#/, #/new/person … #/new/review, #/sent/<id>,
// #/referrals) so the phone's back button walks back through the steps and a reload lands on
// the same step. The draft being made lives in this tab's sessionStorage (it survives a reload,
// not the tab); a submitted referral moves to the IndexedDB outbox, which survives everything.
//
// What the app knows (`state`) belongs to this module alone. A screen is a function of what it
// shows (a view: plain values, read only) and of what it may ask for (named operations); no
// screen writes into the state.

import { ApiError, NetworkError, callApi } from './api.js';
import * as auth from './auth.js';
import { getReference, putReference } from './db.js';
import { h, mount } from './dom.js';
import * as outbox from './outbox.js';
import * as progress from './progress.js';
import {
  STEPS,
  addSubstance,
  allAnswers,
  changeDraft,
  encounterDay,
  fieldMessage,
  firstProblem,
  fromBody,
  newDraft,
  removeSubstance,
  restoreDraft,
  stepOfField,
  toBody,
  validateStep,
} from './referral.js';
import { homeScreen } from './screens/home.js';
import { myReferralsScreen } from './screens/my-referrals.js';
import { referralScreen, withdrawScreen } from './screens/referral-detail.js';
import { signInScreen } from './screens/signin.js';
import { stepScreen } from './screens/steps.js';
import { submittedScreen } from './screens/submitted.js';
import { CHANNEL, flush } from './sync.js';

/** @typedef {import('./auth.js').Session} Session */
/** @typedef {import('./auth.js').PortalConfig} PortalConfig */
/** @typedef {import('./eligibility.js').RuleSet} RuleSet */
/** @typedef {import('./outbox.js').Entry} Entry */
/** @typedef {import('./referral.js').Draft} Draft */
/** @typedef {import('./referral.js').Errors} Errors */
/** @typedef {import('./referral.js').StepId} StepId */

/**
 * The caller's force, as GET /v1/force gives it.
 * @typedef {object} Force
 * @property {string} id
 * @property {string} name
 * @property {{code: string, name: string}[]} areas
 * @property {number | null} bar_months
 * @property {number} engagement_window_days
 * @property {number} suggested_outcome_code
 */

/**
 * Everything the app knows. Changed only by the functions of this module.
 * @typedef {object} State
 * @property {PortalConfig | null} config
 * @property {Session | null} session
 * @property {RuleSet | null} ruleSet
 * @property {Force | null} force
 * @property {Draft | null} draft
 * @property {Record<StepId, Errors>} stepErrors
 * @property {Entry[]} entries this officer's outbox entries
 * @property {Entry[]} removals notes of this officer's referrals removed by the retention rule
 * @property {number} waitingCount queued entries on the phone, whoever made them
 * @property {boolean} online
 * @property {string | null} signInError
 * @property {{route: string, kind: 'referral-ended' | 'withdrawn'} | null} notice what just
 *   happened, told on the screen it led to until the officer moves on
 * @property {string | null} pendingFocus the id to focus after the next render
 * @property {string | null} route
 */

const DRAFT_KEY = 'diversion.draft';
// While referrals wait, try again this often: the `online` event does not fire when the phone
// has "signal" but no data getting through, which is the usual poor-signal case.
const RETRY_MS = 20 * 1000;

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element;
}

const main = byId('main');
const officerSlot = byId('officer');
const connection = byId('connection');

/** @type {State} */
const state = {
  config: null,
  session: null,
  ruleSet: null,
  force: null,
  draft: null,
  stepErrors: {},
  entries: [],
  removals: [],
  waitingCount: 0,
  online: navigator.onLine,
  signInError: null,
  notice: null,
  pendingFocus: null,
  route: null,
};

// ---- operations: the only ways the state changes ------------------------------------------------

/**
 * Go to a screen (a hash route), focusing `focusId` once it is drawn.
 * @param {string} hash
 * @param {{replace?: boolean, focusId?: string | null}} [options]
 */
function navigate(hash, { replace = false, focusId = null } = {}) {
  state.pendingFocus = focusId;
  if (replace || location.hash === hash) {
    history.replaceState(null, '', hash);
    render();
  } else {
    location.hash = hash;
  }
}

function saveDraft() {
  sessionStorage.setItem(DRAFT_KEY, JSON.stringify(state.draft));
}

/** The draft being made, started if there is none. */
function currentDraft() {
  if (!state.draft) state.draft = newDraft();
  return state.draft;
}

/** A fresh referral: an abandoned empty draft's errors must not greet the next person. */
function startReferral() {
  state.draft = newDraft();
  state.stepErrors = {};
  saveDraft();
  navigate('#/new/person');
}

function forgetDraft() {
  state.draft = null;
  state.stepErrors = {};
  sessionStorage.removeItem(DRAFT_KEY);
}

function discardDraft() {
  forgetDraft();
  render();
}

/** The person cannot be referred: what was entered leaves the phone, and home says so. */
function endReferral() {
  forgetDraft();
  state.notice = { route: '#/', kind: 'referral-ended' };
  navigate('#/');
}

/**
 * The notice for the screen at `route`, if one was left for it.
 * @template {'referral-ended' | 'withdrawn'} K
 * @param {string} route
 * @param {K} kind
 * @returns {K | null}
 */
function noticeFor(route, kind) {
  return state.notice?.route === route && state.notice.kind === kind ? kind : null;
}

/**
 * Record one answer of the draft and keep it in this tab.
 * @param {string} path
 * @param {unknown} value
 */
function changeField(path, value) {
  changeDraft(currentDraft(), path, value);
  saveDraft();
}

function addSubstanceRow() {
  addSubstance(currentDraft());
  saveDraft();
}

/** @param {number} index */
function removeSubstanceRow(index) {
  removeSubstance(currentDraft(), index);
  saveDraft();
}

/**
 * Draw the current step again, focusing `focusId` (after a change to its structure).
 * @param {string | null} focusId
 */
function redrawStep(focusId) {
  navigate(location.hash || '#/', { replace: true, focusId });
}

function checkContext() {
  return { ruleSet: state.ruleSet, areas: state.force?.areas || [], now: new Date() };
}

/**
 * Continue from a step: to the next one, or back to this one with its problems shown.
 * @param {StepId} stepId
 */
function continueFrom(stepId) {
  const problems = validateStep(stepId, currentDraft(), checkContext());
  if (Object.keys(problems).length) {
    state.stepErrors[stepId] = problems;
    navigate(`#/new/${stepId}`, { replace: true, focusId: 'error-summary' });
    return;
  }
  delete state.stepErrors[stepId];
  const index = STEPS.findIndex((s) => s.id === stepId);
  navigate(`#/new/${STEPS[index + 1].id}`);
}

/** Queue the referral on the phone first, then try to send it: it is never only in memory. */
async function submitDraft() {
  const draft = currentDraft();
  const session = state.session;
  if (!session) return;
  const problem = firstProblem(draft, checkContext());
  if (problem && problem.step !== 'review') {
    state.stepErrors[problem.step] = problem.errors;
    navigate(`#/new/${problem.step}`, { focusId: 'error-summary' });
    return;
  }
  const replaces = draft.replaces;
  const entry = await outbox.enqueue({ body: toBody(draft), officer: session.subject });
  if (replaces) await outbox.discard(replaces);
  forgetDraft();
  await refreshEntries();
  navigate(`#/sent/${entry.id}`);
  requestBackgroundSync();
  sendQueued();
}

/**
 * Load a refused referral back into the form, with the server's errors beside its fields.
 * @param {string} id
 */
async function correctEntry(id) {
  const entry = await outbox.get(id);
  if (!entry || !entry.body) return;
  // the refusal may come from a change at the force (an area renamed): pick it up first
  if (state.online) await loadReferenceData();
  const draft = fromBody(entry.body);
  draft.replaces = id;
  /** @type {Record<StepId, Errors>} */
  const errors = {};
  for (const { field, message } of entry.problem?.errors || []) {
    const step = stepOfField(field);
    errors[step] = { ...errors[step], [field]: fieldMessage(field, message) };
  }
  state.draft = draft;
  state.stepErrors = errors;
  saveDraft();
  const first = STEPS.find((s) => errors[s.id]) || STEPS[STEPS.length - 1];
  navigate(`#/new/${first.id}`, { focusId: 'error-summary' });
}

/** Home is showing the removal notice: the notes are forgotten, the notice stays until hidden. */
function removalsShown() {
  const unread = state.removals.filter((note) => !note.shown);
  if (!unread.length) return;
  for (const note of unread) note.shown = true;
  outbox.forgetRemovalNotes(unread.map((note) => note.id)).catch((error) => {
    console.warn('removal notes not forgotten; they are shown again next time', error);
  });
}

function dismissRemovals() {
  state.removals = [];
  state.pendingFocus = 'on-this-phone';
  render();
}

/** @param {string} id */
async function discardEntry(id) {
  await outbox.discard(id);
  await refreshEntries();
  render({ keepFocus: false });
}

/**
 * Ask the server for its decision before submitting, when there is signal: it alone knows
 * whether the person is barred. The officer learns only "not eligible until DATE".
 * Resolves with the decision's reasons (none when eligible), or null when it could not ask.
 * @returns {Promise<{eligible: boolean, reasons: string[]} | null>}
 */
async function checkWithServer() {
  const session = state.session;
  const draft = state.draft;
  if (!state.online || !session || !draft) return null;
  try {
    const decision = await callApi('/v1/eligibility-checks', {
      method: 'POST',
      token: session.token,
      body: {
        person: {
          given_name: draft.person.given_name.trim(),
          family_name: draft.person.family_name.trim(),
          date_of_birth: draft.person.date_of_birth,
        },
        encounter_date: encounterDay(draft),
        answers: allAnswers(draft),
      },
    });
    return { eligible: Boolean(decision.eligible), reasons: decision.reasons || [] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) expireSession();
    return null;
  }
}

/**
 * A call to the API with this officer's token; a 401 marks the sign-in as expired.
 * @param {string} path
 * @param {Parameters<typeof callApi>[1]} [options]
 */
function officerApi(path, options = {}) {
  return callApi(path, { ...options, token: state.session?.token }).catch((error) => {
    if (error instanceof ApiError && error.status === 401) expireSession();
    throw error;
  });
}

/**
 * What the API answers for `path`, kept on the phone as `what` for this officer; with no signal,
 * what it answered last time, saying when (js/progress.js). Other failures are thrown.
 * @template T
 * @param {string} path
 * @param {string} what
 * @param {(officer: string, what: string) => Promise<import('./progress.js').Remembered<any> | null>} [recall]
 *   how to find it on the phone
 * @returns {Promise<import('./screens/my-referrals.js').Fetched<T>>}
 */
async function fetchRemembered(path, what, recall = progress.recall) {
  const officer = state.session?.subject;
  try {
    /** @type {T} */
    const data = await officerApi(path);
    if (officer) {
      await progress.remember(officer, what, data).catch((error) => {
        console.warn('progress not kept for offline use', error);
      });
    }
    return { data, fetched_at: new Date().toISOString(), offline: false };
  } catch (error) {
    if (!(error instanceof NetworkError) || !officer) throw error;
    /** @type {import('./progress.js').Remembered<T> | null} */
    const kept = await recall(officer, what).catch(() => null);
    if (!kept) throw error;
    return { ...kept, offline: true };
  }
}

/** @param {string} status one of the statuses, or '' for every referral */
function loadReferrals(status) {
  const filter = status ? `&status=${encodeURIComponent(status)}` : '';
  return fetchRemembered(`/v1/referrals?limit=50${filter}`, `list:${status}`);
}

/** @param {string} id */
function loadReferral(id) {
  // with no signal, also a referral only ever seen in a list: the list holds all it shows
  return fetchRemembered(`/v1/referrals/${encodeURIComponent(id)}`, `referral:${id}`, (officer) =>
    progress.recallReferral(officer, id),
  );
}

/**
 * Withdraw one of the officer's referrals, then show it, withdrawn.
 * @param {string} id
 * @param {{reason: string, note?: string}} body
 * @param {string} key the Idempotency-Key, the same for every try of one form
 */
async function withdrawReferral(id, body, key) {
  await officerApi(`/v1/referrals/${encodeURIComponent(id)}/withdrawal`, {
    method: 'POST',
    body,
    headers: { 'Idempotency-Key': key },
  });
  const route = `#/referrals/${id}`;
  state.notice = { route, kind: 'withdrawn' };
  navigate(route, { replace: true });
}

/** @param {string} subject */
async function devSignIn(subject) {
  try {
    state.session = await auth.devSignIn(subject);
    state.signInError = null;
    await afterSignIn();
  } catch (error) {
    state.signInError =
      error instanceof TypeError ? 'No connection. Sign in when there is signal.' : errorText(error);
    render();
  }
}

function beginOidc() {
  const oidc = state.config?.oidc;
  if (!oidc) return;
  auth.beginOidcSignIn(oidc).catch((error) => {
    state.signInError = errorText(error);
    render();
  });
}

async function signOut() {
  const url = auth.signOutUrl(state.config, state.session);
  auth.clearSession();
  postToWorker({ type: 'sign-out' });
  // what this officer fetched leaves the phone with them
  if (state.session?.subject) {
    await progress.forgetOfficer(state.session.subject).catch((error) => {
      console.warn('progress not forgotten; the retention rule removes it within days', error);
    });
  }
  state.session = null;
  forgetDraft();
  state.removals = [];
  state.notice = null;
  if (url) {
    location.assign(url);
    return;
  }
  await refreshEntries();
  navigate('#/');
}

/** @param {unknown} error */
function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

// ---- the service worker ---------------------------------------------------------------------

/** @param {Record<string, unknown>} message */
function postToWorker(message) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage(message));
}

/**
 * Give the service worker the token so it can send the outbox from Background Sync while this
 * page is in the background. It keeps the token in memory only, and asks again when it starts.
 */
function handTokenToWorker() {
  const session = state.session;
  if (!session || session.expired) return;
  postToWorker({
    type: 'session',
    token: session.token,
    officer: session.subject,
    expires_at: session.expires_at,
  });
}

function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => {
      // Background Sync is in Chromium only, and not in TypeScript's DOM types
      const sync = /** @type {{sync?: {register(tag: string): Promise<void>}}} */ (
        /** @type {unknown} */ (registration)
      ).sync;
      return sync?.register('outbox');
    })
    .catch(() => {
      // no Background Sync (Firefox, Safari): the page's own triggers still send the outbox
    });
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' }).catch((error) => {
    console.warn('service worker not registered; the app will not open offline', error);
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'session-please') handTokenToWorker();
  });
  navigator.serviceWorker.addEventListener('controllerchange', handTokenToWorker);
}

// ---- the outbox -----------------------------------------------------------------------------

async function refreshEntries() {
  const entries = await outbox.all();
  state.waitingCount = entries.filter((e) => e.state === 'queued').length;
  const session = state.session;
  const mine = session ? entries.filter((e) => e.officer === session.subject) : [];
  state.entries = mine.filter((e) => e.state !== 'removed');
  for (const note of mine.filter((e) => e.state === 'removed')) {
    if (!state.removals.some((known) => known.id === note.id)) state.removals.push(note);
  }
}

/** @type {Promise<void> | null} */
let sending = null;
let sendAgain = false;

/** Send this officer's queued referrals from the page; overlapping calls coalesce into one. */
async function sendQueued() {
  const session = state.session;
  if (!session || session.expired) return;
  if (sending) {
    sendAgain = true;
    return;
  }
  sending = (async () => {
    do {
      sendAgain = false;
      const summary = await flush({ token: session.token, officer: session.subject });
      if (summary.stopped === 'signed-out') expireSession();
    } while (sendAgain);
  })();
  try {
    await sending;
  } catch (error) {
    console.warn('sending the outbox failed; it will be tried again', error);
  } finally {
    sending = null;
  }
  await refreshEntries();
  renderIfPassive();
}

function expireSession() {
  if (state.session) state.session.expired = true;
  renderHeader();
}

// ---- rendering ------------------------------------------------------------------------------

function renderHeader() {
  const session = state.session;
  if (session) {
    officerSlot.replaceChildren(
      h('p', { class: 'officer__who' },
        h('span', { class: 'officer__name' }, session.name),
        state.force ? h('span', { class: 'officer__force' }, state.force.name) : null),
      h('button', { type: 'button', class: 'button button--header', onclick: () => signOut() }, 'Sign out'),
    );
  } else {
    officerSlot.replaceChildren();
  }
  const messages = [];
  if (!state.online) {
    messages.push('Offline. Referrals are saved on this phone and sent when there is signal.');
  }
  if (session?.expired) {
    messages.push('Your sign-in has expired. Sign out and in again to send referrals.');
  }
  connection.replaceChildren(...messages.map((m) => h('p', {}, m)));
  connection.hidden = messages.length === 0;
}

const outboxActions = { correctEntry, discardEntry };

/**
 * The screen for a route, given what it shows and what it may do.
 * @param {string} route
 * @returns {HTMLElement}
 */
function screenFor(route) {
  const session = state.session;
  if (!session) {
    return signInScreen(
      { config: state.config, waitingCount: state.waitingCount, signInError: state.signInError },
      { loadDevUsers: auth.devUsers, devSignIn, beginOidc },
    );
  }
  const [, section, param] = route.split('/');
  if (section === 'new') {
    const stepId = STEPS.some((s) => s.id === param) ? param : 'person';
    return stepScreen(
      stepId,
      {
        draft: currentDraft(),
        errors: state.stepErrors[stepId] || {},
        ruleSet: state.ruleSet,
        areas: state.force?.areas || [],
        online: state.online,
        officerName: session.name,
      },
      {
        changeField,
        addSubstance: addSubstanceRow,
        removeSubstance: removeSubstanceRow,
        redraw: redrawStep,
        continueFrom,
        submit: submitDraft,
        endReferral,
        checkWithServer,
      },
    );
  }
  if (section === 'sent') {
    return submittedScreen(
      state.entries.find((e) => e.id === param),
      { online: state.online },
      { ...outboxActions, startReferral },
    );
  }
  if (section === 'referrals' && param && route.endsWith('/withdraw')) {
    return withdrawScreen(param, { key: outbox.newId() }, { withdraw: withdrawReferral });
  }
  if (section === 'referrals' && param) {
    return referralScreen(param, { notice: noticeFor(route, 'withdrawn') }, { loadReferral });
  }
  if (section === 'referrals') {
    return myReferralsScreen({ supervisor: session.role === 'supervisor' }, { loadReferrals });
  }
  return homeScreen(
    {
      draft: state.draft,
      entries: state.entries,
      removals: state.removals,
      online: state.online,
      notice: noticeFor('#/', 'referral-ended'),
      supervisor: session.role === 'supervisor',
    },
    { ...outboxActions, startReferral, discardDraft, removalsShown, dismissRemovals },
  );
}

/**
 * Where a link to a step really goes: no further than the first step not yet finished, so no
 * step is shown before the answers it depends on (a bookmark, a reload, a typed address).
 * @param {string} route
 * @returns {string}
 */
function reachable(route) {
  const [, section, param] = route.split('/');
  if (section !== 'new' || !state.session) return route;
  const wanted = STEPS.findIndex((s) => s.id === param);
  const problem = firstProblem(currentDraft(), checkContext());
  const limit = problem ? STEPS.findIndex((s) => s.id === problem.step) : STEPS.length - 1;
  return wanted > limit ? `#/new/${STEPS[limit].id}` : route;
}

/** @param {{keepFocus?: boolean}} [options] */
function render({ keepFocus = false } = {}) {
  const route = reachable(location.hash || '#/');
  if (route !== (location.hash || '#/')) history.replaceState(null, '', route);
  const focusedId = keepFocus ? document.activeElement?.id : null;
  const changedRoute = route !== state.route;
  state.route = route;
  if (changedRoute && state.notice && route !== state.notice.route) state.notice = null;
  renderHeader();
  const screen = screenFor(route);
  mount(main, screen);
  const heading = main.querySelector('h1');
  document.title = `${heading ? heading.textContent : 'Referral'} – Drug diversion referral`;
  const focusId = state.pendingFocus || focusedId;
  state.pendingFocus = null;
  const target = focusId && document.getElementById(focusId);
  if (target) {
    target.focus();
  } else if (changedRoute && heading && !keepFocus) {
    // a new screen: start reading (and tabbing) from its heading, as a page load would
    window.scrollTo(0, 0);
    heading.focus();
  }
}

/** Redraw screens that only show state (not a form being filled), keeping the focus. */
function renderIfPassive() {
  const section = (location.hash || '#/').split('/')[1] || '';
  if (['', 'sent'].includes(section) || !state.session) render({ keepFocus: true });
  else renderHeader();
}

// ---- start-up -------------------------------------------------------------------------------

async function loadReferenceData() {
  const session = state.session;
  if (!session) return;
  const force = session.force || 'default';
  /**
   * @param {string} path
   * @param {string} key
   */
  const load = async (path, key) => {
    try {
      const value = await callApi(path, { token: session.token });
      await putReference(`${key}:${force}`, value);
      return value;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) expireSession();
      return getReference(`${key}:${force}`);
    }
  };
  [state.ruleSet, state.force] = await Promise.all([
    load('/v1/eligibility-rule-sets/current', 'rule-set'),
    load('/v1/force', 'force'),
  ]);
}

async function afterSignIn() {
  await loadReferenceData();
  await refreshEntries();
  handTokenToWorker();
  state.route = null;
  render();
  sendQueued();
}

async function start() {
  registerServiceWorker();
  try {
    state.config = await auth.loadPortalConfig();
  } catch {
    state.config = null;
  }
  const oidc = state.config?.sign_in === 'oidc' ? state.config.oidc : null;
  if (oidc) {
    try {
      const completed = await auth.completeOidcSignIn(oidc);
      if (completed) state.session = completed.session;
    } catch (error) {
      state.signInError = errorText(error);
    }
  }
  state.session = state.session || auth.currentSession();
  if (state.session?.expired && state.online) {
    state.session =
      (await auth.refreshSession(state.config, state.session).catch(() => null)) || state.session;
  }
  try {
    state.draft = restoreDraft(JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null'));
  } catch {
    state.draft = null;
  }
  // the retention rule: personal data leaves the phone on time (js/outbox.js)
  await outbox.applyRetention().catch((error) => {
    console.warn('retention rule not applied; it is tried again when the app next opens', error);
  });
  await progress.applyRetention().catch((error) => {
    console.warn('retention rule not applied to progress; tried again when the app next opens', error);
  });
  if (state.session) {
    await afterSignIn();
  } else {
    await refreshEntries();
    render();
  }

  window.addEventListener('hashchange', () => {
    // in-page anchors (the skip link) are not screens
    if (!location.hash || location.hash.startsWith('#/')) render();
  });
  byId('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener('online', () => {
    state.online = true;
    renderIfPassive();
    sendQueued();
  });
  window.addEventListener('offline', () => {
    state.online = false;
    renderIfPassive();
  });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sendQueued();
  });
  if ('BroadcastChannel' in window) {
    new BroadcastChannel(CHANNEL).addEventListener('message', async () => {
      await refreshEntries();
      renderIfPassive();
    });
  }
  setInterval(() => {
    if (state.online && state.entries.some((e) => e.state === 'queued')) sendQueued();
  }, RETRY_MS);
  document.documentElement.dataset.ready = 'true';
}

start();
