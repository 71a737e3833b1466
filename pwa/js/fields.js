// Form fields that carry their label, hint and error with them.
//
// Every input is tied to the referral's JSON path (`person.date_of_birth`, `substances.0.unit`),
// the same path the server names in a problem's `errors[].field`, so a server refusal lands
// beside the input it is about. Errors follow the GOV.UK pattern: a message under the label,
// the input marked aria-invalid and described by the message, and a summary at the top of the
// step linking to each field.

import { h } from './dom.js';

/** @typedef {import('./dom.js').Child} Child */
/** @typedef {import('./vocabulary.js').Choice} Choice */
/** @typedef {import('./vocabulary.js').ChoiceGroup} ChoiceGroup */
/** The value a control gives: text, a code, a yes/no answer, or nothing chosen. @typedef {string | boolean | null} FieldValue */
/** @typedef {(path: string, value: FieldValue) => void} ChangeHandler */

/**
 * The element id of the input for a field path.
 * @param {string} path
 */
export function idFor(path) {
  return `f-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/**
 * The value at a dotted path (`substances.0.unit`) of a plain object.
 * @param {object} object
 * @param {string} path
 * @returns {unknown}
 */
export function getPath(object, path) {
  return path
    .split('.')
    .reduce(
      (/** @type {any} */ value, key) => (value == null ? undefined : value[key]),
      object,
    );
}

/**
 * Set the value at a dotted path of a plain object, making the objects on the way.
 * @param {object} object
 * @param {string} path
 * @param {unknown} value
 */
export function setPath(object, path, value) {
  const keys = path.split('.');
  const last = /** @type {string} */ (keys.pop());
  /** @type {any} */
  let target = object;
  for (const key of keys) {
    if (target[key] == null) target[key] = {};
    target = target[key];
  }
  target[last] = value;
}

/**
 * Builds fields that show the values of `draft` and its `errors`. The kit never writes into the
 * draft: `onChange(path, value)` is called on every change, and the caller records it (and
 * saves the draft, and updates live explanations).
 */
export class FieldKit {
  /**
   * @param {{draft: Readonly<object>, errors: Readonly<Record<string, string>>, onChange: ChangeHandler}} options
   */
  constructor({ draft, errors, onChange }) {
    this.draft = draft;
    this.errors = errors;
    this.onChange = onChange;
  }

  /** @param {string} path */
  value(path) {
    return getPath(this.draft, path);
  }

  /**
   * @param {string} path
   * @param {FieldValue} value
   */
  change(path, value) {
    this.onChange(path, value);
  }

  /**
   * @param {string} path
   * @param {string | null | undefined} hint
   */
  describedBy(path, hint) {
    const ids = [];
    if (hint) ids.push(`${idFor(path)}-hint`);
    if (this.errors[path]) ids.push(`${idFor(path)}-error`);
    return ids.join(' ') || null;
  }

  /**
   * @param {string} path
   * @param {string | null | undefined} text
   */
  hint(path, text) {
    return text ? h('p', { class: 'hint', id: `${idFor(path)}-hint` }, text) : null;
  }

  /** @param {string} path */
  error(path) {
    const message = this.errors[path];
    if (!message) return null;
    return h(
      'p',
      { class: 'error-message', id: `${idFor(path)}-error` },
      h('span', { class: 'visually-hidden' }, 'Error: '),
      message,
    );
  }

  /**
   * @param {string} text
   * @param {boolean | undefined} optional
   */
  labelText(text, optional) {
    return [text, optional ? h('span', { class: 'optional' }, ' (optional)') : null];
  }

  /** What every answerable control carries: its name, whether it is required, its error. */
  /**
   * @param {string} path
   * @param {string | undefined} hint
   */
  control(path, hint, optional = false) {
    return {
      id: idFor(path),
      name: path,
      required: !optional,
      'aria-required': optional ? null : 'true',
      'aria-invalid': this.errors[path] ? 'true' : null,
      'aria-describedby': this.describedBy(path, hint),
    };
  }

  /**
   * A control under its label, hint and error, in the order a screen reader reads them.
   * @param {string} path
   * @param {string} label
   * @param {string | undefined} hint
   * @param {boolean | undefined} optional
   * @param {HTMLElement} control
   */
  labelled(path, label, hint, optional, control) {
    return this.wrap(
      path,
      h('label', { class: 'label', for: idFor(path) }, this.labelText(label, optional)),
      this.hint(path, hint),
      this.error(path),
      control,
    );
  }

  /**
   * @param {string} path
   * @param {...Child} children
   */
  wrap(path, ...children) {
    return h(
      'div',
      { class: `field${this.errors[path] ? ' field--error' : ''}`, dataset: { field: path } },
      ...children,
    );
  }

  /**
   * A typed text input (names, phone, postcode, references: things that cannot be picked).
   * @param {string} path
   * @param {string} label
   * @param {{hint?: string, optional?: boolean, type?: string, autocomplete?: string,
   *          inputmode?: string, width?: string, spellcheck?: boolean}} [options]
   */
  text(path, label, options = {}) {
    const { hint, optional, type = 'text', autocomplete, inputmode, width, spellcheck } = options;
    const input = h('input', {
      ...this.control(path, hint, optional),
      type,
      class: `input${width ? ` input--${width}` : ''}`,
      value: this.value(path) ?? '',
      autocomplete: autocomplete || 'off',
      inputmode,
      spellcheck: spellcheck === undefined ? null : String(spellcheck),
      oninput: (/** @type {Event} */ event) => this.change(path, inputValue(event)),
    });
    return this.labelled(path, label, hint, optional, input);
  }

  /**
   * A number typed with the numeric keypad (a quantity is an estimate, not a code).
   * @param {string} path
   * @param {string} label
   * @param {{hint?: string, min?: number, max?: number, step?: string}} [options]
   */
  number(path, label, options = {}) {
    const { hint, min, max, step = 'any' } = options;
    const input = h('input', {
      ...this.control(path, hint),
      type: 'number',
      class: 'input input--short',
      inputmode: 'decimal',
      min,
      max,
      step,
      value: this.value(path) ?? '',
      oninput: (/** @type {Event} */ event) => this.change(path, inputValue(event)),
    });
    return this.labelled(path, label, hint, false, input);
  }

  /**
   * A date or date-and-time picked from the phone's calendar, never typed.
   * @param {string} path
   * @param {string} label
   * @param {{hint?: string, min?: string, max?: string, type?: string}} [options]
   */
  date(path, label, options = {}) {
    const { hint, min, max, type = 'date' } = options;
    const input = h('input', {
      ...this.control(path, hint),
      type,
      class: 'input input--date',
      min,
      max,
      value: this.value(path) ?? '',
      onchange: (/** @type {Event} */ event) => this.change(path, inputValue(event)),
      oninput: (/** @type {Event} */ event) => this.change(path, inputValue(event)),
    });
    return this.labelled(path, label, hint, false, input);
  }

  /**
   * A date a person remembers (a date of birth), typed as day, month and year in three numeric
   * fields, as the GOV.UK Design System asks it: the same in every browser and locale, where a
   * date picker shows the browser's own order and scrolls decades to reach a birth year. The
   * parts are kept at `<path>_parts.day` and so on; errors are named by `path`, and the day
   * field carries its id, so a summary's link lands on it.
   * @param {string} path the date's path (`person.date_of_birth`)
   * @param {string} legend
   * @param {{hint?: string}} [options]
   */
  dateParts(path, legend, options = {}) {
    const { hint = 'For example, 27 3 2007' } = options;
    const id = idFor(path);
    const invalid = this.errors[path] ? 'true' : null;
    const parts = /** @type {const} */ ([
      ['day', 'Day', id, 'input--2'],
      ['month', 'Month', `${id}-month`, 'input--2'],
      ['year', 'Year', `${id}-year`, 'input--4'],
    ]);
    const items = parts.map(([part, label, inputId, width]) => {
      const partPath = `${path}_parts.${part}`;
      return h(
        'div',
        { class: 'date-input__item' },
        h('label', { class: 'label date-input__label', for: inputId }, label),
        h('input', {
          id: inputId,
          name: partPath,
          type: 'text',
          inputmode: 'numeric',
          autocomplete: 'off',
          spellcheck: 'false',
          class: `input ${width}`,
          required: true,
          'aria-invalid': invalid,
          value: this.value(partPath) ?? '',
          oninput: (/** @type {Event} */ event) => this.change(partPath, inputValue(event)),
        }),
      );
    });
    return h(
      'fieldset',
      {
        class: `field fieldset${this.errors[path] ? ' field--error' : ''}`,
        dataset: { field: path },
        'aria-describedby': this.describedBy(path, hint),
      },
      h('legend', { class: 'legend' }, legend),
      this.hint(path, hint),
      this.error(path),
      h('div', { class: 'date-input' }, items),
    );
  }

  /**
   * A drop-down; `choices` is [[code, label]] or [{group, options: [[code, label]]}].
   * @param {string} path
   * @param {string} label
   * @param {(Choice | ChoiceGroup)[]} choices
   * @param {{hint?: string, optional?: boolean, placeholder?: string}} [options]
   */
  select(path, label, choices, options = {}) {
    const { hint, optional, placeholder = 'Choose…' } = options;
    const current = this.value(path) ?? '';
    /** @param {Choice} choice */
    const option = ([code, text]) => h('option', { value: code, selected: code === current }, text);
    const items = choices.map((choice) =>
      Array.isArray(choice)
        ? option(choice)
        : h('optgroup', { label: choice.group }, choice.options.map(option)),
    );
    const select = h(
      'select',
      {
        ...this.control(path, hint, optional),
        class: 'select',
        onchange: (/** @type {Event} */ event) => this.change(path, inputValue(event) || null),
      },
      h('option', { value: '', selected: current === '' }, placeholder),
      items,
    );
    return this.labelled(path, label, hint, optional, select);
  }

  /**
   * One choice from a few, as large radio rows. Values may be booleans (Yes/No questions):
   * they are written to the draft as booleans, because the API refuses "true" as text.
   * @param {string} path
   * @param {string} legend
   * @param {[string | boolean, string][]} choices
   * @param {{hint?: string, inline?: boolean, note?: Child, legendClass?: string}} [options]
   */
  radios(path, legend, choices, options = {}) {
    const { hint, inline, note, legendClass = 'legend' } = options;
    const id = idFor(path);
    const current = this.value(path);
    const rows = choices.map(([value, text], index) => {
      const inputId = index === 0 ? id : `${id}-${index}`;
      return h(
        'label',
        { class: 'radio', for: inputId },
        h('input', {
          id: inputId,
          type: 'radio',
          name: path,
          value: String(value),
          checked: current === value,
          onchange: () => this.change(path, value),
        }),
        h('span', { class: 'radio__label' }, text),
      );
    });
    return h(
      'fieldset',
      {
        class: `field fieldset${this.errors[path] ? ' field--error' : ''}`,
        dataset: { field: path },
        'aria-describedby': this.describedBy(path, hint),
      },
      h('legend', { class: legendClass }, legend),
      this.hint(path, hint),
      this.error(path),
      h('div', { class: `radios${inline ? ' radios--inline' : ''}` }, rows),
      note || null,
    );
  }

  /**
   * @param {string} path
   * @param {string} label
   * @param {{hint?: string}} [options]
   */
  checkbox(path, label, options = {}) {
    const { hint } = options;
    const id = idFor(path);
    return this.wrap(
      path,
      h(
        'label',
        { class: 'checkbox', for: id },
        h('input', {
          id,
          type: 'checkbox',
          name: path,
          checked: Boolean(this.value(path)),
          'aria-describedby': this.describedBy(path, hint),
          onchange: (/** @type {Event} */ event) =>
            this.change(path, /** @type {HTMLInputElement} */ (event.target).checked),
        }),
        h('span', { class: 'checkbox__label' }, label),
      ),
      this.hint(path, hint),
    );
  }
}

/**
 * What an input or select holds now.
 * @param {Event} event
 */
function inputValue(event) {
  return /** @type {HTMLInputElement | HTMLSelectElement} */ (event.target).value;
}

/**
 * The summary of errors at the top of a step; each links to (and focuses) its field.
 * @param {Readonly<Record<string, string>>} errors
 * @param {Record<string, string>} [labels]
 */
export function errorSummary(errors, labels = {}) {
  const entries = Object.entries(errors);
  if (!entries.length) return null;
  return h(
    'div',
    {
      class: 'error-summary',
      role: 'alert',
      tabindex: '-1',
      'aria-labelledby': 'error-summary-title',
    },
    h('h2', { class: 'error-summary__title', id: 'error-summary-title' }, 'There is a problem'),
    h(
      'ul',
      { class: 'error-summary__list' },
      entries.map(([path, message]) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `#${idFor(path)}`,
              onclick: (/** @type {Event} */ event) => {
                event.preventDefault();
                // the eligibility decision itself has no input: its explanation is the target
                const target =
                  document.getElementById(idFor(path)) || document.getElementById('decision');
                if (target) target.focus();
              },
            },
            labels[path] ? `${labels[path]}: ${message}` : message,
          ),
        ),
      ),
    ),
  );
}
