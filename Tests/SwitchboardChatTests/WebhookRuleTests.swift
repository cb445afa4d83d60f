import Foundation
import Testing
import SwitchboardChat
import SwitchboardCore

/// Webhooks as rules (API.md "Webhooks"): which change queues which delivery, the order the
/// sender may take them in, retries, giving up, and the endpoint's admin. On every engine.
struct WebhookRuleTests {
    /// `hooks.example` resolves to a public documentation-free address; `inside.example` to a private one.
    static let resolver = WebhookResolver { host, _ in
        switch host {
        case "hooks.example": [[93, 184, 216, 34]]
        case "mixed.example": [[93, 184, 216, 34], [10, 0, 0, 7]]
        case "inside.example": [[192, 168, 1, 20]]
        case "v6.example": [[0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 0x01, 0x02, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46]]
        default: nil
        }
    }

    static func desk(_ engine: Engine, mail: Bool = false, routing: RoutingMode = .manual) throws -> Desk {
        var policy = ChatPolicy()
        policy.mailEnabled = mail
        return try Desk(engine, routing: routing, policy: policy, resolver: resolver)
    }

    static func hook(_ desk: Desk, _ events: [WebhookEventType] = WebhookEventType.subscribable) throws -> WebhookView {
        try desk.service.createWebhook(WebhookInput(url: "https://hooks.example/in", events: events.map(\.rawValue)), by: .cli)
    }

    /// Every delivery of the endpoint, oldest first.
    static func deliveries(_ desk: Desk, _ hook: WebhookView) throws -> [WebhookDelivery] {
        try desk.service.webhookDeliveries(DeliveryQuery(webhookId: hook.webhook.id, state: nil, beforeId: nil, limit: 200)).reversed()
    }

    static func body(_ delivery: WebhookDelivery) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(delivery.body.utf8)) as? [String: Any])
    }

    @Test(arguments: Engine.allCases)
    func aCustomerJourneyQueuesItsEventsInOrderAndNeverANote(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk)
        let agent = try desk.agent()
        let (chat, session) = try desk.start(email: "ann@example.com")
        try desk.say(chat, session, "my parcel is late")
        _ = try desk.service.escalate(chat.id, sessionId: session)
        _ = try desk.service.claim(chat.id, by: agent)
        _ = try desk.service.addNote(chat.id, by: agent, content: "secret-note-marker")
        _ = try desk.service.agentSend(chat.id, by: agent, content: "On its way", clientMessageId: nil)
        _ = try desk.service.close(chat.id, by: agent)
        _ = try desk.service.rate(chat.id, sessionId: session, score: 4, comment: nil)

        let all = try Self.deliveries(desk, hook)
        let types = all.map(\.eventType.rawValue)
        #expect(types.first == "contact.created")
        #expect(types.contains("conversation.created"))
        let order = ["conversation.created", "conversation.escalated", "conversation.assigned", "conversation.closed", "conversation.rated"]
        #expect(order.compactMap { types.firstIndex(of: $0) } == order.compactMap { types.firstIndex(of: $0) }.sorted())
        #expect(order.allSatisfy(types.contains))
        // Customer, bot and agent messages; no system notice, no note, anywhere.
        let senders = try all.filter { $0.eventType == .messageCreated }.map { try Self.body($0)["data"] as? [String: Any] }
            .compactMap { $0?["sender_type"] as? String }
        #expect(Set(senders) == ["bot", "customer", "agent"])
        #expect(!all.contains { $0.body.contains("secret-note-marker") })
        // One webhook-id per event; each body is {type, timestamp, data}.
        #expect(Set(all.map(\.messageId)).count == all.count)
        for delivery in all {
            let body = try Self.body(delivery)
            #expect(body["type"] as? String == delivery.eventType.rawValue)
            #expect(body["timestamp"] is String && body["data"] is [String: Any])
        }
        let rated = try #require(all.last { $0.eventType == .conversationRated })
        let data = try #require(try Self.body(rated)["data"] as? [String: Any])
        #expect((data["rating"] as? [String: Any])?["score"] as? Int == 4)
        #expect(data["id"] as? String == chat.id)
    }

    @Test(arguments: Engine.allCases)
    func onlySubscribedEnabledEndpointsGetAnEvent(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let closing = try Self.hook(desk, [.conversationClosed])
        let off = try Self.hook(desk, [.messageCreated])
        _ = try desk.service.updateWebhook(id: off.webhook.id, WebhookInput(enabled: false), by: .cli)
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "hello")
        #expect(try Self.deliveries(desk, closing).isEmpty)
        #expect(try Self.deliveries(desk, off).isEmpty)
    }

    @Test(arguments: Engine.allCases)
    func aFailingEventHoldsBackTheLaterOnesUntilItIsTaken(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "one")
        let t0 = Timestamp.now().adding(seconds: 1)
        var taken = try desk.service.takeWebhookDeliveries(now: t0, limit: 10)
        #expect(taken.count == 1)
        let head = try #require(taken.first)
        // Taken: leased, so nobody else (another worker) takes it meanwhile.
        #expect(try desk.service.takeWebhookDeliveries(now: t0, limit: 10).isEmpty)
        try desk.service.webhookAttempted(head, .failed(status: 500, error: "HTTP 500"), at: t0, jitter: 1)
        // Not due before its backoff, and nothing behind it goes first.
        #expect(try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 4), limit: 10).isEmpty)
        taken = try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 5), limit: 10)
        #expect(taken.map(\.delivery.id) == [head.delivery.id])
        #expect(taken.first?.delivery.messageId == head.delivery.messageId)
        try desk.service.webhookAttempted(try #require(taken.first), .delivered(status: 204), at: t0.adding(seconds: 5))
        let next = try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 5), limit: 10)
        #expect(next.count == 1 && next[0].delivery.id > head.delivery.id)

        let health = try desk.service.webhook(id: hook.webhook.id).health
        #expect(health.state == .healthy && health.lastStatusCode == 204)
    }

    @Test(arguments: Engine.allCases)
    func anAttemptThatOutlivesItsLeaseIsNotRecorded(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        _ = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "one")
        let t0 = Timestamp.now().adding(seconds: 1)
        let slow = try #require(try desk.service.takeWebhookDeliveries(now: t0, limit: 1, leaseSeconds: 30).first)
        // The lease runs out; another sender takes the same delivery.
        let later = t0.adding(seconds: 31)
        let fresh = try #require(try desk.service.takeWebhookDeliveries(now: later, limit: 1, leaseSeconds: 30).first)
        #expect(fresh.delivery.id == slow.delivery.id && fresh.leaseToken != slow.leaseToken)
        // The slow one's outcome arrives: ignored, and the fresh lease stands.
        #expect(try desk.service.webhookAttempted(slow, .failed(status: 500, error: "late"), at: later) == nil)
        #expect(try desk.service.takeWebhookDeliveries(now: later, limit: 5).isEmpty)
        #expect(try desk.service.webhookAttempted(fresh, .delivered(status: 204), at: later) == .delivered)
    }

    @Test(arguments: Engine.allCases)
    func aRedeliveredOlderEventWaitsForTheOneInFlight(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        let t0 = Timestamp.now().adding(seconds: 1)
        // Deliver everything so far, then one more event goes in flight.
        while let send = try desk.service.takeWebhookDeliveries(now: t0, limit: 1).first {
            try desk.service.webhookAttempted(send, .delivered(status: 200), at: t0)
        }
        let old = try #require(try Self.deliveries(desk, hook).first)
        try desk.say(chat, session, "two")
        let inFlight = try #require(try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 1), limit: 1).first)
        _ = try desk.service.redeliver(webhookId: hook.webhook.id, deliveryId: String(old.id), by: .cli)
        // One attempt at a time per endpoint: the redelivered one is the head now, but waits.
        #expect(try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 2), limit: 5).isEmpty)
        try desk.service.webhookAttempted(inFlight, .delivered(status: 200), at: t0.adding(seconds: 2))
        let next = try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 2), limit: 5)
        #expect(next.map(\.delivery.id) == [old.id] && next.first?.delivery.attempts == 0)
    }

    @Test(arguments: Engine.allCases)
    func aTestEventGoesAheadOfAFailingOneAndItsSuccessRetriesThatOneNow(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "one")
        let t0 = Timestamp.now().adding(seconds: 1)
        let head = try #require(try desk.service.takeWebhookDeliveries(now: t0, limit: 1).first)
        try desk.service.webhookAttempted(head, .failed(status: nil, error: "connection refused"), at: t0, jitter: 1)
        #expect(try desk.service.webhook(id: hook.webhook.id).health.state == .failing)

        _ = try desk.service.sendTestEvent(webhookId: hook.webhook.id)
        let test = try #require(try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 1), limit: 10).first)
        #expect(test.delivery.eventType == .test)
        try desk.service.webhookAttempted(test, .delivered(status: 200), at: t0.adding(seconds: 1))
        #expect(try desk.service.webhook(id: hook.webhook.id).health.state == .healthy)
        // The receiver answers again: the failed one goes now, not after its backoff.
        let again = try desk.service.takeWebhookDeliveries(now: t0.adding(seconds: 1), limit: 10)
        #expect(again.map(\.delivery.id) == [head.delivery.id])
    }

    @Test(arguments: Engine.allCases)
    func aFailedTestEventAloneMakesAnEndpointFailing(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        #expect(try desk.service.webhook(id: hook.webhook.id).health.state == .new)
        _ = try desk.service.sendTestEvent(webhookId: hook.webhook.id)
        let t0 = Timestamp.now().adding(seconds: 1)
        let test = try #require(try desk.service.takeWebhookDeliveries(now: t0, limit: 1).first)
        try desk.service.webhookAttempted(test, .failed(status: 500, error: "HTTP 500"), at: t0)
        let health = try desk.service.webhook(id: hook.webhook.id).health
        #expect(health.state == .failing && health.failingSince == t0 && health.lastStatusCode == 500 && health.pending == 1)
    }

    @Test(arguments: Engine.allCases)
    func aDayOfFailuresFailsTheDeliveryDisablesTheEndpointAndTellsTheAdminsOnce(_ engine: Engine) throws {
        let desk = try Self.desk(engine, mail: true)
        let admin = try desk.agent(role: .admin)
        _ = try desk.service.updateProfile(admin, ProfilePatch(email: "boss@example.com"))
        let hook = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "one")
        var now = Timestamp.now().adding(seconds: 1)
        let start = now
        var waits: [Int64] = []
        while true {
            guard let send = try desk.service.takeWebhookDeliveries(now: now, limit: 1).first else { break }
            let state = try desk.service.webhookAttempted(send, .failed(status: 503, error: "HTTP 503"), at: now, jitter: 1)
            guard state == .pending, let next = try desk.service.webhookDeliveries(
                DeliveryQuery(webhookId: hook.webhook.id, state: .pending, beforeId: nil, limit: 200)).first(where: { $0.id == send.delivery.id })?.nextAttemptAt
            else { break }
            waits.append((next.milliseconds - now.milliseconds) / 1000)
            now = next
        }
        #expect(Array(waits.prefix(5)) == [5, 10, 20, 40, 80])
        #expect(waits.max() == 3600)
        let view = try desk.service.webhook(id: hook.webhook.id)
        #expect(!view.webhook.enabled && view.health.state == .disabled)
        #expect(view.webhook.disabledReason?.contains("24 hours") == true)
        let states = try Self.deliveries(desk, hook).map(\.state)
        #expect(!states.isEmpty && states.allSatisfy { $0 == .failed })
        // Nothing more is queued for a disabled endpoint, and redelivering waits for it.
        try desk.say(chat, session, "two")
        #expect(try Self.deliveries(desk, hook).count == states.count)
        let first = try #require(try Self.deliveries(desk, hook).first)
        refused("webhook_disabled") { _ = try desk.service.redeliver(webhookId: hook.webhook.id, deliveryId: String(first.id), by: .cli) }
        #expect(try desk.service.disabledWebhookCount() == 1)
        // One e-mail, to the admin who has an address.
        let mails = try desk.service.store.read { try $0.emails(state: .pending, dueBy: now.adding(seconds: 60), limit: 50) }
            .filter { $0.kind == .webhookDisabled }
        #expect(mails.map(\.recipient) == ["boss@example.com"])
        // Enabled again: the reason goes, and a redelivery is pending from now.
        _ = try desk.service.updateWebhook(id: hook.webhook.id, WebhookInput(enabled: true), by: .cli)
        #expect(try desk.service.webhook(id: hook.webhook.id).webhook.disabledReason == nil)
        let redelivered = try desk.service.redeliver(webhookId: hook.webhook.id, deliveryId: String(first.id), by: .cli)
        #expect(redelivered.state == .pending && redelivered.messageId == first.messageId)
    }

    @Test(arguments: Engine.allCases)
    func aRotatedSecretSignsBesideTheOldOneForADay(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        let old = try #require(hook.secret)
        let rotated = try desk.service.rotateWebhookSecret(id: hook.webhook.id, by: .cli)
        let new = try #require(rotated.secret)
        #expect(new != old && new.hasPrefix("whsec_"))
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "hi")
        let send = try #require(try desk.service.takeWebhookDeliveries(now: Timestamp.now().adding(seconds: 1), limit: 1).first)
        #expect(send.secrets == [new, old])
        let header = WebhookSigner.signature(secrets: send.secrets, id: send.delivery.messageId, timestamp: 1, body: send.delivery.body)
        #expect(header.split(separator: " ").count == 2 && header.split(separator: " ").allSatisfy { $0.hasPrefix("v1,") })
        // After the day, the new one alone.
        #expect(rotated.webhook.signingSecrets(at: Timestamp.now().adding(seconds: 86401)) == [new])
        // The secret is never in a listing.
        let listed = String(decoding: try WireJSON.encode(try desk.service.webhooks()), as: UTF8.self)
        #expect(!listed.contains(new) && !listed.contains(old) && listed.contains("secret_last4"))
    }

    @Test(arguments: Engine.allCases)
    func endpointsAreCheckedWhenSaved(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        func create(_ url: String, _ events: [String] = ["message.created"]) throws {
            _ = try desk.service.createWebhook(WebhookInput(url: url, events: events), by: .cli)
        }
        refused("invalid_url") { try create("http://hooks.example/in") }           // https only by default
        refused("invalid_url") { try create("https://user:pw@hooks.example/in") }
        refused("invalid_url") { try create("https://hooks.example/in#part") }
        refused("invalid_url") { try create("ftp://hooks.example/in") }
        refused("invalid_url") { try create("https://hooks.example:99999/in") }
        refused("private_address") { try create("https://inside.example/in") }
        refused("private_address") { try create("https://mixed.example/in") }   // one private answer is enough
        refused("unresolvable_host") { try create("https://nowhere.example/in") }
        refused("invalid_events") { try create("https://hooks.example/in", []) }
        refused("invalid_events") { try create("https://hooks.example/in", ["message.deleted"]) }
        refused("invalid_events") { try create("https://hooks.example/in", ["webhook.test"]) }
        refused("invalid_events") { try create("https://hooks.example/in", ["message.created", "message.created"]) }
        try create("https://v6.example:8443/in")
        refused("webhook_not_found") { _ = try desk.service.webhook(id: "nope") }
    }

    /// The system's own resolver, and every spelling of a private address it accepts.
    @Test func numericSpellingsOfPrivateAddressesAreRefused() throws {
        let desk = try Desk(.memory)
        for url in ["https://127.0.0.1/", "https://2130706433/", "https://0177.0.0.1/", "https://0x7f.1/", "https://[::1]/",
                    "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://169.254.169.254/latest/meta-data",
                    "https://10.1.2.3/", "https://[fe80::1]/", "https://[fd00:ec2::254]/", "https://localhost/", "https://0.0.0.0/"] {
            refused("private_address") { _ = try desk.service.createWebhook(WebhookInput(url: url, events: ["message.created"]), by: .cli) }
        }
    }

    @Test(arguments: Engine.allCases)
    func erasingAContactErasesTheDeliveriesAboutIt(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk)
        let (chat, session) = try desk.start(email: "gone@example.com")
        try desk.say(chat, session, "erase me")
        let contactId = try #require(try desk.service.conversation(chat.id, access: .customer(sessionId: session)).contactId)
        #expect(try Self.deliveries(desk, hook).contains { $0.body.contains("erase me") })
        _ = try desk.service.eraseContact(contactId, by: .cli)
        let left = try Self.deliveries(desk, hook)
        #expect(!left.contains { $0.body.contains("erase me") || $0.body.contains("gone@example.com") })
    }

    @Test(arguments: Engine.allCases)
    func deliveriesPastAWeekArePruned(_ engine: Engine) throws {
        let desk = try Self.desk(engine)
        let hook = try Self.hook(desk, [.messageCreated])
        let (chat, session) = try desk.start()
        try desk.say(chat, session, "hi")
        let now = Timestamp.now().adding(seconds: 1)
        while let send = try desk.service.takeWebhookDeliveries(now: now, limit: 1).first {
            try desk.service.webhookAttempted(send, .delivered(status: 200), at: now)
        }
        #expect(try desk.service.pruneWebhookDeliveries(now: now) == 0)
        #expect(try desk.service.pruneWebhookDeliveries(now: now.adding(seconds: 7 * 86400 + 1)) > 0)
        #expect(try Self.deliveries(desk, hook).isEmpty)
    }

    @Test func theSignatureIsTheSpecificationsTestVector() {
        // The Standard Webhooks specification's published example.
        let header = WebhookSigner.signature(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                             timestamp: 1614265330, body: #"{"test": 2432232314}"#)
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func theBackoffDoublesFromTheConfiguredStartUpToAnHour() {
        var policy = ChatPolicy()
        policy.webhookRetrySeconds = 5
        #expect((1...12).map { policy.webhookBackoffSeconds(afterAttempts: $0) } == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600])
        #expect(policy.webhookBackoffSeconds(afterAttempts: 1000) == 3600)
    }
}
