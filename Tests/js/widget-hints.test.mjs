// The guest's name and e-mail the host page gives (Switchboard.identify
// without a token; issue 25, item 9, the widget's side): sent with `start`, or,
// for a conversation that is on already (the page identified its shopper
// mid-chat, or a later page view resumed it), through /contact, once; never
// over what the shopper typed themselves.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { fakeServer, until } from './fakeserver.mjs';
import { CONV, conversation, startAnswer, trackChats, widget } from './widgetrig.mjs';

trackChats();

describe("the host page's name and e-mail for a guest", () => {
  const contactRoute = `POST /customer/conversations/${CONV}/contact`;

  test('given before the conversation: sent with start, not again', async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [contactRoute]: () => ({ body: conversation() }),
    });
    const { chat, contact } = widget();
    const hints = await chat.identify({ name: 'Jamie Rivera', email: 'jamie@example.com' });
    assert.equal(await contact.identified(hints), false, 'no conversation yet');
    await chat.ensureStarted();
    const [start] = server.posts('/start');
    assert.equal(start.body.display_name, 'Jamie Rivera');
    assert.equal(start.body.email, 'jamie@example.com');
    // The next page view says the same: nothing to send.
    assert.equal(await contact.identified(await chat.identify({ name: 'Jamie Rivera', email: 'jamie@example.com' })), false);
    assert.equal(server.posts('/contact').length, 0);
  });

  test('given once the conversation is on: its contact gets them, once', async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [contactRoute]: () => ({ body: conversation() }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    assert.equal(await contact.identified(await chat.identify({ name: ' Jamie Rivera ', email: 'jamie@example.com' })), true);
    const [call] = server.posts('/contact');
    assert.deepEqual(call.body, { email: 'jamie@example.com', name: 'Jamie Rivera' });
    assert.equal(contact.knownEmail(), 'jamie@example.com');
    assert.equal(await contact.identified(await chat.identify({ name: 'Jamie Rivera', email: 'jamie@example.com' })), false);
    assert.equal(server.posts('/contact').length, 1);
    // Another name from the page: sent.
    assert.equal(await contact.identified(await chat.identify({ name: 'Jamie R.', email: 'jamie@example.com' })), true);
    assert.equal(server.posts('/contact').length, 2);
  });

  test('identify while the start is on its way: the contact follows once the conversation exists', async () => {
    let release;
    const server = fakeServer({
      'POST /customer/conversations/start': () => new Promise((resolve) => { release = () => resolve({ body: startAnswer() }); }),
      [contactRoute]: () => ({ body: conversation() }),
    });
    const { chat, contact } = widget();
    const started = chat.ensureStarted();
    await until(() => release, 'the start was sent');
    const identified = chat.identify({ name: 'Jamie Rivera', email: 'jamie@example.com' }).then((hints) => contact.identified(hints));
    release();
    await started;
    assert.equal(await identified, true);
    assert.equal(server.posts('/contact').length, 1);
  });

  test('a name alone cannot be sent (the route takes an e-mail); the next conversation starts with it', async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [contactRoute]: () => ({ body: conversation() }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    assert.equal(await contact.identified(await chat.identify({ name: 'Jamie Rivera' })), false);
    assert.equal(server.posts('/contact').length, 0);
  });

  test("an address the shopper typed in a form is not replaced by the page's", async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer() }),
      [contactRoute]: () => ({ body: conversation() }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    assert.equal(await contact.submitPrechat({ email: 'typed@example.com', name: 'Typed' }), true);
    assert.equal(await contact.identified(await chat.identify({ name: 'Jamie Rivera', email: 'jamie@example.com' })), false);
    assert.deepEqual(server.posts('/contact').map((c) => c.body.email), ['typed@example.com']);
  });

  test('a closed conversation gets nothing', async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer(conversation('closed')) }),
      [contactRoute]: () => ({ status: 409, body: { code: 'conversation_closed', detail: 'closed' } }),
    });
    const { chat, contact } = widget();
    await chat.ensureStarted();
    assert.equal(await contact.identified(await chat.identify({ email: 'jamie@example.com' })), false);
    assert.equal(server.posts('/contact').length, 0);
  });
});
