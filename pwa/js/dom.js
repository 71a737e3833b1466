// A tiny element builder: enough to write screens as functions without a framework.

const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'textContent']);

/** h('p', {class: 'hint'}, 'text', child, [more]) → an element. null/false attributes are left out. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'class') {
      element.className = value;
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (PROPERTIES.has(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace the contents of `root`. */
export function mount(root, ...children) {
  root.replaceChildren();
  append(root, children);
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

export function formatDateTime(iso) {
  return iso ? dateTime.format(new Date(iso)) : '';
}

const dayOf = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long' });

/** The day of a moment, on this phone's calendar: "12 April 2025". */
export function formatDay(iso) {
  return iso ? dayOf.format(new Date(iso)) : '';
}

/** An ISO date (YYYY-MM-DD) as "12 April 1998", read as a calendar day in no time zone. */
export function formatDate(isoDate) {
  return isoDate ? dateOnly.format(new Date(`${isoDate}T00:00:00Z`)) : '';
}
