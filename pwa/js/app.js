// The officers' referral portal: start-up, routing between screens, and the glue between the
// form, the outbox, the service worker and the API.
//
// Screens are addressed by the hash (#/, #/new/person … #/new/review, #/sent/<id>,
// #/referrals) so the phone's back button walks back through the steps and a reload lands on
// the same step. The draft being made lives in this tab's sessionStorage (it survives a reload,
// not the tab); a submitted referral moves to the IndexedDB outbox, which survives everything.

import { ApiError, callApi } from './api.js';
import * as auth from './auth.js';
import { getReference, putReference } from './db.js';
import { h, mount } from './dom.js';
import * as outbox from './outbox.js';
import {
  STEPS,
  allAnswers,
  capitalise,
  encounterDay,
  fieldMessage,
  firstProblem,
  fromBody,
  newDraft,
  stepOfField,
  toBody,
} from './referral.js';
import { homeScreen } from './screens/home.js';
import { myReferralsScreen } from './screens/my-referrals.js';
import { signInScreen } from './screens/signin.js';
import { stepScreen } from './screens/steps.js';
import { submittedScreen } from './screens/submitted.js';
import { CHANNEL, flush } from './sync.js';

const DRAFT_KEY = 'diversion.draft';
// While referrals wait, try again this often: the `online` event does not fire when the phone
// has "signal" but no data getting through, which is the usual poor-signal case.
const RETRY_MS = 20 * 1000;

const main = document.getElementById('main');
const officerSlot = document.getElementById('officer');
const connection = document.getElementById('connection');

const app = {
  config: null,
  session: null,
  ruleSet: null,
  force: null,
  draft: null,
  stepErrors: {},
  entries: [],
  // notes of this officer's referrals removed by the retention rule, shown once on home
  removals: [],
  waitingCount: 0,
  online: navigator.onLine,
  signInError: null,
  pendingFocus: null,
  route: null,

  navigate(hash, { replace = false, focusId = null } = {}) {
    this.pendingFocus = focusId;
    if (replace || location.hash === hash) {
      history.replaceState(null, '', hash);
      render();
    } else {
      location.hash = hash;
    }
  },

  saveDraft() {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(this.draft));
  },

  /** A fresh referral: an abandoned empty draft's errors must not greet the next person. */
  startReferral() {
    this.draft = newDraft();
    this.stepErrors = {};
    this.saveDraft();
    this.navigate('#/new/person');
  },

  discardDraft() {
    this.draft = null;
    this.stepErrors = {};
    sessionStorage.removeItem(DRAFT_KEY);
    render();
  },

  context() {
    return { ruleSet: this.ruleSet, areas: this.force?.areas || [], now: new Date() };
  },

  /** Queue the referral on the phone first, then try to send it: it is never only in memory. */
  async submitDraft() {
    const problem = firstProblem(this.draft, this.context());
    if (problem && problem.step !== 'review') {
      this.stepErrors[problem.step] = problem.errors;
      this.navigate(`#/new/${problem.step}`, { focusId: 'error-summary' });
      return;
    }
    const replaces = this.draft.replaces;
    const entry = await outbox.enqueue({ body: toBody(this.draft), officer: this.session.subject });
    if (replaces) await outbox.discard(replaces);
    this.draft = null;
    this.stepErrors = {};
    sessionStorage.removeItem(DRAFT_KEY);
    await refreshEntries();
    this.navigate(`#/sent/${entry.id}`);
    requestBackgroundSync();
    sendQueued();
  },

  /** Load a refused referral back into the form, with the server's errors beside its fields. */
  async correctEntry(id) {
    const entry = await outbox.get(id);
    if (!entry || !entry.body) return;
    // the refusal may come from a change at the force (an area renamed): pick it up first
    if (this.online) await loadReferenceData();
    this.draft = fromBody(entry.body);
    this.draft.replaces = id;
    this.stepErrors = {};
    for (const { field, message } of entry.problem?.errors || []) {
      const step = stepOfField(field);
      this.stepErrors[step] = { ...this.stepErrors[step], [field]: fieldMessage(field, message) };
    }
    this.saveDraft();
    const first = STEPS.find((s) => this.stepErrors[s.id]) || STEPS[STEPS.length - 1];
    this.navigate(`#/new/${first.id}`, { focusId: 'error-summary' });
  },

  /** Home is showing the removal notice: the notes are forgotten, the notice stays until hidden. */
  removalsShown() {
    const unread = this.removals.filter((note) => !note.shown);
    if (!unread.length) return;
    for (const note of unread) note.shown = true;
    outbox.forgetRemovalNotes(unread.map((note) => note.id)).catch((error) => {
      console.warn('removal notes not forgotten; they are shown again next time', error);
    });
  },

  dismissRemovals() {
    this.removals = [];
    this.pendingFocus = 'on-this-phone';
    render();
  },

  async discardEntry(id) {
    await outbox.discard(id);
    await refreshEntries();
    render({ keepFocus: false });
  },

  /**
   * Ask the server for its decision before submitting, when there is signal: it alone knows
   * whether the person is barred. The officer learns only "not eligible until DATE".
   */
  async checkWithServer(container) {
    if (!this.online || !this.session || !this.draft) return;
    const draft = this.draft;
    const note = () => container.querySelector('#server-check');
    try {
      const decision = await callApi('/v1/eligibility-checks', {
        method: 'POST',
        token: this.session.token,
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
      if (!note()) return;
      if (decision.eligible) {
        note().textContent = 'Checked with your force’s records: eligible.';
      } else {
        note().replaceWith(
          h('div', { id: 'server-check', class: 'decision decision--fail' },
            h('p', { class: 'decision__title' }, 'Not eligible for diversion'),
            h('ul', {}, decision.reasons.map((r) => h('li', {}, capitalise(r))))),
        );
      }
    } catch (error) {
      if (note()) {
        note().textContent = 'Checked on this phone. Whether the person is barred after an earlier referral is checked when the referral is sent.';
      }
      if (error instanceof ApiError && error.status === 401) expireSession();
    }
  },

  loadMyReferrals() {
    return callApi('/v1/referrals?limit=20', { token: this.session.token }).catch((error) => {
      if (error instanceof ApiError && error.status === 401) expireSession();
      throw error;
    });
  },

  loadDevUsers() {
    return auth.devUsers();
  },

  async devSignIn(subject) {
    try {
      this.session = await auth.devSignIn(subject);
      this.signInError = null;
      await afterSignIn();
    } catch (error) {
      this.signInError = error instanceof TypeError ? 'No connection. Sign in when there is signal.' : error.message;
      render();
    }
  },

  beginOidc() {
    auth.beginOidcSignIn(this.config.oidc).catch((error) => {
      this.signInError = error.message;
      render();
    });
  },

  async signOut() {
    const url = auth.signOutUrl(this.config, this.session);
    auth.clearSession();
    sessionStorage.removeItem(DRAFT_KEY);
    postToWorker({ type: 'sign-out' });
    this.session = null;
    this.draft = null;
    this.stepErrors = {};
    this.removals = [];
    if (url) {
      location.assign(url);
      return;
    }
    await refreshEntries();
    this.navigate('#/');
  },
};

// ---- the service worker ---------------------------------------------------------------------

function postToWorker(message) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage(message));
}

/**
 * Give the service worker the token so it can send the outbox from Background Sync while this
 * page is in the background. It keeps the token in memory only, and asks again when it starts.
 */
function handTokenToWorker() {
  if (!app.session || app.session.expired) return;
  postToWorker({
    type: 'session',
    token: app.session.token,
    officer: app.session.subject,
    expires_at: app.session.expires_at,
  });
}

function requestBackgroundSync() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync?.register('outbox'))
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
  app.waitingCount = entries.filter((e) => e.state === 'queued').length;
  const mine = app.session ? entries.filter((e) => e.officer === app.session.subject) : [];
  app.entries = mine.filter((e) => e.state !== 'removed');
  for (const note of mine.filter((e) => e.state === 'removed')) {
    if (!app.removals.some((known) => known.id === note.id)) app.removals.push(note);
  }
}

let sending = null;
let sendAgain = false;

/** Send this officer's queued referrals from the page; overlapping calls coalesce into one. */
async function sendQueued() {
  if (!app.session || app.session.expired) return;
  if (sending) {
    sendAgain = true;
    return;
  }
  sending = (async () => {
    do {
      sendAgain = false;
      const summary = await flush({ token: app.session.token, officer: app.session.subject });
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
  if (app.session) app.session.expired = true;
  renderHeader();
}

// ---- rendering ------------------------------------------------------------------------------

function renderHeader() {
  if (app.session) {
    officerSlot.replaceChildren(
      h('span', { class: 'officer__name' }, app.session.name),
      h('button', { type: 'button', class: 'button button--header', onclick: () => app.signOut() }, 'Sign out'),
    );
  } else {
    officerSlot.replaceChildren();
  }
  const messages = [];
  if (!app.online) {
    messages.push('Offline. Referrals are saved on this phone and sent when there is signal.');
  }
  if (app.session?.expired) {
    messages.push('Your sign-in has expired. Sign out and in again to send referrals.');
  }
  connection.replaceChildren(...messages.map((m) => h('p', {}, m)));
  connection.hidden = messages.length === 0;
}

function screenFor(route) {
  if (!app.session) return signInScreen(app);
  const [, section, param] = route.split('/');
  if (section === 'new') {
    if (!app.draft) app.draft = newDraft();
    const step = STEPS.some((s) => s.id === param) ? param : 'person';
    return stepScreen(app, step);
  }
  if (section === 'sent') return submittedScreen(app, param);
  if (section === 'referrals') return myReferralsScreen(app);
  return homeScreen(app);
}

function render({ keepFocus = false } = {}) {
  const route = location.hash || '#/';
  const focusedId = keepFocus ? document.activeElement?.id : null;
  const changedRoute = route !== app.route;
  app.route = route;
  renderHeader();
  const screen = screenFor(route);
  mount(main, screen);
  const heading = main.querySelector('h1');
  document.title = `${heading ? heading.textContent : 'Referral'} – Drug diversion referral`;
  const focusId = app.pendingFocus || focusedId;
  app.pendingFocus = null;
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
  if (['', 'sent'].includes(section) || !app.session) render({ keepFocus: true });
  else renderHeader();
}

// ---- start-up -------------------------------------------------------------------------------

async function loadReferenceData() {
  const force = app.session.force || 'default';
  const load = async (path, key) => {
    try {
      const value = await callApi(path, { token: app.session.token });
      await putReference(`${key}:${force}`, value);
      return value;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) expireSession();
      return getReference(`${key}:${force}`);
    }
  };
  [app.ruleSet, app.force] = await Promise.all([
    load('/v1/eligibility-rule-sets/current', 'rule-set'),
    load('/v1/force', 'force'),
  ]);
}

async function afterSignIn() {
  await loadReferenceData();
  await refreshEntries();
  handTokenToWorker();
  app.route = null;
  render();
  sendQueued();
}

async function start() {
  registerServiceWorker();
  try {
    app.config = await auth.loadPortalConfig();
  } catch {
    app.config = null;
  }
  if (app.config?.sign_in === 'oidc') {
    try {
      const completed = await auth.completeOidcSignIn(app.config.oidc);
      if (completed) app.session = completed.session;
    } catch (error) {
      app.signInError = error.message;
    }
  }
  app.session = app.session || auth.currentSession();
  if (app.session?.expired && app.online) {
    app.session = (await auth.refreshSession(app.config, app.session).catch(() => null)) || app.session;
  }
  try {
    app.draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || 'null');
  } catch {
    app.draft = null;
  }
  // the retention rule: personal data leaves the phone on time (js/outbox.js)
  await outbox.applyRetention().catch((error) => {
    console.warn('retention rule not applied; it is tried again when the app next opens', error);
  });
  if (app.session) {
    await afterSignIn();
  } else {
    await refreshEntries();
    render();
  }

  window.addEventListener('hashchange', () => {
    // in-page anchors (the skip link) are not screens
    if (!location.hash || location.hash.startsWith('#/')) render();
  });
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  window.addEventListener('online', () => {
    app.online = true;
    renderIfPassive();
    sendQueued();
  });
  window.addEventListener('offline', () => {
    app.online = false;
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
    if (app.online && app.entries.some((e) => e.state === 'queued')) sendQueued();
  }, RETRY_MS);
  document.documentElement.dataset.ready = 'true';
}

start();

