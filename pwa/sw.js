// The service worker: the app opens with no signal, and queued referrals are sent even while
// the page is in the background.
//
// App shell: every file the app needs is cached at install in a cache named by VERSION; the
// old caches are deleted when the new version activates. Bump VERSION whenever a file changes
// (a test checks that SHELL lists every file of the app).
//
// Sending: the outbox (IndexedDB) is shared with the page, and so is the sending code
// (js/sync.js). The worker needs the officer's token to send; the page hands it over by
// postMessage and the worker keeps it in memory only, so it is gone when the worker stops and is
// never written anywhere. Sends are triggered by Background Sync (Chromium), by the worker
// starting, and by a token arriving; the page sends too (on submit, on `online`, on open), since
// Background Sync is missing from other browsers.

import { flush } from './js/sync.js';

/** This script's global scope is a service worker's. */
const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

const VERSION = 'v6';
const CACHE_PREFIX = 'portal-shell-';
const CACHE = `${CACHE_PREFIX}${VERSION}`;

const SHELL = [
  '/',
  '/index.html',
  '/manifest.webmanifest',
  '/css/app.css',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/js/api.js',
  '/js/app.js',
  '/js/auth.js',
  '/js/db.js',
  '/js/dom.js',
  '/js/eligibility.js',
  '/js/fields.js',
  '/js/outbox.js',
  '/js/progress.js',
  '/js/referral.js',
  '/js/sync.js',
  '/js/vocabulary.js',
  '/js/screens/home.js',
  '/js/screens/my-referrals.js',
  '/js/screens/outbox-list.js',
  '/js/screens/referral-detail.js',
  '/js/screens/signin.js',
  '/js/screens/steps.js',
  '/js/screens/submitted.js',
];

// Paths that always go to the network: the API and sign-in (never cached: they carry tokens
// and personal data).
const NETWORK_ONLY = ['/v1/', '/dev/', '/health', '/ready', '/openapi.json', '/docs', '/redoc'];

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload` skips the HTTP cache, so a new version never caches an old file
      await cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

/** @param {Request} request */
async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  return cached || fetch(request);
}

/**
 * The sign-in configuration: fresh when there is signal, the last copy when there is not.
 * @param {Request} request
 */
async function portalConfig(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put('/portal-config.json', response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match('/portal-config.json');
    if (cached) return cached;
    throw error;
  }
}

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== worker.location.origin) return;
  if (NETWORK_ONLY.some((prefix) => url.pathname.startsWith(prefix))) return;
  if (url.pathname === '/portal-config.json') {
    event.respondWith(portalConfig(request));
  } else if (request.mode === 'navigate') {
    // every page of the app is the same document; the hash picks the screen
    event.respondWith(
      caches.open(CACHE).then(async (cache) => (await cache.match('/index.html')) || fetch(request)),
    );
  } else {
    event.respondWith(fromShell(request));
  }
});

// ---- sending the outbox ---------------------------------------------------------------------

/** @type {{token: string, officer: string, expires_at: number} | null} */
let session = null; // memory only

function usableSession() {
  return session && Date.now() < session.expires_at - 60 * 1000 ? session : null;
}

/** Ask open pages for the token (the worker may have restarted and forgotten it). */
async function askPagesForSession() {
  const pages = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const page of pages) page.postMessage({ type: 'session-please' });
  return pages.length;
}

/** @returns {Promise<{stopped: string | null}>} */
async function send() {
  const current = usableSession();
  if (!current) {
    await askPagesForSession();
    return { stopped: 'signed-out' };
  }
  return flush({ token: current.token, officer: current.officer });
}

worker.addEventListener('message', (event) => {
  const { data } = event;
  if (data?.type === 'session' && data.token) {
    session = { token: data.token, officer: data.officer, expires_at: data.expires_at };
    event.waitUntil(send());
  } else if (data?.type === 'sign-out') {
    session = null;
  }
});

// Background Sync (Chromium only) is not in TypeScript's worker types: its event is an
// ExtendableEvent with a `tag`.
worker.addEventListener('sync', (event) => {
  const sync = /** @type {ExtendableEvent & {tag?: string}} */ (event);
  if (sync.tag !== 'outbox') return;
  sync.waitUntil(
    (async () => {
      const summary = await send();
      // a rejected sync is retried by the browser later, with back-off
      if (summary.stopped === 'offline' || summary.stopped === 'later') {
        throw new Error('outbox not sent yet');
      }
    })(),
  );
});

// The worker has just started (a page opened, a sync fired, the browser woke it): it has no
// token yet, so ask any open page for one; the answer triggers a send.
askPagesForSession();
