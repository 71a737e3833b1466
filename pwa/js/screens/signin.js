// Signing in: the demonstration picker locally, the force's provider in production.

import { h } from '../dom.js';

/**
 * @param {{config: import('../auth.js').PortalConfig | null, waitingCount: number,
 *          signInError: string | null}} view
 * @param {{loadDevUsers: () => Promise<import('../auth.js').DevUser[]>,
 *          devSignIn: (subject: string) => void, beginOidc: () => void}} actions
 */
export function signInScreen({ config, waitingCount: waiting, signInError }, actions) {
  const intro = [
    h('h1', { tabindex: '-1' }, 'Sign in'),
    h('p', { class: 'lead' }, 'Refer a person found with drugs for personal use to a drug intervention instead of arrest.'),
    waiting
      ? h('div', { class: 'notice', role: 'status' },
          `${waiting} referral${waiting === 1 ? ' is' : 's are'} waiting on this phone. Sign in as the officer who made ${waiting === 1 ? 'it' : 'them'} to send ${waiting === 1 ? 'it' : 'them'}.`)
      : null,
    signInError ? h('div', { class: 'error-summary', role: 'alert' }, h('p', {}, signInError)) : null,
  ];
  if (!config) {
    return h('div', {}, intro, h('p', {}, 'Connect to the network to sign in for the first time.'));
  }
  if (config.sign_in === 'oidc') {
    return h(
      'div',
      {},
      intro,
      h('button', { type: 'button', class: 'button button--primary', id: 'oidc-sign-in', onclick: () => actions.beginOidc() },
        'Sign in with your force account'),
      h('p', { class: 'hint' }, 'You will go to your force’s sign-in page and come back here.'),
    );
  }
  if (config.sign_in === 'development') {
    const list = h('div', { class: 'user-list', id: 'dev-users' }, h('p', { class: 'hint' }, 'Loading demonstration officers…'));
    actions.loadDevUsers().then(
      (users) => {
        // officers refer; a supervisor follows the force's referrals
        const officers = users.filter((u) => u.role === 'officer' || u.role === 'supervisor');
        list.replaceChildren(
          ...officers.map((user) =>
            // the officer's name says who they are; a force's identifier is not for reading
            h('button', { type: 'button', class: 'button button--choice', onclick: () => actions.devSignIn(user.subject) },
              h('span', { class: 'choice__name' }, user.name)),
          ),
        );
      },
      () => list.replaceChildren(h('p', {}, navigator.onLine
        ? 'Could not load the demonstration officers. Reload to try again.'
        : 'You are offline. Sign in when there is signal.')),
    );
    return h(
      'div',
      {},
      intro,
      h('div', { class: 'notice notice--dev' }, 'Development sign-in: choose a demonstration officer. Real deployments use the force’s account.'),
      h('h2', {}, 'Choose an officer'),
      list,
    );
  }
  return h('div', {}, intro, h('p', {}, 'Sign-in is not set up on this server yet. Ask your administrator.'));
}
