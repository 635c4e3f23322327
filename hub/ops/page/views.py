"""The /ops handlers: each authenticates, reads or acts through one store call, and answers.

Reads take a session (a browser) or, for the JSON picture only, HTTP Basic credentials (the
terminal). Actions are POSTed forms that carry the session's CSRF token; each is logged with the
operator's name.
"""

from __future__ import annotations

import re
from importlib import resources

import orjson
import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from hub.clock import clock_of
from hub.feeds.webhooks.resources import WEBHOOK_WORKER
from hub.http.query import PARTICIPANT_ID, PLATFORM, SUBSCRIPTION_ID, path_param
from hub.ops.page import render
from hub.ops.page.auth import COOKIE, COOKIE_PATH, Authenticated, check_csrf
from hub.ops.page.resources import (
    ENDPOINTS,
    OPERATOR_AUTH,
    OVERVIEW,
    SYNC_STATE,
    SYNC_TARGETS,
)
from hub.problems import BadRequest, NotFound, Unauthorized

log = structlog.get_logger("hub.ops.page")

HTML = "text/html"
_NEXT = re.compile(r"^/ops(/[A-Za-z0-9._:~%-]+)*$")
_STATIC = {"ops.js": "text/javascript", "ops.css": "text/css"}


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type=HTML, charset="utf-8")


async def _session(request: web.Request) -> Authenticated | None:
    return await request.app[OPERATOR_AUTH].session_of(request)


async def _page_session(request: web.Request) -> Authenticated:
    """The session of a page request; a browser without one is sent to the login form."""
    found = await _session(request)
    if found is None or found.session is None:
        raise web.HTTPSeeOther("/ops/login")
    return found


async def _api_session(request: web.Request) -> Authenticated:
    found = await _session(request)
    if found is None or found.session is None:
        raise Unauthorized("operator-login", "log in at /ops/login first (or the session expired)")
    return found


async def _form(request: web.Request) -> dict[str, str]:
    """The posted form's text fields; a body aiohttp cannot read as a form is a 400."""
    try:
        posted = await request.post()
    # A broken multipart body or part header, an unknown charset.
    except (ValueError, LookupError, HttpProcessingError) as err:
        raise BadRequest("the body is not a readable form (url-encoded or multipart)") from err
    return {k: v for k, v in posted.items() if isinstance(v, str)}


async def _action(request: web.Request) -> tuple[Authenticated, web.HTTPSeeOther, dict[str, str]]:
    """An action's session, CSRF-checked, the redirect that follows it, and its form."""
    found = await _api_session(request)
    form = await _form(request)
    check_csrf(found, form.get("csrf"))
    back = form.get("next", "/ops")
    return found, web.HTTPSeeOther(back if _NEXT.match(back) else "/ops"), form


# pages --------------------------------------------------------------------------------------


async def get_overview(request: web.Request) -> web.Response:
    found = await _page_session(request)
    picture = await request.app[OVERVIEW].picture()
    if found.session is None:  # for mypy: _page_session returns only sessions
        raise web.HTTPSeeOther("/ops/login")
    return _html(render.overview_page(picture, found.operator, found.session.csrf_token))


async def get_live(request: web.Request) -> web.Response:
    found = await _api_session(request)
    picture = await request.app[OVERVIEW].picture()
    csrf = found.session.csrf_token if found.session else ""
    return _html(render.live_fragment(picture, csrf))


async def get_state(request: web.Request) -> web.Response:
    found = await request.app[OPERATOR_AUTH].authenticate(request)
    if found is None:
        raise Unauthorized(
            "operator-login", "log in at /ops/login, or send an operator's Basic credentials"
        )
    picture = await request.app[OVERVIEW].picture()
    return web.Response(body=orjson.dumps(picture), content_type="application/json")


async def get_participant(request: web.Request) -> web.Response:
    found = await _page_session(request)
    participant_id = path_param(request, "participant_id", PARTICIPANT_ID, "participant")
    row = await request.app[OVERVIEW].participant(participant_id)
    if row is None:
        raise NotFound(f"no participant {participant_id}")
    csrf = found.session.csrf_token if found.session else ""
    return _html(render.participant_page(row, found.operator, csrf))


async def get_static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _STATIC:
        raise NotFound(f"no resource at {request.path}")
    text = resources.files("hub.ops.page").joinpath("static", name).read_text(encoding="utf-8")
    return web.Response(text=text, content_type=_STATIC[name], charset="utf-8")


# login --------------------------------------------------------------------------------------


async def get_login(request: web.Request) -> web.Response:
    if await _session(request) is not None:
        raise web.HTTPSeeOther("/ops")
    return _html(render.login_page())


async def post_login(request: web.Request) -> web.Response:
    form = await _form(request)
    name, password = form.get("name"), form.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
        raise BadRequest("the login form needs a name and a password")
    auth = request.app[OPERATOR_AUTH]
    if not await auth.check_password(request, name, password):
        log.warning("ops_login_failed", operator=name[:64])
        if "text/html" in request.headers.get("Accept", ""):  # a browser: the form again
            return _html(render.login_page("Wrong operator name or password."), status=401)
        raise Unauthorized("operator-login", "wrong operator name or password")
    token, _ = await auth.open_session(name)
    log.info("ops_login", operator=name)
    response = web.HTTPSeeOther("/ops")
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=auth.is_secure(request),
    )
    raise response


async def post_logout(request: web.Request) -> web.Response:
    found, _, _ = await _action(request)
    if found.token_sha256 is not None:
        await request.app[OPERATOR_AUTH].store.close_session(found.token_sha256)
    log.info("ops_logout", operator=found.operator)
    response = web.HTTPSeeOther("/ops/login")
    response.del_cookie(COOKIE, path=COOKIE_PATH)
    raise response


# actions ------------------------------------------------------------------------------------


async def post_enable_endpoint(request: web.Request) -> web.Response:
    found, back, _ = await _action(request)
    subscription_id = path_param(request, "subscription_id", SUBSCRIPTION_ID, "webhook endpoint")
    endpoints = request.app[ENDPOINTS]
    if not await endpoints.reenable(subscription_id):
        if not await endpoints.exists(subscription_id):
            raise NotFound(f"no webhook endpoint {subscription_id}")
        raise BadRequest(f"webhook endpoint {subscription_id} is not disabled")
    log.info("ops_endpoint_enabled", operator=found.operator, subscription=subscription_id)
    request.app[WEBHOOK_WORKER].wake()  # deliver what waits now, not at the next idle poll
    raise back


async def post_replay_endpoint(request: web.Request) -> web.Response:
    found, back, form = await _action(request)
    subscription_id = path_param(request, "subscription_id", SUBSCRIPTION_ID, "webhook endpoint")
    after_text = form.get("after", "")
    if not after_text.isdigit() or len(after_text) > 18:
        raise BadRequest("after is the feed position to replay after, a whole number")
    after = int(after_text)
    endpoints = request.app[ENDPOINTS]
    if not await endpoints.replay_after(subscription_id, after):
        if not await endpoints.exists(subscription_id):
            raise NotFound(f"no webhook endpoint {subscription_id}")
        raise BadRequest(f"position {after} is beyond the feed's head")
    log.info(
        "ops_endpoint_replayed", operator=found.operator, subscription=subscription_id, after=after
    )
    request.app[WEBHOOK_WORKER].wake()
    raise back


async def post_sync(request: web.Request) -> web.Response:
    found, back, _ = await _action(request)
    platform = path_param(request, "platform", PLATFORM, "polled platform")
    verb = request.match_info["verb"]
    if platform not in request.app[SYNC_TARGETS]:
        raise NotFound(f"{platform} is not polled by this hub (platforms.json)")
    paused = verb == "pause"
    await request.app[SYNC_STATE].set_paused(platform, paused, clock_of(request.app)())
    log.info(
        "ops_sync_paused" if paused else "ops_sync_resumed",
        operator=found.operator,
        platform=platform,
    )
    raise back


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/ops", get_overview)
    router.add_get("/ops/live", get_live)
    router.add_get("/ops/state.json", get_state)
    router.add_get("/ops/participants/{participant_id}", get_participant)
    router.add_get("/ops/static/{name}", get_static)
    router.add_get("/ops/login", get_login)
    router.add_post("/ops/login", post_login)
    router.add_post("/ops/logout", post_logout)
    router.add_post("/ops/actions/endpoints/{subscription_id}/enable", post_enable_endpoint)
    router.add_post("/ops/actions/endpoints/{subscription_id}/replay", post_replay_endpoint)
    router.add_post("/ops/actions/sync/{platform}/{verb:pause|resume}", post_sync)
