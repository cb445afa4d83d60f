// swift-tools-version:6.1
// Switchboard: customer-support live chat. See docs/DESIGN.md for the targets and why.
//
// Dependencies, each for one job:
//   GRDB.swift        SQLite (WAL, DatabasePool, migrations) — the store only
//   swift-crypto      scrypt password hashing and SHA-256 token hashing — the chat service only
//   swift-log         structured log lines from every executable
//   swift-argument-parser  the admin CLI
//   swift-nio         the SSE notifier
// System libraries (Debian packages, installed by scripts/deps.sh): libfcgi (FastCGI),
// libcurl (SMTP and webhooks: TLS, AUTH and the dialogue from a maintained client, not by
// hand), libmagic (a file's type from its bytes), libvips (images cleaned and previewed).
import PackageDescription

let package = Package(
    name: "Switchboard",
    // macOS 15: Synchronization.Atomic (Linux has no such floor).
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "switchboard-worker", targets: ["switchboard-worker"]),
        .executable(name: "switchboard-notifier", targets: ["switchboard-notifier"]),
        .executable(name: "switchboard", targets: ["switchboard"]),
        // `make fuzz` builds this one alone, with libFuzzer; the ordinary build makes it a replayer.
        .executable(name: "switchboard-fuzz", targets: ["switchboard-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Prometheus text exposition (counters, gauges, histograms) for /metrics.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CFastCGI",
            pkgConfig: "fcgi",
            providers: [.apt(["libfcgi-dev"])]
        ),
        // libcurl's SMTP client (Debian's libcurl4-openssl-dev): e-mail without a hand-written SMTP dialogue.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // libmagic (Debian's libmagic-dev): an upload's type from its bytes.
        .systemLibrary(name: "CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        // libvips (Debian's libvips-dev): images decoded, written again without metadata, previewed.
        .systemLibrary(name: "CVips", pkgConfig: "vips", providers: [.apt(["libvips-dev"])]),
        // Uploaded files on disk: judged, cleaned, kept by content. The only importer of CMagic and CVips.
        .target(
            name: "SwitchboardFiles",
            dependencies: ["CMagic", "CVips", "POSIXSupport", "SwitchboardCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // E-mail out (the SMTP client, the message format) and the worker's background chores.
        .target(
            name: "SwitchboardMail",
            dependencies: ["CCurl", "POSIXSupport", "SwitchboardCore", "SwitchboardChat", .product(name: "Logging", package: "swift-log")]
        ),
        // The unix-socket and pthread calls made by hand, written once (no dependencies).
        .target(name: "POSIXSupport"),
        .target(name: "FastCGI", dependencies: ["CFastCGI", "POSIXSupport"]),
        .target(name: "SwitchboardCore"),
        // Process start-up shared by the long-running executables: logging, config, signals.
        .target(
            name: "SwitchboardRuntime",
            dependencies: ["SwitchboardCore", "SwitchboardStore", "POSIXSupport", .product(name: "Logging", package: "swift-log")]
        ),
        // The chat rules over the store protocol, accounts and credentials, the in-memory store.
        .target(
            name: "SwitchboardChat",
            dependencies: [
                "SwitchboardCore", "POSIXSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // The in-memory store: the second engine the rule tests run on and the fuzz harness's
        // store. A test engine, so no executable that ships links it.
        .target(name: "SwitchboardTestSupport", dependencies: ["SwitchboardCore", "SwitchboardChat"]),
        // The SQLite implementation of the store protocol.
        .target(
            name: "SwitchboardStore",
            dependencies: ["SwitchboardCore", "POSIXSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The worker's and the notifier's Prometheus metrics: the only importer of Prometheus.
        .target(
            name: "SwitchboardMetrics",
            dependencies: ["SwitchboardCore", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        .target(
            name: "SwitchboardAPI",
            dependencies: ["SwitchboardCore", "SwitchboardChat", "SwitchboardMetrics", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "switchboard-worker",
            dependencies: [
                "FastCGI", "POSIXSupport", "SwitchboardCore", "SwitchboardChat", "SwitchboardStore", "SwitchboardAPI", "SwitchboardRuntime",
                "SwitchboardMail", "SwitchboardMetrics", "SwitchboardFiles",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The notifier's logic: hub, SSE framing, replay-to-live hand-over, filters. Reads the
        // outbox through its own protocol, so it never imports the SQLite store.
        .target(
            name: "SwitchboardNotifier",
            dependencies: [
                "POSIXSupport", "SwitchboardCore", "SwitchboardMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "switchboard-notifier",
            dependencies: [
                "POSIXSupport", "SwitchboardCore", "SwitchboardChat", "SwitchboardNotifier", "SwitchboardStore", "SwitchboardRuntime", "SwitchboardMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "SwitchboardCore", "SwitchboardChat", "SwitchboardStore", "SwitchboardAPI", "SwitchboardMetrics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The demo shop's FAQs, imported by `switchboard seed`.
            resources: [.copy("demo-faqs.json")]
        ),
        // The fuzz harness: bytes → CGI params → the whole API over a seeded memory store, with
        // the invariants every answer must keep. No I/O but uploads' files (a directory of its own).
        .target(
            name: "SwitchboardFuzzing",
            dependencies: ["SwitchboardAPI", "SwitchboardChat", "SwitchboardCore", "SwitchboardTestSupport", "SwitchboardFiles",
                           .product(name: "Logging", package: "swift-log")]
        ),
        // libFuzzer's driver, declared for `make fuzz` (a header; nothing to link otherwise).
        .target(name: "CLibFuzzer"),
        .executableTarget(name: "switchboard-fuzz", dependencies: ["SwitchboardFuzzing", "CLibFuzzer"]),
        .testTarget(name: "SwitchboardCoreTests", dependencies: ["SwitchboardCore"]),
        .testTarget(name: "SwitchboardChatTests", dependencies: ["SwitchboardChat", "SwitchboardStore", "SwitchboardCore", "SwitchboardTestSupport",
                                                               "SwitchboardFiles"]),
        .testTarget(
            name: "SwitchboardStoreTests",
            // GRDB only to damage a database by hand (CorruptValueTests) and read raw rows.
            dependencies: ["SwitchboardStore", "SwitchboardChat", "SwitchboardCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "SwitchboardAPITests", dependencies: ["SwitchboardAPI", "SwitchboardChat", "SwitchboardStore", "SwitchboardCore",
                                                              "SwitchboardMetrics", "SwitchboardFiles"]),
        .testTarget(name: "SwitchboardFilesTests", dependencies: ["SwitchboardFiles", "SwitchboardCore"]),
        .testTarget(name: "SwitchboardFuzzingTests", dependencies: ["SwitchboardFuzzing"]),
        .testTarget(name: "SwitchboardMailTests", dependencies: ["SwitchboardMail", "SwitchboardCore"]),
        .testTarget(name: "FastCGITests", dependencies: ["FastCGI", "POSIXSupport"]),
        .testTarget(name: "POSIXSupportTests", dependencies: ["POSIXSupport"]),
        .testTarget(
            name: "SwitchboardNotifierTests",
            dependencies: [
                "SwitchboardNotifier", "SwitchboardCore", "SwitchboardStore", "SwitchboardChat",
                // Only to append outbox rows with plain SQL, independent of the store's write API.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
