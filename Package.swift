// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Tsunagi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tsunagi", targets: ["tsunagi"]),
        .executable(name: "tsunagi-router", targets: ["tsunagi-router"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
        .executable(name: "tsunagi-peer-support", targets: ["tsunagi-peer-support"]),
        .executable(name: "tsunagi-saposute", targets: ["tsunagi-saposute"]),
        .executable(name: "tsunagi-employment-base", targets: ["tsunagi-employment-base"]),
        .executable(name: "tsunagi-welfare-office", targets: ["tsunagi-welfare-office"]),
        .executable(name: "tsunagi-municipality", targets: ["tsunagi-municipality"]),
        .executable(name: "tsunagi-regional-support-center", targets: ["tsunagi-regional-support-center"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Reads the CSV Excel writes: quoted fields with commas, quotes and line breaks; refuses text after a closing quote.
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // The router's /metrics: swift-metrics recorded into swift-prometheus, served by Hummingbird.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // The only target that sees C: libzmq from Debian's libzmq3-dev. No pkgConfig: Debian's
        // libzmq.pc adds a flag SwiftPM rejects, and zmq.h is in /usr/include anyway.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        // The domain: referral, states, protocol codec, business-day calendar. No I/O.
        .target(name: "TsunagiCore"),
        // The embedded store: SQLite (WAL, synchronous=FULL), migrations, events. SQL stays in here.
        .target(
            name: "TsunagiStore",
            dependencies: ["TsunagiCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        // Sealing the personal part to the destination agency: HPKE (RFC 9180) keys, seal and open.
        .target(name: "TsunagiSealing", dependencies: ["TsunagiCore", .product(name: "Crypto", package: "swift-crypto")]),
        // What every program shares at run time: config files, the agency registry, keys, logs, sd_notify.
        .target(
            name: "TsunagiRuntime",
            dependencies: [
                "TsunagiCore", "TsunagiSealing", "ZeroMQ",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The worker side of the protocol (the Majordomo "worker API"): connect, retry, heartbeat.
        .target(
            name: "TsunagiClient",
            dependencies: ["TsunagiCore", "ZeroMQ", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "TsunagiRouter",
            dependencies: [
                "TsunagiCore", "TsunagiStore", "TsunagiRuntime", "ZeroMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        // The coordinator's and operator's tools behind the `tsunagi` command.
        .target(
            name: "TsunagiTools",
            dependencies: [
                "TsunagiCore", "TsunagiStore", "TsunagiRuntime", "TsunagiClient", "TsunagiSealing", "ZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        // The coordinators' web console (`tsunagi console`): its pages grouped by page, their models and templates.
        .target(
            name: "TsunagiConsole",
            dependencies: [
                "TsunagiCore", "TsunagiStore", "TsunagiRuntime", "TsunagiTools", "TsunagiWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .executableTarget(
            name: "tsunagi-router",
            dependencies: [
                "TsunagiRouter", "TsunagiRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "tsunagi",
            dependencies: [
                "ZeroMQ", "TsunagiTools", "TsunagiCore", "TsunagiRuntime", "TsunagiSealing", "TsunagiConsole", "TsunagiWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(
            name: "TsunagiCoreTests",
            dependencies: ["TsunagiCore", .product(name: "PropertyBased", package: "swift-property-based")]),
        .testTarget(
            name: "SealingTests",
            dependencies: ["TsunagiSealing", "TsunagiCore", "TsunagiRuntime", "TsunagiTestSupport", "TsunagiTools", "TsunagiStore", "ZeroMQ"],
            // The interop vector and the Python implementation, read from the package folder.
            exclude: ["Vectors"]),
        .testTarget(
            name: "TsunagiStoreTests",
            dependencies: ["TsunagiStore", "TsunagiCore", "TsunagiTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        // Helpers the tests share: start the built executables, talk raw frames, wait for conditions.
        .target(
            name: "TsunagiTestSupport",
            dependencies: ["TsunagiCore", "TsunagiStore", "TsunagiTools", "ZeroMQ", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/TsunagiTestSupport"),
        .testTarget(
            name: "TsunagiRouterTests",
            dependencies: ["TsunagiTestSupport", "TsunagiCore", "TsunagiStore", "TsunagiRouter", "TsunagiRuntime", "ZeroMQ"]),
        // The staff's words and the rules for the agency's answers: one source for the commands and the desk.
        .target(name: "TsunagiStaff", dependencies: ["TsunagiCore", "TsunagiStore", "TsunagiRuntime"]),
        // The agency side: outbox, inbox, ledger and the agency's own commands, shared by the four workers.
        .target(
            name: "TsunagiWorker",
            dependencies: [
                "TsunagiCore", "TsunagiStore", "TsunagiRuntime", "TsunagiClient", "TsunagiSealing", "ZeroMQ", "TsunagiDesk", "TsunagiWeb",
                "TsunagiStaff",
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(name: "tsunagi-peer-support", dependencies: ["TsunagiWorker"]),
        .executableTarget(name: "tsunagi-saposute", dependencies: ["TsunagiWorker"]),
        .executableTarget(name: "tsunagi-employment-base", dependencies: ["TsunagiWorker"]),
        .executableTarget(name: "tsunagi-welfare-office", dependencies: ["TsunagiWorker"]),
        .executableTarget(name: "tsunagi-municipality", dependencies: ["TsunagiWorker"]),
        .executableTarget(name: "tsunagi-regional-support-center", dependencies: ["TsunagiWorker"]),
        .testTarget(
            name: "TsunagiWorkerTests",
            dependencies: ["TsunagiWorker", "TsunagiClient", "TsunagiStore", "TsunagiCore", "TsunagiRuntime", "TsunagiTestSupport", "ZeroMQ"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["TsunagiTestSupport", "TsunagiWorker", "TsunagiStore", "TsunagiCore", "TsunagiRuntime", "TsunagiTools", "TsunagiSealing"]),
        .testTarget(name: "FaultTests", dependencies: ["TsunagiTestSupport", "TsunagiWorker", "TsunagiStore", "TsunagiCore", "TsunagiRuntime", "TsunagiTools", "ZeroMQ"]),
        // The web layer the desk and the console share: app builder, sessions, login, CSRF, layout.
        .target(
            name: "TsunagiWeb",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // The agency's desk: its pages on the worker's ledger, grouped by page.
        .target(
            name: "TsunagiDesk",
            dependencies: [
                "TsunagiWeb", "TsunagiCore", "TsunagiStore", "TsunagiStaff",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "TsunagiDeskTests",
            dependencies: ["TsunagiDesk", "TsunagiWeb", "TsunagiWorker", "TsunagiStore", "TsunagiCore", "TsunagiRuntime",
                           .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(
            name: "DeskBrowserTests",
            dependencies: ["TsunagiTestSupport", "TsunagiStore", "TsunagiCore"]),
        .testTarget(
            name: "TsunagiWebTests",
            dependencies: ["TsunagiWeb", .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(
            name: "TsunagiConsoleTests",
            dependencies: [
                "TsunagiConsole", "TsunagiWeb", "TsunagiTestSupport", "TsunagiTools", "TsunagiStore", "TsunagiCore", "TsunagiRuntime",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]),
        .testTarget(name: "TsunagiToolsTests", dependencies: ["TsunagiTools", "TsunagiStore", "TsunagiCore", "TsunagiRuntime", "TsunagiSealing", "ZeroMQ"]),
    ],
    swiftLanguageModes: [.v6]
)
