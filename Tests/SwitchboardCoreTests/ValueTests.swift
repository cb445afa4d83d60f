import Testing
@testable import SwitchboardCore

struct TimestampTests {
    @Test func formatsISO8601WithMilliseconds() {
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_795_262_400_123).iso8601 == "2026-11-21T12:00:00.123Z")
        // Digits are written in place: padding at every width, the last millisecond of a
        // year, before 1970, and years outside four digits (the slow path).
        #expect(Timestamp(milliseconds: 1_009_843_199_999).iso8601 == "2001-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 946_688_461_001).iso8601 == "2000-01-01T01:01:01.001Z")
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -62_135_596_800_000).iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 253_402_300_800_000).iso8601 == "10000-01-01T00:00:00.000Z")
        for ms in stride(from: Int64(0), to: 4_102_444_800_000, by: 86_399_937) {
            #expect(Timestamp(iso8601: Timestamp(milliseconds: ms).iso8601) == Timestamp(milliseconds: ms))
        }
    }

    @Test func parsesWhatItFormats() {
        let t = Timestamp(milliseconds: 1_795_262_400_123)
        #expect(Timestamp(iso8601: t.iso8601) == t)
        #expect(Timestamp(iso8601: "2026-11-21T12:00:00Z") == Timestamp(milliseconds: 1_795_262_400_000))
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(Timestamp(iso8601: "2026-13-21T12:00:00Z") == nil)
        #expect(Timestamp(iso8601: "2026-02-31T00:00:00Z") == nil) // no rolling over into March
        #expect(Timestamp(iso8601: "2026-02-28T23:59:60Z") == nil)
        #expect(Timestamp(iso8601: "2028-02-29T00:00:00Z") != nil)
        #expect(Timestamp(iso8601: "2100-02-29T00:00:00Z") == nil)
    }
}

/// The one encoder: escaping, member order, explicit null, nested inline summaries.
struct WireJSONTests {
    struct Sample: Codable, Equatable {
        var b: Int
        var a: String?
        var c: [Bool]
        var d: Timestamp
    }

    @Test func escapesTextSoItCannotBreakOutOfJSONOrHTMLOrAnSSELine() throws {
        let text = try WireJSON.string(ErrorBody(detail: "<script>\"x\"\\\n\u{1}</script> & \u{2028}", code: "é"))
        #expect(text == #"{"detail":"\u003cscript\u003e\"x\"\\\n\u0001\u003c/script\u003e \u0026 \u2028","code":"é"}"#)
        #expect(!text.contains("\n") && !text.contains("\r"))
        // Byte by byte: both JavaScript line separators, but not their UTF-8 neighbours
        // (U+2000, U+202F), multi-byte text and emoji kept as they are, DEL as it is.
        #expect(try WireJSON.string(["\u{2029}x\u{2028}", "\u{2000}\u{202F}€😀\u{7F}\t\r"])
                == "[\"\\u2029x\\u2028\",\"\u{2000}\u{202F}€😀\u{7F}\\t\\r\"]")
    }

    @Test func keepsDeclarationOrderAndWritesNullForNil() throws {
        let sample = Sample(b: 1, a: nil, c: [true, false], d: Timestamp(milliseconds: 0))
        let text = try WireJSON.string(sample)
        #expect(text == #"{"b":1,"a":null,"c":[true,false],"d":"1970-01-01T00:00:00.000Z"}"#)
        #expect(try WireJSON.decode(Sample.self, from: text) == sample)
    }

    @Test func metadataWritesOnlyItsPresentKeysInOneOrder() throws {
        #expect(try WireJSON.string(MessageMetadata(event: "assigned", agentId: "a1")) == #"{"agent_id":"a1","event":"assigned"}"#)
        #expect(try WireJSON.string(MessageMetadata()) == "{}")
        #expect(try WireJSON.decode(MessageMetadata.self, from: #"{"faq_slug":"x","other":"y"}"#) == MessageMetadata(faqSlug: "x"))
    }

    @Test func anAgentConversationIsTheSummaryThenItsOwnMembersAndRoundTrips() throws {
        let at = Timestamp(milliseconds: 1_795_262_400_123)
        var conversation = Conversation(id: "c1", status: .agent, assignedAgentId: nil, assignedAgentName: nil, hasAgentReplied: false,
                                        requestedAgentAt: at, closedAt: nil, createdAt: at, updatedAt: at,
                                        customerDisplayName: "Visitor", customerEmail: nil)
        conversation.unreadCount = 2
        conversation.awaitingSince = at
        conversation.labels = [Label(id: "l1", name: "VIP", color: "#1a56db")]
        let message = Message(seq: 7, id: "m1", conversationId: "c1", senderType: .system, senderAgentId: nil, kind: .event,
                              content: "queued", metadata: MessageMetadata(event: "queued"), clientMessageId: nil, createdAt: at)
        let view = AgentConversation(conversation, lastMessage: message)
        let text = try WireJSON.string(view)
        #expect(text.hasPrefix(#"{"id":"c1","status":"agent","assigned_agent_id":null,"assigned_agent_name":null,"assigned_agent_presence":null,"has_agent_replied":false,"#))
        #expect(text.hasSuffix(#""customer":{"display_name":"Visitor","email":null,"source":null},"contact":null,"#
                               + #""unread_count":2,"awaiting_reply":true,"waiting_since":"2026-11-21T12:00:00.123Z","#
                               + ##""labels":[{"id":"l1","name":"VIP","color":"#1a56db"}],"rating":null}"##))
        var decoded = try WireJSON.decode(AgentConversation.self, from: text)
        #expect(decoded.lastMessage?.seq == 0) // never on the wire
        decoded.lastMessage?.seq = 7
        #expect(decoded == view)
    }

    @Test func everyEventPayloadDecodesIntoItsType() throws {
        let at = Timestamp(milliseconds: 5)
        let agent = Agent(id: "a", username: "alex", displayName: "Alex", role: .agent, presence: .online, maxActiveChats: 3,
                          createdAt: at, updatedAt: at)
        let event = ChatEvent.agentPresenceChanged(agent)
        #expect(event.name == .agentPresenceChanged && event.audience == .agents && event.conversationId == nil)
        #expect(try WireJSON.decode(EventPayload.AgentPresenceChanged.self, from: event.payload()).agent == agent)
        let closed = ChatEvent.chatClosed(conversationId: "c", closedAt: at, canRate: true)
        #expect(closed.audience == .conversation && closed.conversationId == "c")
        #expect(try WireJSON.decode(EventPayload.ChatClosed.self, from: closed.payload()).closedAt == at)
        #expect(try WireJSON.decode(EventPayload.ChatClosed.self, from: closed.payload()).canRate)
        let claimed = ChatEvent.queueChatClaimed(conversationId: "c", agentId: "a")
        #expect(try claimed.payload() == #"{"conversation_id":"c","agent_id":"a"}"#)
    }
}

struct ConfigTests {
    @Test func defaultsWork() throws {
        let config = try Config.fromEnvironment([:])
        #expect(config.dataDir == "./var")
        #expect(config.runDir == "./var/run")
        #expect(config.routing == .auto)
        #expect(config.workerThreads >= 2)
        #expect(config.maxBodyBytes == 65536)
    }

    @Test func malformedValuesAreErrorsNotDefaults() {
        #expect(throws: ConfigError.self) { try Config.fromEnvironment(["SWITCHBOARD_ROUTING": "random"]) }
        #expect(throws: ConfigError.self) { try Config.fromEnvironment(["SWITCHBOARD_WORKER_THREADS": "lots"]) }
        #expect(throws: ConfigError.self) { try Config.fromEnvironment(["SWITCHBOARD_MAX_BODY_BYTES": "10"]) }
    }

    @Test func readsEveryVariable() throws {
        let config = try Config.fromEnvironment([
            "SWITCHBOARD_DATA_DIR": "/srv/sb", "SWITCHBOARD_ROUTING": "manual", "SWITCHBOARD_WORKER_THREADS": "3",
            "SWITCHBOARD_TOKEN_TTL_SECONDS": "600", "SWITCHBOARD_SCRYPT_LOG_N": "12",
        ])
        #expect(config.databasePath == "/srv/sb/switchboard.sqlite")
        #expect(config.workerSocketPath == "/srv/sb/run/worker.sock")
        #expect(config.routing == .manual)
        #expect(config.workerThreads == 3)
        #expect(config.tokenTTLSeconds == 600)
        #expect(config.scryptLogN == 12)
    }
}

/// The sites that may show the chat: what an admin may save, and which Referer each admits.
struct WidgetOriginsTests {
    @Test func originsAreCheckedLowerCasedAndDeduplicated() throws {
        #expect(try WidgetOrigins.parse([" https://Shop.example ", "https://shop.example", "http://127.0.0.1:8081", "https://[::1]:8443"],
                                        field: "f") == ["https://shop.example", "http://127.0.0.1:8081", "https://[::1]:8443"])
        #expect(try WidgetOrigins.parse(["*"], field: "f") == ["*"])
        #expect(try WidgetOrigins.parse(["https://*.shop.example"], field: "f") == ["https://*.shop.example"])
        for bad in [[], ["shop.example"], ["https://shop.example/path"], ["ftp://shop.example"], ["https://shop..example"],
                    ["https://shop.example:99999"], ["*", "https://shop.example"], ["https://sho p.example"], ["javascript:alert(1)"],
                    ["https://shop.example; script-src *"], Array(repeating: "https://a.example", count: 21)] {
            #expect(throws: AppError.self, "\(bad)") { try WidgetOrigins.parse(bad, field: "f") }
        }
        #expect(WidgetOrigins.parse(environment: "https://a.example  https://b.example") == ["https://a.example", "https://b.example"])
        #expect(WidgetOrigins.parse(environment: "") == nil)
    }

    @Test func aRefererIsJudgedByItsOriginOnly() {
        #expect(WidgetOrigins.origin(ofURL: "https://Shop.example/cart?x=1#y") == "https://shop.example")
        #expect(WidgetOrigins.origin(ofURL: "http://user:pw@127.0.0.1:8081/") == "http://127.0.0.1:8081")
        #expect(WidgetOrigins.origin(ofURL: "android-app://x") == nil)
        #expect(WidgetOrigins.origin(ofURL: "") == nil)
        let allowed = ["https://shop.example", "https://*.brand.example"]
        #expect(WidgetOrigins.allows(allowed, "https://shop.example"))
        #expect(WidgetOrigins.allows(allowed, "https://eu.brand.example"))
        #expect(!WidgetOrigins.allows(allowed, "https://brand.example"))
        #expect(!WidgetOrigins.allows(allowed, "http://shop.example"))
        #expect(!WidgetOrigins.allows(allowed, "https://shop.example.evil.example"))
        #expect(!WidgetOrigins.allows(allowed, "https://evilbrand.example"))
        #expect(WidgetOrigins.allows(["*"], "https://anything.example"))
    }
}
