// A tiny element builder: enough to write screens as functions without a framework.

/** What a screen may put inside an element: nodes, text, numbers, nothing, or lists of them. */
/** @typedef {Node | string | number | null | undefined | false | ChildList} Child */
/** @typedef {Child[]} ChildList */
/**
 * Attributes and properties of an element: `on*` functions are listeners, `class` and
 * `dataset` are set as such, null/undefined/false leave the attribute out, true sets it empty.
 * @typedef {Record<string, unknown>} Attributes
 */

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'textContent']);

/**
 * h('p', {class: 'hint'}, 'text', child, [more]) → an element. null/false attributes are left out.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes | null} [attributes]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (name === 'class') {
      element.className = String(value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (PROPERTIES.has(name)) {
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (element))[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/**
 * @param {Element} element
 * @param {ChildList} children
 */
function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace the contents of `root`.
 * @param {Element} root
 * @param {...Child} children
 */
export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

// Dates are written day month year, the month in words ("27 March 2007"), whatever the
// browser's locale: 03/04/2007 is one date in England and another on a US-set phone.
const DAY_MONTH_YEAR = /** @type {const} */ ({ day: 'numeric', month: 'long', year: 'numeric' });
const dateTime = new Intl.DateTimeFormat('en-GB', { ...DAY_MONTH_YEAR, hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { ...DAY_MONTH_YEAR, timeZone: 'UTC' });

/**
 * A moment on this phone's clock: "27 March 2007 at 14:05".
 * @param {string | null | undefined} iso
 */
export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '';
}

const dayOf = new Intl.DateTimeFormat('en-GB', DAY_MONTH_YEAR);

/**
 * The day of a moment, on this phone's calendar: "12 April 2025".
 * @param {string | null | undefined} iso
 */
export function formatDay(iso) {
  return iso ? dayOf.format(new Date(iso)) : '';
}

/**
 * An ISO date (YYYY-MM-DD) as "12 April 1998", read as a calendar day in no time zone.
 * @param {string | null | undefined} isoDate
 */
export function formatDate(isoDate) {
  return isoDate ? dateOnly.format(new Date(`${isoDate}T00:00:00Z`)) : '';
}
