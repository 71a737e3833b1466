// The portal's IndexedDB database: the outbox of referrals, cached reference data, and the
// referrals' progress as last fetched.
//
// Used by the page and by the service worker, so nothing here touches the DOM.
//
// Upgrades only ever add. A store that may hold queued referrals is never deleted or recreated
// on upgrade: that is how queues are lost (an officer's referral sitting on the phone for an
// hour would vanish with an app update). Each migration runs once, from the version the phone
// has up to the current one.

export const DB_NAME = 'diversion-portal';

/** @type {((db: IDBDatabase) => void)[]} */
const MIGRATIONS = [
  // v1: referrals waiting to be sent, keyed by their client-made UUID (the Idempotency-Key)
  (db) => {
    const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
    outbox.createIndex('by_created', 'created_at');
  },
  // v2: the force's rule set and areas, so a referral can be made with no signal
  (db) => {
    db.createObjectStore('reference', { keyPath: 'key' });
  },
  // v3: the referrals last fetched (their status and steps), to show with no signal
  (db) => {
    const progress = db.createObjectStore('progress', { keyPath: 'key' });
    progress.createIndex('by_officer', 'officer');
  },
];

export const DB_VERSION = MIGRATIONS.length;

/** @type {Promise<IDBDatabase> | null} */
let opening = null;

/**
 * Open (and upgrade) the database once per context.
 * @returns {Promise<IDBDatabase>}
 */
export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = (event) => {
        const db = request.result;
        for (let version = event.oldVersion; version < DB_VERSION; version += 1) {
          MIGRATIONS[version](db);
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab (or a new service worker) wants to upgrade: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
      request.onblocked = () => {
        console.warn('database upgrade waiting for another tab to close');
      };
    });
  }
  return opening;
}

/**
 * @template T
 * @param {IDBRequest<T>} request
 * @returns {Promise<T>}
 */
function asPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * Run `work(stores)` in one transaction and resolve with its result once the transaction has
 * committed, so callers never report a state change that was not written.
 * @template R
 * @param {string | string[]} storeNames
 * @param {IDBTransactionMode} mode
 * @param {(stores: Record<string, IDBObjectStore>, p: typeof asPromise) => Promise<R>} work
 * @returns {Promise<R>}
 */
export async function transaction(storeNames, mode, work) {
  const db = await openDb();
  const names = Array.isArray(storeNames) ? storeNames : [storeNames];
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries(names.map((name) => [name, tx.objectStore(name)]));
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(undefined);
    tx.onabort = () => reject(tx.error);
    tx.onerror = () => reject(tx.error);
  });
  let result;
  try {
    result = await work(stores, asPromise);
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // already finished: nothing to undo
    }
    done.catch(() => {});
    throw error;
  }
  await done;
  return result;
}

/**
 * Reference data (rule set, force areas) cached by key.
 * @param {string} key
 * @returns {Promise<any>} what was put under `key`, or null
 */
export async function getReference(key) {
  const row = await transaction('reference', 'readonly', ({ reference }, p) =>
    p(reference.get(key)),
  );
  return row ? row.value : null;
}

/**
 * @param {string} key
 * @param {unknown} value
 */
export async function putReference(key, value) {
  await transaction('reference', 'readwrite', ({ reference }, p) =>
    p(reference.put({ key, value, saved_at: new Date().toISOString() })),
  );
}
