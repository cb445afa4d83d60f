// A shopper who asks the bot for a person in their own words (issue 25, items
// 2 and 3, the widget's side): while someone is online the answer comes back
// escalated and the widget shows what "Talk to a person" shows (the queue,
// its system message, no quick actions); while nobody is, the bot's answer is
// marked leave_message and the widget opens the leave-a-message form, and its
// button and header say nobody is there.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { fakeServer, tick, until } from './fakeserver.mjs';
import { load } from './load.mjs';
import { CONV, at, conversation, message, startAnswer, trackChats, welcome, widget } from './widgetrig.mjs';

const { saveSession } = await load('widget/session.js');

trackChats();

// The stored message as the server returns it: with the client_message_id the widget sent.
const sent = (m, req) => ({ ...m, client_message_id: req.body.client_message_id });

describe('asking the bot for a person', () => {
  test('someone online: the answer is escalated; the widget shows the queue as after "Talk to a person"', async () => {
    const queuedMessage = message('m-q', 'system', "You're in the queue. A support agent will be with you shortly.", { event: 'queued' });
    const mine = message('m-c', 'customer', 'I want to talk to a human');
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [`POST /customer/conversations/${CONV}/messages`]: (req) => ({
        body: { conversation: conversation('agent', { requested_agent_at: at }), customer_message: sent(mine, req), bot_message: null,
          quick_questions: [], show_talk_to_agent: false },
      }),
      [`GET /customer/conversations/${CONV}/messages`]: () => ({
        body: { conversation: conversation('agent'), messages: [welcome, mine, queuedMessage] },
      }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    assert.equal(chat.send('I want to talk to a human'), true);
    await until(() => chat.log.entries().some((e) => e.message.id === 'm-q'), "the queue's system message");
    assert.equal(chat.conversation.status, 'agent');
    assert.equal(chat.conversation.assigned_agent_id, null);
    assert.deepEqual(chat.state.quickQuestions, []);
    assert.equal(chat.state.showTalkToAgent, false);
    assert.equal(contact.form, null, 'no form: a person is coming');
    assert.deepEqual(chat.log.entries().map((e) => e.message.content),
      ['Hi! Ask me anything.', 'I want to talk to a human', "You're in the queue. A support agent will be with you shortly."]);
    assert.equal(server.posts('/escalate').length, 0, 'the server escalated it already');
  });

  test('nobody there: the bot offers to take a message and the leave-a-message form opens; the button follows', async () => {
    const offer = message('m-b', 'bot', 'Nobody is here right now. Tap "Leave a message" and we will answer by e-mail.',
      { event: 'leave_message', fallback: 'true' });
    fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [`POST /customer/conversations/${CONV}/messages`]: (req) => ({
        body: { conversation: conversation(), customer_message: sent(message('m-c', 'customer', 'can I speak to someone'), req), bot_message: offer,
          quick_questions: [{ slug: 'returns', question: 'Returns?' }], show_talk_to_agent: true },
      }),
    });
    const { chat, contact, reads } = widget({ availability: 'away' });
    await chat.ensureStarted();
    chat.send('can I speak to someone');
    await until(() => contact.form === 'leave', 'the form opened');
    assert.equal(contact.focus, 'leave', 'the form takes the focus');
    assert.equal(contact.offering, 'leave', '"Leave a message", never "Talk to a person" beside the form');
    await until(() => reads.length === 1, 'the availability read again');
    assert.equal(contact.availability.status, 'away');
    assert.equal(chat.log.entries().at(-1).message.content, offer.content);
  });

  test("the bot's ordinary fallback opens nothing", async () => {
    fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [`POST /customer/conversations/${CONV}/messages`]: (req) => ({
        body: { conversation: conversation(), customer_message: sent(message('m-c', 'customer', 'hmm'), req),
          bot_message: message('m-b', 'bot', "Sorry, I didn't get that.", { fallback: 'true' }), quick_questions: [], show_talk_to_agent: true },
      }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    chat.send('hmm');
    await until(() => chat.log.entries().some((e) => e.message.id === 'm-b'), 'the fallback');
    await tick(10);
    assert.equal(contact.form, null);
  });

  test('a page view that finds the offer in the history opens nothing', async () => {
    saveSession({ sessionId: 's-1', conversationId: CONV });
    fakeServer({
      [`GET /customer/conversations/${CONV}/messages`]: () => ({
        body: { conversation: conversation(), messages: [welcome, message('m-b', 'bot', 'Leave a message?', { event: 'leave_message' })] },
      }),
      'GET /customer/quick-questions': () => ({ body: [] }),
    });
    const { chat, contact } = widget({ availability: 'away' });
    await chat.ensureStarted();
    await tick(10);
    assert.equal(chat.log.size, 2);
    assert.equal(contact.form, null);
  });
});
