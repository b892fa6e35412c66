// The demo page: calls the gateway the way a client app does (persisted documents only,
// multipart/mixed for @defer) and shows the coarse list turning into the refined one.
import { readPayloads } from './multipart.js';
import { dropped, markMoves, moveText, moveWords } from './feed-diff.js';

const $ = (id) => document.getElementById(id);
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const SESSION_KEY = 'demo-session-id';
/** How deep both rankings are asked for: a refined item's mark says where it stood in the coarse top 100. */
const DEPTH = 100;

const ui = {
  form: $('controls'), viewer: $('viewer'), token: $('token'), surface: $('surface'), first: $('first'),
  load: $('load'), newSession: $('new-session'), status: $('status'), feed: $('feed'), items: $('items'),
  stage: $('stage-badge'), degraded: $('degraded-badge'), clicks: $('clicks'),
  mViewer: $('m-viewer'), mSource: $('m-source'), mModel: $('m-model'), mFirst: $('m-first'), mLast: $('m-last'), mMoved: $('m-moved'),
};

let config = null; // /demo/documents.json
let generation = 0;
let inFlight = null;
let clicked = [];

function status(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}

/** An anonymous session id for this tab: anonymous clicks still steer the feed. */
function sessionId() {
  let id = sessionStorage.getItem(SESSION_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    id = `demo-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
    sessionStorage.setItem(SESSION_KEY, id);
  }
  return id;
}

/** The identity headers: x-user-id in development, a bearer token under JWT identity. */
function identityHeaders() {
  const headers = { 'x-session-id': sessionId() };
  if (config.identity === 'jwt') {
    const token = ui.token.value.trim();
    if (token) headers.authorization = `Bearer ${token}`;
  } else {
    const user = ui.viewer.value.trim();
    if (user) headers['x-user-id'] = user;
  }
  return headers;
}

function post(operation, variables, accept, signal) {
  return fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...identityHeaders() },
    body: JSON.stringify({ documentId: config.operations[operation], variables }),
    signal,
  });
}

function errorText(errors) {
  return errors.map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ');
}

/** Puts a later payload's data in place: `incremental` entries carry a path into `data`. */
function merge(result, payload) {
  if (payload.data) result.data = payload.data;
  if (payload.errors) result.errors.push(...payload.errors);
  for (const entry of payload.incremental ?? []) {
    if (entry.errors) result.errors.push(...entry.errors);
    if (!entry.data || !result.data) continue;
    let target = result.data;
    for (const key of entry.path ?? []) target = target?.[key];
    if (target && typeof target === 'object') Object.assign(target, entry.data);
  }
}

const ms = (value) => `${Math.round(value)} ms`;

function renderRanking(ranking, coarseIds, shown) {
  const items = ranking.items.slice(0, shown);
  const ids = items.map((r) => r.item.id);
  const marks = coarseIds ? markMoves(coarseIds, ids) : null;
  const previous = new Map();
  for (const li of ui.items.children) previous.set(li.dataset.itemId, li.getBoundingClientRect().top);
  const fragment = document.createDocumentFragment();
  items.forEach((rec, index) => {
    const li = document.createElement('li');
    li.dataset.itemId = rec.item.id;
    const pos = document.createElement('span');
    pos.className = 'pos';
    pos.textContent = String(rec.position);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'item';
    button.dataset.itemId = rec.item.id;
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = rec.item.title;
    const genres = document.createElement('span');
    genres.className = 'genres';
    genres.textContent = [rec.item.genres?.join(', '), rec.item.year, `score ${rec.score.toFixed(3)}`].filter(Boolean).join(' · ');
    button.append(title, genres);
    button.setAttribute('aria-label', `${rec.item.title}: record a click`);
    const move = document.createElement('span');
    move.className = 'move';
    if (marks) {
      const mark = marks[index];
      li.dataset.move = mark.move;
      if (mark.from !== null) li.dataset.coarsePosition = String(mark.from + 1);
      if (mark.move === 'up' || mark.move === 'down') li.classList.add('moved');
      move.textContent = moveText(mark);
      const words = mark.from === null ? `${moveWords(mark)} (not in the coarse top ${coarseIds.length})` : `${moveWords(mark)} (coarse #${mark.from + 1})`;
      move.title = words;
      move.setAttribute('aria-label', words);
    }
    li.append(pos, button, move);
    fragment.append(li);
  });
  ui.items.replaceChildren(fragment);
  // Slide the items that stayed from where they were to where they are now.
  if (marks && !matchMedia('(prefers-reduced-motion: reduce)').matches) {
    for (const li of ui.items.children) {
      const before = previous.get(li.dataset.itemId);
      if (before === undefined) continue;
      const shift = before - li.getBoundingClientRect().top;
      if (shift === 0) continue;
      li.animate([{ transform: `translateY(${shift}px)` }, { transform: 'none' }], { duration: 450, easing: 'ease-out' });
    }
  }
  return marks;
}

function showRanking(feed, ranking, { firstAt, lastAt, coarseIds, shown }) {
  const marks = renderRanking(ranking, coarseIds, shown);
  ui.feed.dataset.stage = ranking === feed.refined ? 'REFINED' : 'COARSE';
  ui.feed.dataset.source = ranking.source;
  ui.stage.textContent = ranking !== feed.refined ? 'coarse' : ranking.stage === 'REFINED' ? 'refined' : 'refined (coarse order)';
  ui.degraded.hidden = !ranking.degraded;
  ui.degraded.textContent = ranking.degraded ? `degraded: ${ranking.degradedReason ?? 'unknown'}` : '';
  ui.mViewer.textContent = feed.viewer.anonymous ? `anonymous${feed.viewer.id ? ` (${feed.viewer.id})` : ''}` : feed.viewer.id;
  ui.mSource.textContent = ranking.source;
  ui.mModel.textContent = ranking.model ?? 'none';
  ui.mFirst.textContent = ms(firstAt);
  ui.mLast.textContent = ms(lastAt);
  if (marks) {
    const moved = marks.filter((m) => m.move === 'up' || m.move === 'down').length;
    const fresh = marks.filter((m) => m.move === 'new').length;
    const out = dropped(coarseIds.slice(0, shown), marks.map((m) => m.id)).length;
    ui.mMoved.textContent = `${moved} moved, ${fresh} new (${out} left the top ${shown})`;
  } else {
    ui.mMoved.textContent = '–';
  }
}

async function loadFeed(reason = '') {
  const shown = Math.min(DEPTH, Math.max(1, Math.trunc(Number(ui.first.value)) || 10));
  const variables = { surface: ui.surface.value, first: DEPTH };
  const user = ui.viewer.value.trim();
  if (config.identity !== 'jwt' && user && !ID_PATTERN.test(user)) {
    status('A user id is 1-128 characters of A-Z a-z 0-9 . _ : -', true);
    ui.viewer.focus();
    return;
  }
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const mine = ++generation;
  ui.feed.dataset.generation = String(mine);
  ui.feed.dataset.stage = 'LOADING';
  ui.feed.setAttribute('aria-busy', 'true');
  status(`${reason}Loading ${variables.surface} feed…`);
  const started = performance.now();
  let firstAt = null;
  let coarseIds = null;
  const result = { data: null, errors: [] };
  try {
    const response = await post('HomeFeed', variables, 'multipart/mixed, application/graphql-response+json;q=0.9, application/json;q=0.8', controller.signal);
    // A response-cache hit carries coarse and refined in one payload.
    if (response.headers.get('x-cache') === 'HIT') reason += 'From the response cache: ';
    for await (const payload of readPayloads(response)) {
      if (mine !== generation) return;
      const at = performance.now() - started;
      firstAt ??= at;
      merge(result, payload);
      const feed = result.data?.feed;
      if (!feed) continue;
      if (!coarseIds) {
        coarseIds = feed.coarse.items.map((r) => r.item.id);
        showRanking(feed, feed.coarse, { firstAt, lastAt: at, coarseIds: null, shown });
        if (!feed.refined) status(`${reason}Coarse list (${feed.coarse.source}) in ${ms(at)}; waiting for the ranking…`);
      }
      if (feed.refined) {
        showRanking(feed, feed.refined, { firstAt, lastAt: at, coarseIds, shown });
        const r = feed.refined;
        status(reason + (r.degraded
          ? `Refined answer in ${ms(at)}, degraded (${r.degradedReason}): the coarse order stands.`
          : `Refined by ${r.model} in ${ms(at)} (coarse came at ${ms(firstAt)}).`));
      }
    }
    if (mine !== generation) return;
    if (!result.data?.feed) status(`The feed failed: ${errorText(result.errors) || `HTTP ${response.status}`}`, true);
    else if (result.errors.length > 0) status(`${ui.status.textContent} Errors: ${errorText(result.errors)}`, true);
  } catch (error) {
    if (error.name === 'AbortError') return;
    if (mine === generation) status(`The feed failed: ${error.message}`, true);
  } finally {
    if (mine === generation) ui.feed.removeAttribute('aria-busy');
  }
}

async function recordClick(itemId, title) {
  status(`Recording a click on “${title}”…`);
  try {
    const response = await post('RecordEvent', { input: { itemId, type: 'CLICK' } }, 'application/graphql-response+json, application/json;q=0.9');
    const body = await response.json();
    if (!body.data?.recordEvent?.accepted) {
      status(`The click was not recorded: ${body.errors ? errorText(body.errors) : 'not accepted'}`, true);
      return;
    }
    clicked = [title, ...clicked.filter((t) => t !== title)].slice(0, 5);
    ui.clicks.textContent = `Your recent clicks: ${clicked.join(' · ')}`;
    await loadFeed(`Recorded a click on “${title}”. `);
  } catch (error) {
    status(`The click was not recorded: ${error.message}`, true);
  }
}

function forgetClicks() {
  clicked = [];
  ui.clicks.textContent = '';
}

async function start() {
  try {
    const response = await fetch('/demo/documents.json', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    config = await response.json();
  } catch (error) {
    status(`Could not load the document ids: ${error.message}`, true);
    return;
  }
  ui.surface.replaceChildren(...config.surfaces.map((s) => new Option(s, s, s === 'HOME', s === 'HOME')));
  if (config.identity === 'jwt') {
    $('viewer-field').hidden = true;
    $('token-field').hidden = false;
  }
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void loadFeed();
  });
  ui.viewer.addEventListener('change', forgetClicks);
  ui.token.addEventListener('change', forgetClicks);
  ui.newSession.addEventListener('click', () => {
    sessionStorage.removeItem(SESSION_KEY);
    forgetClicks();
    void loadFeed('New anonymous session. ');
  });
  ui.items.addEventListener('click', (event) => {
    const button = event.target.closest('button.item');
    if (button) void recordClick(button.dataset.itemId, button.querySelector('.title').textContent);
  });
  document.body.dataset.ready = 'true';
  await loadFeed(config.identity === 'jwt' ? 'JWT identity: anonymous unless you paste a token. ' : '');
}

void start();
