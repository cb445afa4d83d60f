// The question after a chat (issue 23, the widget's side; docs/API.md "Ratings"):
// widget-config's `csat` read member by member; asked only when it is enabled and
// the conversation's `can_rate` (live from chat.closed, or a closed conversation
// the widget loads) — never for the bot's own chats; the rating POSTed with the
// session header, 201 and 409 already_rated both a thank-you, other refusals
// shown in the server's words with the inputs kept; "No thanks" sends nothing
// and is remembered for that conversation; a new chat afterwards starts as
// before. Then ratingview.js over the fake DOM: the shop's question as text,
// the choice and comment kept across a failed send, the counter, the focus.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Element, installDom, Text } from './fakedom.mjs';
import { fakeServer, tick, until } from './fakeserver.mjs';
import { load } from './load.mjs';
import { CONV, at, conversation, message, startAnswer, trackChats, welcome, widget } from './widgetrig.mjs';

const { COMMENT_MAX_CHARS, DEFAULT_QUESTION, Rating, SCORES, commentCount, parseCsat, shouldAsk, validScore } = await load('widget/rating.js');
const { RatingView, countAnnouncement } = await load('widget/ratingview.js');
const { loadConfig } = await load('widget/config.js');
const { loadDismissedRatings, saveSession } = await load('widget/session.js');

trackChats();

const CSAT = { enabled: true, question: 'How did we do today?' };
const rated = (score, comment = '') => ({ score, comment, created_at: at });
const agentLine = message('m-a', 'agent', 'Your refund is on its way.', null, { sender_agent_id: 'agent-alex' });

/** The widget's chat and contact (widgetrig) plus its rating, configured with `csat`. */
function rigged(csat = CSAT, options = {}) {
  const parts = widget(options);
  const rating = new Rating(parts.chat, { onChange: () => {} });
  rating.configure(csat);
  return { ...parts, rating };
}

/** A chat a person holds, its stream open (the widget was open when the agent closed it). */
async function liveChat(csat = CSAT, routes = {}) {
  const server = fakeServer({
    'POST /customer/conversations/start': () => ({
      body: { ...startAnswer(conversation('agent', { assigned_agent_id: 'agent-alex', assigned_agent_name: 'Alex Agent', can_rate: false })),
        messages: [welcome, agentLine] },
    }),
    ...routes,
  });
  const parts = rigged(csat);
  await parts.chat.ensureStarted();
  await until(() => server.streams.length === 1, 'the stream opened');
  return { ...parts, server, stream: server.streams[0] };
}

/** A widget that loads conversation `conv` this browser already has (a reload, another page). */
async function resumed(conv, csat = CSAT, routes = {}) {
  saveSession({ sessionId: 's-1', conversationId: conv.id });
  const server = fakeServer({
    [`GET /customer/conversations/${conv.id}/messages`]: () => ({ body: { conversation: conv, messages: [welcome, agentLine], last_event_id: 9 } }),
    ...routes,
  });
  const parts = rigged(csat);
  await parts.chat.resume();
  return { ...parts, server };
}

describe('csat in widget-config', () => {
  test('read member by member: enabled only when it says true; the question trimmed, else the default', () => {
    assert.deepEqual(parseCsat({ enabled: true, question: '  How was it?  ' }), { enabled: true, question: 'How was it?' });
    assert.deepEqual(parseCsat({ enabled: false, question: 'How was it?' }), { enabled: false, question: 'How was it?' });
    // A server older than ratings (no csat), or none at all: nothing is asked.
    assert.deepEqual(parseCsat(undefined), { enabled: false, question: DEFAULT_QUESTION });
    assert.deepEqual(parseCsat({ enabled: 'yes', question: '   ' }), { enabled: false, question: DEFAULT_QUESTION });
    assert.equal(parseCsat({ enabled: true, question: 'x'.repeat(201) }).question, DEFAULT_QUESTION);
    assert.equal(parseCsat({ enabled: true, question: '😀'.repeat(200) }).question, '😀'.repeat(200), '200 characters as the server counts them');
  });

  test('loadConfig keeps it as it came; no answer: none', async () => {
    const realFetch = globalThis.fetch;
    try {
      globalThis.fetch = async () => new Response(JSON.stringify({ brand_name: 'Northwind', widget: {}, csat: CSAT }));
      assert.deepEqual((await loadConfig({})).csat, CSAT);
      globalThis.fetch = async () => { throw new TypeError('fetch failed'); };
      assert.equal((await loadConfig({})).csat, null);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test('asked only when csat is enabled and the closed conversation can be rated', () => {
    const closed = conversation('closed', { can_rate: true, rating: null });
    assert.equal(shouldAsk({ csat: parseCsat(CSAT), conversation: closed }), true);
    assert.equal(shouldAsk({ csat: parseCsat({ ...CSAT, enabled: false }), conversation: closed }), false);
    assert.equal(shouldAsk({ csat: parseCsat(CSAT), conversation: { ...closed, can_rate: false } }), false, 'the bot resolved it alone, or rated');
    assert.equal(shouldAsk({ csat: parseCsat(CSAT), conversation: { ...closed, can_rate: undefined } }), false, 'a server without ratings');
    assert.equal(shouldAsk({ csat: parseCsat(CSAT), conversation: { ...closed, status: 'agent' } }), false);
    assert.equal(shouldAsk({ csat: parseCsat(CSAT), conversation: closed, dismissed: true }), false);
  });

  test('five choices, each with its words; scores are whole numbers 1–5', () => {
    assert.deepEqual(SCORES.map((s) => s.score), [1, 2, 3, 4, 5]);
    assert.ok(SCORES.every((s) => s.word.length > 0));
    assert.deepEqual(['1', '5', 3, '0', '6', '2.5', 2.5, '', null, ' 3'].map(validScore), [1, 5, 3, null, null, null, null, null, null, null]);
    assert.equal(commentCount('héllo 👋🏽'), '8 / 1000', 'code points, as the server counts');
  });
});

describe('when the question shows', () => {
  test('the agent closes the chat while the widget is open: chat.closed with can_rate asks', async () => {
    const { chat, rating, stream } = await liveChat();
    assert.equal(rating.showing, null, 'not while the chat is going on');
    stream.send('chat.closed', { conversation_id: CONV, closed_at: at, can_rate: true }, 2);
    await until(() => chat.conversation.status === 'closed', 'closed');
    assert.equal(chat.conversation.can_rate, true);
    assert.equal(rating.showing, 'survey');
    assert.equal(rating.question, 'How did we do today?');
  });

  test('chat.closed with can_rate false (nobody from the team wrote): never asked', async () => {
    const { chat, rating, stream } = await liveChat();
    stream.send('chat.closed', { conversation_id: CONV, closed_at: at, can_rate: false }, 2);
    await until(() => chat.conversation.status === 'closed', 'closed');
    assert.equal(rating.showing, null);
  });

  test('chat.closed without can_rate (a server older than ratings): not asked', async () => {
    const { chat, rating, stream } = await liveChat();
    stream.send('chat.closed', { conversation_id: CONV, closed_at: at }, 2);
    await until(() => chat.conversation.status === 'closed', 'closed');
    assert.equal(rating.showing, null);
  });

  test('the shop turned the question off: not asked, even when the chat can be rated', async () => {
    const { chat, rating, stream } = await liveChat({ enabled: false, question: 'How did we do?' });
    stream.send('chat.closed', { conversation_id: CONV, closed_at: at, can_rate: true }, 2);
    await until(() => chat.conversation.status === 'closed', 'closed');
    assert.equal(rating.showing, null);
  });

  test('a widget that loads a closed conversation it can rate asks; one the bot resolved alone does not', async () => {
    const asked = await resumed(conversation('closed', { can_rate: true, rating: null }));
    assert.equal(asked.chat.state.phase, 'ready');
    assert.equal(asked.rating.showing, 'survey');

    const bot = await resumed(conversation('closed', { id: 'c-bot', can_rate: false, rating: null }));
    assert.equal(bot.rating.showing, null);
  });

  test('a conversation rated before (can_rate false, its rating): no question, no thank-you', async () => {
    const { rating } = await resumed(conversation('closed', { id: 'c-rated', can_rate: false, rating: rated(4) }));
    assert.equal(rating.showing, null);
  });
});

describe('sending the rating', () => {
  test('POSTs {score, comment} with the session header; 201: the thank-you', async () => {
    const { rating, server } = await resumed(conversation('closed', { can_rate: true, rating: null }), CSAT, {
      [`POST /customer/conversations/${CONV}/rating`]: (req) => ({ status: 201, body: rated(req.body.score, req.body.comment) }),
    });
    const sent = await rating.submit({ score: '4', comment: '  Quick and friendly.  ' });
    assert.equal(sent, true);
    const [post] = server.posts('/rating');
    assert.equal(post.path, `/customer/conversations/${CONV}/rating`);
    assert.equal(post.headers['X-Customer-Session-Id'], 's-1');
    assert.deepEqual(post.body, { score: 4, comment: 'Quick and friendly.' });
    assert.equal(rating.showing, 'thanks');
    assert.deepEqual(rating.errors, {});
    assert.equal(rating.focus, 'thanks');
  });

  test('no comment: an empty one', async () => {
    const { rating, server } = await resumed(conversation('closed', { can_rate: true }), CSAT, {
      [`POST /customer/conversations/${CONV}/rating`]: (req) => ({ status: 201, body: rated(req.body.score) }),
    });
    await rating.submit({ score: '5' });
    assert.deepEqual(server.posts('/rating')[0].body, { score: 5, comment: '' });
  });

  test('409 already_rated (another tab, or an answer that was lost): the thank-you, no error', async () => {
    const { rating } = await resumed(conversation('closed', { can_rate: true }), CSAT, {
      [`POST /customer/conversations/${CONV}/rating`]: () => ({ status: 409, body: { code: 'already_rated', detail: 'This conversation has been rated.' } }),
    });
    assert.equal(await rating.submit({ score: '2', comment: '' }), true);
    assert.equal(rating.showing, 'thanks');
    assert.deepEqual(rating.errors, {});
  });

  for (const [status, code, detail] of [
    [400, 'invalid_rating', 'A score is a whole number from 1 to 5.'],
    [403, 'ratings_disabled', 'This shop does not take ratings.'],
    [409, 'not_rateable', 'Nobody from the team answered in this conversation.'],
  ]) {
    test(`${status} ${code}: the server's words, the question stays`, async () => {
      const { rating } = await resumed(conversation('closed', { can_rate: true }), CSAT, {
        [`POST /customer/conversations/${CONV}/rating`]: () => ({ status, body: { code, detail } }),
      });
      assert.equal(await rating.submit({ score: '3', comment: 'ok' }), false);
      assert.equal(rating.errors.form, detail);
      assert.equal(rating.showing, 'survey');
      assert.equal(rating.busy, false);
    });
  }

  test('no connection: said so; the question stays for another try', async () => {
    const { rating } = await resumed(conversation('closed', { can_rate: true }));
    globalThis.fetch = async () => { throw new TypeError('fetch failed'); };
    assert.equal(await rating.submit({ score: '3' }), false);
    assert.match(rating.errors.form, /connection/i);
    assert.equal(rating.showing, 'survey');
  });

  test('no score chosen, or a comment over 1000 characters: nothing sent, the field says why', async () => {
    const { rating, server } = await resumed(conversation('closed', { can_rate: true }));
    assert.equal(await rating.submit({ score: null, comment: 'hi' }), false);
    assert.equal(rating.errors.score, 'Choose a score from 1 to 5.');
    assert.equal(await rating.submit({ score: '5', comment: 'é'.repeat(COMMENT_MAX_CHARS + 1) }), false);
    assert.match(rating.errors.comment, /1000 characters/);
    assert.equal(server.posts('/rating').length, 0);
    rating.clearError('comment');
    assert.equal(rating.errors.comment, undefined);
  });

  test("the comment's limit is the server's (widget-config's limits.rating_comment_max_chars) once known", async () => {
    const { rating, server } = await resumed(conversation('closed', { can_rate: true }));
    assert.equal(rating.commentMax, COMMENT_MAX_CHARS);
    rating.chat.limits = { ...rating.chat.limits, rating_comment_max_chars: 10 };
    assert.equal(rating.commentMax, 10);
    assert.equal(commentCount('héllo', rating.commentMax), '5 / 10');
    assert.equal(await rating.submit({ score: '4', comment: 'x'.repeat(11) }), false);
    assert.match(rating.errors.comment, /10 characters/);
    assert.equal(server.posts('/rating').length, 0);
  });
});

describe('"No thanks"', () => {
  test('sends nothing, and that conversation is not asked again, in this page view or the next', async () => {
    const conv = conversation('closed', { id: 'c-dismissed', can_rate: true });
    const { rating, server } = await resumed(conv);
    assert.equal(rating.showing, 'survey');
    rating.dismiss();
    assert.equal(rating.showing, null);
    assert.equal(rating.focus, 'after');
    assert.equal(server.posts().length, 0, 'nothing sent');
    assert.ok(loadDismissedRatings().includes('c-dismissed'));

    const again = await resumed(conv);
    assert.equal(again.rating.showing, null, 'the next page view remembers');
    const other = await resumed(conversation('closed', { id: 'c-other', can_rate: true }));
    assert.equal(other.rating.showing, 'survey', 'another conversation is still asked');
  });
});

describe('a new chat after the question', () => {
  test('"Start a new conversation" after a rating: a fresh chat with the bot, no question, no thank-you', async () => {
    const held = conversation('agent', { assigned_agent_id: 'agent-alex', assigned_agent_name: 'Alex Agent', can_rate: false });
    const fresh = conversation('automated', { id: 'c-2' });
    const starts = [];
    const { chat, rating, stream, server } = await liveChat(CSAT, {
      'POST /customer/conversations/start': (req) => {
        starts.push(req.body);
        return { body: starts.length === 1 ? { ...startAnswer(held), messages: [welcome, agentLine] } : startAnswer(fresh) };
      },
      [`POST /customer/conversations/${CONV}/rating`]: () => ({ status: 201, body: rated(5) }),
      'POST /customer/conversations/c-2/messages': (req) => ({
        body: { conversation: fresh, customer_message: { ...message('m-c', 'customer', req.body.content), conversation_id: 'c-2', client_message_id: req.body.client_message_id },
          bot_message: null, quick_questions: [], show_talk_to_agent: true },
      }),
    });
    stream.send('chat.closed', { conversation_id: CONV, closed_at: at, can_rate: true }, 2);
    await until(() => rating.showing === 'survey', 'asked');
    await rating.submit({ score: '5' });
    assert.equal(rating.showing, 'thanks');

    await chat.startNew();
    assert.deepEqual(starts[1], { customer_session_id: 's-1', force_new: true });
    assert.equal(chat.conversation.id, 'c-2');
    assert.equal(chat.conversation.status, 'automated');
    assert.equal(rating.showing, null);
    assert.equal(chat.send('Another question'), true, 'the message box works again');
    await until(() => server.posts('/c-2/messages').length === 1, 'the message sent');
  });

  test('"No thanks", then a new chat: it starts as before', async () => {
    const conv = conversation('closed', { id: 'c-skip', can_rate: true });
    const { chat, rating } = await resumed(conv, CSAT, {
      'POST /customer/conversations/start': () => ({ body: startAnswer(conversation('automated', { id: 'c-3' })) }),
    });
    rating.dismiss();
    await chat.startNew();
    assert.equal(chat.conversation.id, 'c-3');
    assert.equal(chat.state.phase, 'ready');
    assert.equal(rating.showing, null);
  });
});

// --- ratingview.js over the fake DOM --------------------------------------------------------

const INDEX = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static', 'widget', 'index.html'), 'utf8');
const VIEW_IDS = ['rating', 'rating-question', 'rating-scores', 'rating-score-error', 'rating-comment', 'rating-count', 'rating-count-live',
  'rating-comment-error', 'rating-error', 'rating-dismiss', 'rating-send', 'rating-thanks', ...SCORES.map((s) => `rating-score-${s.score}`)];

/** The elements of index.html's rating card that the view finds by id (the fake DOM parses no markup). */
function skeleton(document) {
  const el = (tag, id) => {
    const node = document.createElement(tag);
    node.setAttribute('id', id);
    return node;
  };
  const form = el('form', 'rating');
  const scores = el('fieldset', 'rating-scores');
  scores.append(el('legend', 'rating-question'));
  for (const { score } of SCORES) {
    const radio = el('input', `rating-score-${score}`);
    radio.value = String(score);
    radio.checked = false;
    scores.append(radio);
  }
  scores.append(el('p', 'rating-score-error'));
  form.append(scores);
  for (const [tag, id] of [['textarea', 'rating-comment'], ['p', 'rating-count'], ['span', 'rating-count-live'], ['p', 'rating-comment-error'],
    ['p', 'rating-error'], ['button', 'rating-dismiss'], ['button', 'rating-send']]) form.append(el(tag, id));
  const thanks = el('div', 'rating-thanks');
  const after = el('button', 'new-chat');
  document.body.append(form, thanks, after);
  return { $: (id) => document.getElementById(id), after };
}

describe('the rating card (ratingview.js)', () => {
  let saved;
  let doc;
  beforeEach(() => {
    saved = globalThis.document;
    doc = installDom();
  });
  afterEach(() => {
    globalThis.document = saved;
  });

  /** A view over a stub chat showing closed conversation `id`; `rate` answers the POST. */
  function viewFor({ id = CONV, rate = async (_, body) => rated(body.score, body.comment), canFocus = () => true } = {}) {
    const chat = { conversation: conversation('closed', { id, can_rate: true }), state: { phase: 'ready' }, api: { rate } };
    const rating = new Rating(chat, { onChange: () => {} });
    rating.configure({ enabled: true, question: '<b>How</b> did we do?' });
    const { $, after } = skeleton(doc);
    const revealed = [];
    const view = new RatingView(rating, { scrollIntoView: (node) => revealed.push(node.id), canFocus, focusAfter: () => after.focus() });
    rating.onChange = () => view.render();
    const draw = () => { view.render(); view.afterRender(); };
    return { chat, rating, view, $, draw, revealed, after };
  }

  const submit = (form) => form.dispatchEvent({ type: 'submit' });
  const type = (textarea, text) => {
    textarea.value = text;
    textarea.dispatchEvent({ type: 'input' });
  };

  test('index.html has every element the view finds', () => {
    for (const id of VIEW_IDS) assert.match(INDEX, new RegExp(`id="${id}"`), id);
    // Each score is a radio with a label that carries its number and its words.
    for (const { score, word } of SCORES) {
      assert.match(INDEX, new RegExp(`type="radio" id="rating-score-${score}" name="rating-score" value="${score}"`));
      assert.match(INDEX, new RegExp(`<label class="score" for="rating-score-${score}"><span class="score-num">${score}</span> <span class="score-word">${word}</span></label>`));
    }
    assert.doesNotMatch(INDEX, /maxlength/, 'no limit written in the page (Tests/browser checks it too)');
    assert.doesNotMatch(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static', 'widget', 'ratingview.js'), 'utf8'), /innerHTML/);
  });

  test("the shop's question goes in as text; the card appears, is shown whole and takes the lost focus", () => {
    const { $, draw, revealed } = viewFor();
    draw();
    assert.equal($('rating').hidden, false);
    assert.equal($('rating-thanks').hidden, true);
    const q = $('rating-question');
    assert.equal(q.childNodes.length, 1);
    assert.ok(q.childNodes[0] instanceof Text, 'markup in the question stays text');
    assert.equal(q.textContent, '<b>How</b> did we do?');
    assert.deepEqual(revealed, ['rating']);
    assert.equal(doc.activeElement, $('rating'), 'the focus was nowhere (the message box went away)');
    assert.equal($('rating-count').textContent, '0 / 1000');
    assert.equal($('rating-comment').getAttribute('maxlength'), '1000', "the contract's limit, set by the view");
  });

  test('the focus stays where the shopper put it, and an iframe whose panel is closed takes none', () => {
    const kept = viewFor();
    const elsewhere = new Element('input');
    elsewhere.offsetParent = doc.body; // on screen
    doc.body.append(elsewhere);
    elsewhere.focus();
    kept.draw();
    assert.equal(doc.activeElement, elsewhere);

    doc = installDom();
    const closed = viewFor({ canFocus: () => false });
    closed.draw();
    assert.equal(doc.activeElement, doc.body);
  });

  test('a failed send keeps the choice and the comment and shows the detail; the next try thanks and takes the focus', async () => {
    let answer = { status: 400, code: 'invalid_rating', detail: 'That score is not one we take.' };
    const { ApiError } = await load('js/api.js');
    const { $, draw, rating } = viewFor({
      rate: async (_, body) => {
        if (answer) throw new ApiError(answer.status, answer.code, answer.detail);
        return rated(body.score, body.comment);
      },
    });
    draw();
    $('rating-score-4').checked = true;
    $('rating-score-4').dispatchEvent({ type: 'change' });
    type($('rating-comment'), 'Fast 👋🏽');
    assert.equal($('rating-count').textContent, '7 / 1000');
    submit($('rating'));
    await until(() => rating.errors.form, 'refused');
    draw();
    assert.equal($('rating-error').hidden, false);
    assert.equal($('rating-error').textContent, 'That score is not one we take.');
    assert.equal($('rating-score-4').checked, true, 'the choice kept');
    assert.equal($('rating-comment').value, 'Fast 👋🏽', 'the comment kept');
    assert.equal($('rating-send').disabled, false);
    assert.equal(doc.activeElement, $('rating-send'), 'back on Send for another try');

    type($('rating-comment'), 'Fast 👋🏽 and kind');
    assert.equal($('rating-error').hidden, true, 'changing it clears the error');
    answer = null;
    submit($('rating'));
    await until(() => rating.showing === 'thanks', 'thanked');
    draw();
    assert.equal($('rating').hidden, true);
    assert.equal($('rating-thanks').hidden, false);
    assert.equal(doc.activeElement, $('rating-thanks'));
  });

  test('Send while sending: disabled, says so', async () => {
    let release;
    const { $, draw, rating } = viewFor({ rate: () => new Promise((resolve) => { release = resolve; }) });
    draw();
    $('rating-score-5').checked = true;
    submit($('rating'));
    await until(() => rating.busy, 'sending');
    assert.equal($('rating-send').disabled, true);
    assert.equal($('rating-send').textContent, 'Sending…');
    assert.equal($('rating-dismiss').disabled, true);
    release(rated(5));
    await until(() => !rating.busy, 'sent');
  });

  test('Send with no score: nothing sent; the error shows and the focus goes to the first choice', async () => {
    let calls = 0;
    const { $, draw, rating } = viewFor({ rate: async () => { calls += 1; return rated(1); } });
    draw();
    submit($('rating'));
    await until(() => rating.errors.score, 'the score asked for');
    draw();
    assert.equal(calls, 0);
    assert.equal($('rating-score-error').hidden, false);
    assert.equal($('rating-scores').getAttribute('data-invalid'), 'true');
    assert.equal(doc.activeElement, $('rating-score-1'));
    $('rating-score-2').checked = true;
    $('rating-score-2').dispatchEvent({ type: 'change' });
    draw();
    assert.equal($('rating-score-error').hidden, true);
    assert.equal($('rating-scores').getAttribute('data-invalid'), null);
  });

  test('"No thanks": the card goes, the focus moves on to what comes next', () => {
    const { $, draw, after } = viewFor({ id: 'c-view-dismiss' });
    draw();
    $('rating-dismiss').dispatchEvent({ type: 'click' });
    draw();
    assert.equal($('rating').hidden, true);
    assert.equal($('rating-thanks').hidden, true);
    assert.equal(doc.activeElement, after);
  });

  test("another conversation's question starts blank", () => {
    const { $, draw, chat } = viewFor({ id: 'c-a' });
    draw();
    $('rating-score-3').checked = true;
    type($('rating-comment'), 'so-so');
    chat.conversation = conversation('closed', { id: 'c-b', can_rate: true });
    draw();
    assert.equal($('rating-score-3').checked, false);
    assert.equal($('rating-comment').value, '');
    assert.equal($('rating-count').textContent, '0 / 1000');
    assert.equal($('rating-comment').getAttribute('maxlength'), '1000', "the contract's limit, set by the view");
  });

  test('the counter is announced only as it nears the limit', () => {
    assert.equal(countAnnouncement(0, 1), null);
    assert.equal(countAnnouncement(899, 900), '100 characters left');
    assert.equal(countAnnouncement(900, 901), null);
    assert.equal(countAnnouncement(940, 960), '40 characters left', 'a paste across a step');
    assert.equal(countAnnouncement(989, 990), '10 characters left');
    assert.equal(countAnnouncement(998, 999), null, 'between the steps');
    assert.equal(countAnnouncement(999, 1000), 'No characters left');
    assert.equal(countAnnouncement(1000, 980), null, 'deleting says nothing');
  });
});
