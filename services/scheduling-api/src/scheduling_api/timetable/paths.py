"""The session id in a path: any one segment except the names /v1/sessions/ keeps for itself.

`/v1/sessions/unmarked` and `/v1/sessions/{id}.ics` sit beside `/v1/sessions/{id}`. Were the
id any segment, `{id}` would take "unmarked" or "….ics" as an id: the answer would hang on
the order routers are added in, and a PATCH of a calendar would be refused as a malformed id
where the truth is that a calendar cannot be changed (405). A malformed id is still read, and
refused (422) with the reason, by the route's own parameter.
"""

from __future__ import annotations

from starlette.convertors import StringConvertor, register_url_convertor

UNMARKED = "unmarked"


class SessionIdSegment(StringConvertor):
    regex = rf"(?!{UNMARKED}$)[^/]+(?<!\.ics)"


register_url_convertor("session_id", SessionIdSegment())

# A route's path: "/sessions/" + SESSION_ID (+ "/attendance")
SESSION_ID = "{session_id:session_id}"
