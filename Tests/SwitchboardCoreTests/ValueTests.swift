import Testing
@testable import SwitchboardCore

struct TimestampTests {
    @Test func formatsISO8601WithMilliseconds() {
        #expect(Timestamp(milliseconds: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 1_795_262_400_123).iso8601 == "2026-11-21T12:00:00.123Z")
    }

    @Test func parsesWhatItFormats() {
        let t = Timestamp(milliseconds: 1_795_262_400_123)
        #expect(Timestamp(iso8601: t.iso8601) == t)
        #expect(Timestamp(iso8601: "2026-11-21T12:00:00Z") == Timestamp(milliseconds: 1_795_262_400_000))
        #expect(Timestamp(iso8601: "yesterday") == nil)
        #expect(Timestamp(iso8601: "2026-13-21T12:00:00Z") == nil)
    }
}

struct JSONTests {
    @Test func escapesTextSoItCannotBreakOutOfJSONOrHTML() {
        let value = JSON.object([("content", .string("<script>\"x\"\\\n\u{1}</script> & \u{2028}"))])
        #expect(value.text == #"{"content":"\u003cscript\u003e\"x\"\\\n\u0001\u003c/script\u003e \u0026 \u2028"}"#)
    }

    @Test func keepsKeyOrderAndExplicitNull() {
        let value = JSON.object([("b", 1), ("a", .null), ("c", .array([true, "x"]))])
        #expect(value.text == #"{"b":1,"a":null,"c":[true,"x"]}"#)
        #expect(value["a"] == .null)
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
